#include "pattern/pattern.hpp"

#include <stdexcept>

namespace mailflow::harness {

std::optional<pattern> pattern::compile(const std::string& text, std::string* error) {
  try {
    return pattern(ecmascript_regex(text));
  } catch (const boost::regex_error& e) {
    if (error) *error = e.what();
    return std::nullopt;
  }
}

match_result pattern::full(std::string_view text) const {
  try {
    return boost::regex_match(text.begin(), text.end(), re_, ecmascript_match) ? match_result::match
                                                                              : match_result::no_match;
  } catch (const std::runtime_error&) {
    return match_result::gave_up;  // too many steps (or too much memory) for this text
  }
}

match_result pattern::search(std::string_view text) const {
  try {
    return boost::regex_search(text.begin(), text.end(), re_, ecmascript_match) ? match_result::match
                                                                               : match_result::no_match;
  } catch (const std::runtime_error&) {
    return match_result::gave_up;
  }
}

}  // namespace mailflow::harness
