// tab_document: a TAB file as an editable list of lines (manual:
// CONFIGURATION, "Configuration tables"). Edits touch only the records they
// name: comments, blank lines, lines the reader refuses, the order and the
// file's line ending (LF or CRLF) are kept as they were, so an edit made
// through CTRL or the store shows in `diff` as exactly the lines it changed.
//
// New records are written as XMail writes them: every field double-quoted
// (fields marked bare, like mailusers.tab's account id, are not), separated
// by one TAB. A value that cannot be written safely (a TAB, CR, LF, NUL or a
// double quote in it) is refused: it would split or inject a record.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailflow::config {

struct tab_value {
  std::string text;
  bool quoted = true;
};

class tab_document {
 public:
  // Any text is accepted (lines the reader would refuse are kept verbatim).
  static tab_document parse(std::string_view text);

  struct line {
    std::string text;                                   // without its line ending
    std::optional<std::vector<std::string>> fields;     // set for a record (not comment, blank or malformed)
  };
  const std::vector<line>& lines() const { return lines_; }
  // Records only, in file order: their field values.
  std::vector<std::vector<std::string>> records() const;

  using match = std::function<bool(const std::vector<std::string>& fields)>;
  // Appends a record; false (and `error` set) when a value cannot be written.
  bool append(const std::vector<tab_value>& fields, std::string& error);
  // Replaces every record `m` selects by `fields`; returns how many (0 on a refused value).
  std::size_t replace(const match& m, const std::vector<tab_value>& fields, std::string& error);
  // Removes every record `m` selects; returns how many.
  std::size_t remove(const match& m);

  // The document as text again: byte-identical to the parsed text when nothing changed.
  std::string text() const;

  // The line a record becomes ("\"a\"\tb"), or nullopt when a value cannot be written.
  static std::optional<std::string> format(const std::vector<tab_value>& fields, std::string& error);

 private:
  std::vector<line> lines_;
  std::string ending_ = "\n";
  bool final_newline_ = true;
};

}  // namespace mailflow::config
