#include "summary.hpp"

#include <algorithm>

namespace mailflow::verify {

counts count(const diagnostic_list& diags) {
  counts c;
  for (auto& d : diags.items()) {
    c.errors += d.level == severity::error;
    c.warnings += d.level == severity::warning;
    c.notes += d.level == severity::note;
  }
  return c;
}

std::string summary_line(const counts& c) {
  auto plural = [](std::size_t n, const char* word) {
    return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
  };
  std::string s = plural(c.errors, "error") + ", " + plural(c.warnings, "warning");
  if (c.notes) s += ", " + plural(c.notes, "note");
  return s;
}

void drop_codes(report& r, const std::set<std::string, std::less<>>& codes) {
  if (codes.empty()) return;
  auto& items = r.diags.items();
  items.erase(std::remove_if(items.begin(), items.end(), [&](auto& d) { return codes.count(d.code) > 0; }),
              items.end());
}

}  // namespace mailflow::verify
