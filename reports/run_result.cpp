#include "run_result.hpp"

#include <algorithm>

#include "text_escape.hpp"

namespace mailflow::reports {

std::size_t run_result::passed() const {
  return static_cast<std::size_t>(
      std::count_if(scenarios.begin(), scenarios.end(), [](const scenario_result& s) { return s.status == "passed"; }));
}

// Everything that did not pass counts as failed, so an unexpected status can
// never make a run look green.
std::size_t run_result::failed() const { return scenarios.size() - passed(); }

std::size_t same_body_as(const std::vector<spooled_message>& messages, std::size_t i) {
  if (!messages[i].body) return 0;
  for (std::size_t k = 0; k < i; ++k)
    if (messages[k].body == messages[i].body) return k + 1;
  return 0;
}

spooled_message::lines spooled_message::split(bool with_body) const {
  lines out;
  out.headers = split_lines(added_headers);
  std::string_view rest = body ? std::string_view(*body) : std::string_view();
  while (!rest.empty()) {
    const auto nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
    if (!line.empty() && line.back() == '\r' && nl != std::string_view::npos) line.remove_suffix(1);
    if (line.empty()) {
      if (with_body) out.body = split_lines(rest);
      break;
    }
    out.headers.push_back(line);
  }
  return out;
}

}  // namespace mailflow::reports
