#include "redact.hpp"

#include "text.hpp"

namespace mailflow {

std::string redact_client_line(std::string_view line, bool answering_challenge) {
  if (answering_challenge) return "***";
  auto t = trim(line);
  if (istarts_with(t, "AUTH ")) {
    auto rest = trim(t.substr(5));
    auto sp = rest.find(' ');
    if (sp == std::string_view::npos) return std::string(line);
    return "AUTH " + std::string(rest.substr(0, sp)) + " ***";
  }
  if (istarts_with(t, "PASS ")) return "PASS ***";
  if (istarts_with(t, "APOP ")) {
    auto rest = trim(t.substr(5));
    auto sp = rest.find(' ');
    return "APOP " + std::string(rest.substr(0, sp)) + " ***";
  }
  return std::string(line);
}

}  // namespace mailflow
