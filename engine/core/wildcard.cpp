#include "wildcard.hpp"

#include "text.hpp"

namespace mailflow {

bool has_wildcards(std::string_view pattern) {
  // A plain loop: find_first_of() calls memchr once per character (hot when verifying a million aliases).
  for (char c : pattern)
    if (c == '*' || c == '?') return true;
  return false;
}

// Iterative matcher with single-star backtracking: linear in practice, no recursion.
bool wildcard_match(std::string_view p, std::string_view t) {
  std::size_t pi = 0, ti = 0;
  std::size_t star = std::string_view::npos, mark = 0;
  while (ti < t.size()) {
    if (pi < p.size() && (p[pi] == '?' || (p[pi] != '*' && ascii_lower(p[pi]) == ascii_lower(t[ti])))) {
      ++pi;
      ++ti;
    } else if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = ti;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      ti = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

}  // namespace mailflow
