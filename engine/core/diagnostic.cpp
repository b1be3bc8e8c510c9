#include "diagnostic.hpp"

#include <algorithm>
#include <tuple>

namespace mailflow {

const char* severity_name(severity s) {
  switch (s) {
    case severity::error: return "error";
    case severity::warning: return "warning";
    case severity::note: return "note";
  }
  return "error";
}

std::string format_diagnostic(const diagnostic& d) {
  std::string out = d.file;
  if (d.line) {
    out += ':' + std::to_string(d.line);
    if (d.column) out += ':' + std::to_string(d.column);
  }
  out += ": ";
  out += severity_name(d.level);
  out += ": ";
  out += d.message;
  if (!d.code.empty()) out += " [" + d.code + "]";
  return out;
}

void diagnostic_list::error(std::string file, std::uint32_t line, std::uint32_t column, std::string code,
                            std::string message) {
  items_.push_back({severity::error, std::move(file), line, column, std::move(message), std::move(code)});
}

void diagnostic_list::warning(std::string file, std::uint32_t line, std::uint32_t column, std::string code,
                              std::string message) {
  items_.push_back({severity::warning, std::move(file), line, column, std::move(message), std::move(code)});
}

void diagnostic_list::note(std::string file, std::uint32_t line, std::uint32_t column, std::string code,
                           std::string message) {
  items_.push_back({severity::note, std::move(file), line, column, std::move(message), std::move(code)});
}

std::size_t diagnostic_list::error_count() const {
  return std::count_if(items_.begin(), items_.end(), [](auto& d) { return d.level == severity::error; });
}

std::size_t diagnostic_list::warning_count() const {
  return std::count_if(items_.begin(), items_.end(), [](auto& d) { return d.level == severity::warning; });
}

void diagnostic_list::append(const diagnostic_list& other) {
  items_.insert(items_.end(), other.items_.begin(), other.items_.end());
}

void diagnostic_list::sort() {
  std::stable_sort(items_.begin(), items_.end(), [](const diagnostic& a, const diagnostic& b) {
    return std::tie(a.file, a.line, a.column, a.code, a.message) <
           std::tie(b.file, b.line, b.column, b.code, b.message);
  });
}

}  // namespace mailflow
