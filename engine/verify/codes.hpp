// Every diagnostic code `mailflow verify` can print, with its severity and a
// one-line meaning: the parsers' codes (engine/config) and verify's own. The
// table feeds SARIF rules, `--list-codes` and `--ignore` validation;
// engine/verify/README.md documents each code with an example, and a test
// keeps the two in step.
#pragma once

#include <span>
#include <string_view>

#include "core/diagnostic.hpp"

namespace mailflow::verify {

struct code_info {
  std::string_view code;     // stable kebab-case identifier
  severity level;            // the severity every diagnostic with this code has
  std::string_view summary;  // what it means, one line
};

std::span<const code_info> diagnostic_codes();
const code_info* find_code(std::string_view code);

}  // namespace mailflow::verify
