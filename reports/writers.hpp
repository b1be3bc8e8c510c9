// The three report writers over one run_result (PRODUCT.md, "Stages and the
// report"). Each writes exactly what the model holds, escaped for its format,
// and the same run gives the same bytes: no clocks, no pointers, model order.
#pragma once

#include <ostream>

#include "run_result.hpp"

namespace mailflow::reports {

// The full decision report, valid against reports/report.xsd (schema version 1).
void write_xml(const run_result& run, std::ostream& out);
// JUnit XML for CI servers: one <testcase> per scenario.
void write_junit(const run_result& run, std::ostream& out);
// One self-contained HTML page for people: summary, timelines, failures.
void write_html(const run_result& run, std::ostream& out);

}  // namespace mailflow::reports
