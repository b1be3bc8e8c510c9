// libFuzzer target: the harness's scenario reader (harness/scenario) on
// arbitrary bytes, from memory (nothing is read from disk). Invariants:
//  - the result is a scenario or an error "FILE:LINE: message" whose line is
//    within the input (a failure must point at something the author wrote);
//  - every line a parsed scenario keeps (sessions, steps, overlays,
//    expectations) is within the input;
//  - a parsed scenario is bounded by its input: each session and each step
//    but the implicit greeting is an element, so there are no more of them
//    than '<' in the text;
//  - an overlay path is relative and has no ".." (it must stay inside the
//    private MailRoot copy).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "scenario/scenario.hpp"

namespace {

using namespace mailflow::harness;

[[noreturn]] void violated(const char* what, const std::string& detail) {
  std::fprintf(stderr, "invariant violated: %s\n%s\n", what, detail.substr(0, 2000).c_str());
  std::abort();
}

const char* const file_name = "suite/fuzz.xml";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::size_t lines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
  const std::size_t elements = static_cast<std::size_t>(std::count(text.begin(), text.end(), '<'));
  auto within = [&](std::uint32_t line) { return line >= 1 && line <= lines; };

  std::string error;
  auto sc = parse_scenario(text, file_name, error);
  if (!sc) {
    const std::string prefix = std::string(file_name) + ":";
    if (error.compare(0, prefix.size(), prefix) != 0) violated("an error does not cite the file", error);
    std::size_t used = 0;
    unsigned long line = 0;
    try {
      line = std::stoul(error.substr(prefix.size()), &used);
    } catch (...) {
      violated("an error has no line number", error);
    }
    if (!within(static_cast<std::uint32_t>(line)) || error.compare(prefix.size() + used, 2, ": ") != 0)
      violated("an error cites a line outside the input", error);
    return 0;
  }

  if (!error.empty()) violated("a parsed scenario came with an error", error);
  if (sc->sessions.size() > elements) violated("more sessions than elements", std::to_string(sc->sessions.size()));
  std::size_t steps = 0;
  for (auto& s : sc->sessions) {
    if (!within(s.line)) violated("a session's line is outside the input", std::to_string(s.line));
    if (s.steps.empty() || s.steps[0].what != step::kind::greeting) violated("a session does not start with its greeting", "");
    steps += s.steps.size() - 1;
    for (std::size_t i = 1; i < s.steps.size(); ++i)
      if (!within(s.steps[i].line)) violated("a step's line is outside the input", std::to_string(s.steps[i].line));
  }
  if (steps > elements) violated("more steps than elements", std::to_string(steps));
  for (auto& f : sc->overlays) {
    if (!within(f.line)) violated("an overlay's line is outside the input", std::to_string(f.line));
    const std::filesystem::path p(f.path);
    bool escapes = f.path.empty() || p.is_absolute();
    for (auto& part : p) escapes = escapes || part == "..";
    if (escapes) violated("an overlay path leaves the MailRoot", f.path);
  }
  for (auto& d : sc->decisions)
    if (!within(d.line)) violated("an expected decision's line is outside the input", std::to_string(d.line));
  for (auto& f : sc->filters)
    if (!within(f.line)) violated("an expected filter's line is outside the input", std::to_string(f.line));
  for (auto& m : sc->messages)
    if (!within(m.line)) violated("an expected message's line is outside the input", std::to_string(m.line));
  return 0;
}
