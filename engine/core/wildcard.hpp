// XMail's address/domain patterns: '*' matches any run (also empty), '?' one
// character, everything else literally, case-insensitively (manual: ALIASES.TAB).
#pragma once

#include <string_view>

namespace mailflow {

bool has_wildcards(std::string_view pattern);
bool wildcard_match(std::string_view pattern, std::string_view text);

}  // namespace mailflow
