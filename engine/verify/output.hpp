// The forms a verify report is written in (README.md, "Output formats"):
// text for people, our own XML (verify-report.xsd), JUnit XML for CI
// servers (one testcase per file), and SARIF 2.1.0 for code-scanning tools.
#pragma once

#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <string_view>

#include "verify.hpp"

namespace mailflow::verify {

enum class output_format { text, xml, junit, sarif };

std::optional<output_format> parse_output_format(std::string_view name);

struct output_options {
  std::string mailroot;  // as the user named it (shown, never resolved)
  bool strict = false;   // warnings fail too (JUnit failures)
};

struct counts {
  std::size_t errors = 0, warnings = 0, notes = 0;
};

counts count(const diagnostic_list& diags);

// "1 error, 2 warnings" (", 3 notes" when there are notes).
std::string summary_line(const counts& c);

// Leaves out the diagnostics whose code is listed (--ignore).
void drop_codes(report& r, const std::set<std::string, std::less<>>& codes);

void write_report(std::ostream& out, const report& r, output_format format, const output_options& options);

}  // namespace mailflow::verify
