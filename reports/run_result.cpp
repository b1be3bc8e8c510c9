#include "run_result.hpp"

#include <algorithm>

namespace mailflow::reports {

std::size_t run_result::passed() const {
  return static_cast<std::size_t>(
      std::count_if(scenarios.begin(), scenarios.end(), [](const scenario_result& s) { return s.status == "passed"; }));
}

// Everything that did not pass counts as failed, so an unexpected status can
// never make a run look green.
std::size_t run_result::failed() const { return scenarios.size() - passed(); }

}  // namespace mailflow::reports
