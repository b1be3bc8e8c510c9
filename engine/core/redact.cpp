#include "redact.hpp"

#include <algorithm>

#include "text.hpp"

namespace mailflow {

namespace {

// Blanks and control bytes separate words: "AUTH\tPLAIN x" and "AUTH PLAIN\rx" still hide x.
bool separator(char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7F; }

std::string_view skip_separators(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && separator(s[i])) ++i;
  return s.substr(i);
}

// Splits off the first word; `rest` is what follows it, separators skipped.
std::string_view take_word(std::string_view s, std::string_view& rest) {
  s = skip_separators(s);
  std::size_t i = 0;
  while (i < s.size() && !separator(s[i])) ++i;
  rest = skip_separators(s.substr(i));
  return s.substr(0, i);
}

}  // namespace

std::string redact_client_line(std::string_view line, bool answering_challenge) {
  if (answering_challenge) return "***";
  std::string_view rest;
  auto verb = take_word(line, rest);
  if (iequals(verb, "AUTH")) {
    std::string_view after;
    auto mech = take_word(rest, after);
    if (after.empty()) return std::string(line);
    return "AUTH " + std::string(mech) + " ***";
  }
  if (iequals(verb, "PASS")) return rest.empty() ? std::string(line) : "PASS ***";
  if (iequals(verb, "APOP")) {
    std::string_view after;
    auto user = take_word(rest, after);
    return after.empty() ? std::string(line) : "APOP " + std::string(user) + " ***";
  }
  return std::string(line);
}

int sasl_answers_after(std::string_view line) {
  std::string_view rest;
  if (!iequals(take_word(line, rest), "AUTH")) return 0;
  std::string_view after;
  std::string mech = to_upper(take_word(rest, after));
  bool initial = !after.empty();
  if (mech == "LOGIN") return initial ? 1 : 2;
  if (mech == "PLAIN") return initial ? 0 : 1;
  if (mech == "CRAM-MD5") return 1;
  return 0;
}

std::string client_redactor::line(std::string_view text) {
  bool secret = secret_now();
  if (pending_answers_ > 0) --pending_answers_;
  answering_ = false;
  if (secret) return redact_client_line(text, true);
  pending_answers_ = sasl_answers_after(text);
  return redact_client_line(text, false);
}

// Could a line that starts with `start` turn out to be a secret? Its verb may still grow into AUTH, PASS or APOP.
bool client_redactor::may_become_secret(std::string_view start) const {
  if (secret_now()) return true;
  std::string_view rest;
  auto verb = take_word(start, rest);
  if (verb.empty()) return false;  // only blanks so far: nothing to hide yet
  bool complete = verb.size() < skip_separators(start).size();  // a separator follows it
  for (std::string_view secret_verb : {"AUTH", "PASS", "APOP"}) {
    if (complete ? iequals(verb, secret_verb) : iequals(verb, secret_verb.substr(0, std::min(verb.size(), secret_verb.size()))))
      return true;
  }
  return false;
}

std::string client_redactor::bytes(std::string_view data) {
  std::string out;
  while (!data.empty()) {
    auto nl = data.find('\n');
    if (nl == std::string_view::npos) {
      // The start of a line: shown now only when no ending can make it a secret.
      if (!partial_hidden_ && may_become_secret(partial_ + std::string(data))) {
        out += "***";
        partial_hidden_ = true;
      } else if (!partial_hidden_) {
        out.append(data);
      }
      partial_.append(data);
      return out;
    }
    std::string_view piece = data.substr(0, nl);
    data.remove_prefix(nl + 1);
    const bool continued = !partial_.empty(), hidden = partial_hidden_;
    std::string whole = partial_ + std::string(piece);
    partial_.clear();
    partial_hidden_ = false;
    const bool crlf = !whole.empty() && whole.back() == '\r';
    if (crlf) whole.pop_back();
    std::string shown = line(whole);  // keeps the AUTH state right for the lines after
    if (hidden) {
      // "***" already stands for this line
    } else if (continued) {
      // its start went out (it was no secret); the rest is hidden if the whole line is one
      if (shown != whole) {
        out += "***";
      } else {
        out.append(piece);
        if (crlf && !piece.empty()) out.pop_back();
      }
      if (crlf && piece.empty()) {  // the CR went out with the start
        out += "\n";
        continue;
      }
    } else {
      out += shown;
    }
    out += crlf ? "\r\n" : "\n";
  }
  return out;
}

void client_redactor::server_replied(std::string_view last_line) {
  answering_ = last_line.rfind("334", 0) == 0;
  if (!answering_) pending_answers_ = 0;
}

}  // namespace mailflow
