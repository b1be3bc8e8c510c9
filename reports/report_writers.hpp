// The three report formats built from a run_result (never from log text).
#pragma once

#include <ostream>

#include "run_result.hpp"

namespace mailflow::reports {

void write_xml(const run_result& run, std::ostream& out);    // the decision report (reports/report.xsd)
void write_junit(const run_result& run, std::ostream& out);  // one testcase per scenario
void write_html(const run_result& run, std::ostream& out);   // one self-contained page

}  // namespace mailflow::reports
