// A problem found in input the user controls (MailRoot files, scenarios),
// printed as `file:line:column: error|warning: message [code]`. Codes are
// stable: users silence them with `--ignore CODE` and tools key on them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mailflow {

enum class severity { error, warning, note };

const char* severity_name(severity s);

struct diagnostic {
  severity level = severity::error;
  std::string file;          // relative to the MailRoot (or as the user named it)
  std::uint32_t line = 0;    // 1-based; 0 = the file as a whole
  std::uint32_t column = 0;  // 1-based byte column; 0 = the line as a whole
  std::string message;
  std::string code;          // stable kebab-case identifier
};

// "file:line:column: error: message [code]" (line/column left out when 0).
std::string format_diagnostic(const diagnostic& d);

class diagnostic_list {
 public:
  void add(diagnostic d) { items_.push_back(std::move(d)); }
  void error(std::string file, std::uint32_t line, std::uint32_t column, std::string code, std::string message);
  void warning(std::string file, std::uint32_t line, std::uint32_t column, std::string code, std::string message);
  void note(std::string file, std::uint32_t line, std::uint32_t column, std::string code, std::string message);

  const std::vector<diagnostic>& items() const { return items_; }
  std::vector<diagnostic>& items() { return items_; }
  std::size_t error_count() const;
  std::size_t warning_count() const;
  bool empty() const { return items_.empty(); }
  void append(const diagnostic_list& other);
  // Stable order for output: by file, line, column, then code.
  void sort();

 private:
  std::vector<diagnostic> items_;
};

}  // namespace mailflow
