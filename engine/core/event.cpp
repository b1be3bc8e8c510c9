#include "event.hpp"

#include <array>

namespace mailflow {

std::string_view filter_status_name(filter_status s) {
  static constexpr std::array<std::string_view, 6> names{"exited",          "signaled",      "timed-out",
                                                         "failed-to-start", "skipped (aex)", "skipped (wlex)"};
  return names[static_cast<std::size_t>(s)];
}

std::string_view filter_action_name(filter_action a) {
  static constexpr std::array<std::string_view, 5> names{"pass", "accept", "reject", "reject+notify", "modify"};
  return names[static_cast<std::size_t>(a)];
}

std::string_view note_kind_name(note_kind k) {
  static constexpr std::array<std::string_view, 7> names{"tls-start", "discard", "close",  "eof",
                                                         "etrn",      "delay",   "timeout"};
  return names[static_cast<std::size_t>(k)];
}

std::string_view event_origin_name(event_origin o) {
  static constexpr std::array<std::string_view, 3> names{"session", "queue", "admin"};
  return names[static_cast<std::size_t>(o)];
}

}  // namespace mailflow
