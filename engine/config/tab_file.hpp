// XMail's TAB format (manual: CONFIGURATION, "Configuration tables"):
//
//   "value1"<TAB>"value2"<TAB>...<NEWLINE>
//
// One reader for every .tab file. Fields are separated by TAB and usually
// double-quoted; unquoted fields are allowed (mailusers.tab writes the account
// id bare, the ipmap files the precedence). Lines starting with '#' and blank
// lines are skipped; LF and CRLF endings are both accepted. As XMail's
// tokenizer does, runs of TABs count as one separator.
//
// Every record keeps its line number and text, so each later decision can cite
// `file:line`. A malformed line (an unterminated or stray quote, fields
// separated by spaces instead of TAB) is reported as a diagnostic with its
// column and left out of the records; it is never silently dropped and never
// a crash.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostic.hpp"
#include "core/event.hpp"

namespace mailflow::config {

struct tab_field {
  std::string_view value;     // without its quotes
  std::uint32_t column = 0;   // 1-based column of the field's first character
  bool quoted = false;
};

struct tab_record {
  std::uint32_t line = 0;              // 1-based line number
  std::string_view text;               // the whole line, without its line ending
  std::span<const tab_field> fields;   // valid for the tab_file's lifetime

  std::size_t size() const { return fields.size(); }
  std::string_view operator[](std::size_t i) const { return fields[i].value; }
  std::uint32_t column(std::size_t i) const { return i < fields.size() ? fields[i].column : 1; }
};

class tab_file {
 public:
  // Parses `content`; problems go to `diags` under `rel_path`.
  static std::unique_ptr<tab_file> parse(std::string rel_path, std::string content, diagnostic_list& diags);
  // Reads root/rel_path; nullptr when the file does not exist. An unreadable
  // file (a folder, no permission) is an error diagnostic and also nullptr.
  static std::unique_ptr<tab_file> load(const std::filesystem::path& root, std::string rel_path,
                                        diagnostic_list& diags);

  const std::string& path() const { return path_; }
  const std::string& content() const { return content_; }
  const std::vector<tab_record>& records() const { return records_; }
  bool empty() const { return records_.empty(); }
  // The record as a report may cite it: the only way a table line becomes
  // rule text, so the password field of a credential table (password_field())
  // is "***" in every rule that quotes it, whoever writes the rule out.
  rule_ref rule(const tab_record& r) const;

  tab_file(const tab_file&) = delete;
  tab_file& operator=(const tab_file&) = delete;

 private:
  tab_file() = default;
  std::string path_;
  std::optional<std::size_t> password_field_;
  std::string content_;
  std::vector<tab_field> field_pool_;
  std::vector<tab_record> records_;
};

// The field holding a password in the credential tables, by MailRoot-relative
// path: mailusers.tab "domain" "account" "enc-passwd" ... (2), smtpauth.tab
// "username" "password" "permissions" (1, in clear), ctrlaccounts.tab
// "username" "password" (1), pop3links.tab ... "external-account"
// "external-crypted-password" "authtype" (4), userauth/smtp/*.tab
// "auth-type" "username" "password" (2). nullopt for every other table.
std::optional<std::size_t> password_field(std::string_view rel_path);

// The largest MailRoot file read (a million-account mailusers.tab is about
// 100 MB): past it the file is an error, not an allocation that can fail.
inline constexpr std::uint64_t max_mailroot_file_bytes = std::uint64_t{1} << 30;

// Reads root/rel_path into `text`: false when the file does not exist
// (nothing is said), or when it cannot be read (an error diagnostic). Only a
// regular file is read: a FIFO, device or socket is an error at once (it is
// opened without blocking), and so is a file over max_mailroot_file_bytes.
bool read_file_text(const std::filesystem::path& root, const std::string& rel_path, std::string& text,
                    diagnostic_list& diags);

// Where a typed entry came from: its file and record (both outlive the entry).
struct source {
  const tab_file* file = nullptr;
  const tab_record* record = nullptr;

  explicit operator bool() const { return file && record; }
  rule_ref rule() const { return file && record ? file->rule(*record) : rule_ref{}; }
  std::string location() const;  // "file:line"
};

}  // namespace mailflow::config
