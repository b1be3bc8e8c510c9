// The forms a verify report is written in (engine/verify/README.md, "Output
// formats"): text for people, our own XML (reports/verify-report.xsd), JUnit
// XML for CI servers (one testcase per file), and SARIF 2.1.0 for
// code-scanning tools. engine/verify finds the problems as plain data
// (verify.hpp, summary.hpp); rendering them lives here so that no engine
// target links pugixml. The namespace stays mailflow::verify: this is the
// verify command's output API.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "verify/summary.hpp"
#include "verify/verify.hpp"

namespace mailflow::verify {

enum class output_format { text, xml, junit, sarif };

std::optional<output_format> parse_output_format(std::string_view name);

struct output_options {
  std::string mailroot;  // as the user named it (shown, never resolved)
  bool strict = false;   // warnings fail too (JUnit failures)
};

void write_report(std::ostream& out, const report& r, output_format format, const output_options& options);

}  // namespace mailflow::verify
