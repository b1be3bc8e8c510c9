// The regular expressions of scenarios (match=, <body match>) and of import's
// normalisation, through Boost.Regex instead of std::regex: libstdc++'s
// matcher recurses once per character, so "[\s\S]*y" against a 200 KB body
// overflowed the stack and killed the whole run (issue 10.6). Boost's matcher
// keeps its backtracking state on the heap and gives up, with an error we
// report, when a match takes too many steps, so no pattern can kill a run.
//
// Syntax is ECMAScript's as std::regex had it: '.' does not match a newline,
// and '^'/'$' match only at the ends of the text.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <boost/regex.hpp>

namespace mailflow::harness {

enum class match_result { match, no_match, gave_up };

class pattern {
 public:
  // The compiled pattern, or nullopt with `error` saying why.
  static std::optional<pattern> compile(const std::string& text, std::string* error = nullptr);

  match_result full(std::string_view text) const;    // the whole text
  match_result search(std::string_view text) const;  // anywhere in it
  const boost::regex& regex() const { return re_; }

 private:
  explicit pattern(boost::regex re) : re_(std::move(re)) {}
  boost::regex re_;
};

// The compile and match flags that give std::regex's ECMAScript meaning (see
// above); ecmascript_regex throws boost::regex_error on a bad pattern.
inline constexpr auto ecmascript_match = boost::match_not_dot_newline;
inline boost::regex ecmascript_regex(const std::string& text) {
  return boost::regex(text, boost::regex::ECMAScript | boost::regex::no_mod_m);
}

}  // namespace mailflow::harness
