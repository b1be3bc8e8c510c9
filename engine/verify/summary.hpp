// What a verify report adds up to, as plain data over the findings: counts by
// severity, the one-line summary the CLI prints, and --ignore. The forms a
// report is written in (text, XML, JUnit, SARIF) are rendered by
// reports/verify_output.hpp, so the engine never links an XML library.
#pragma once

#include <cstddef>
#include <set>
#include <string>

#include "verify.hpp"

namespace mailflow::verify {

struct counts {
  std::size_t errors = 0, warnings = 0, notes = 0;
};

counts count(const diagnostic_list& diags);

// "1 error, 2 warnings" (", 3 notes" when there are notes).
std::string summary_line(const counts& c);

// Leaves out the diagnostics whose code is listed (--ignore).
void drop_codes(report& r, const std::set<std::string, std::less<>>& codes);

}  // namespace mailflow::verify
