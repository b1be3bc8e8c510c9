#include "path.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <climits>
#include <cstdlib>

#include "core/ip.hpp"
#include "core/text.hpp"

namespace mailflow::smtp {

namespace {

// XMail's error numbers (Errors.h) that a path can give.
constexpr int path_parse_error = -31;  // ERR_SMTP_PATH_PARSE_ERROR
constexpr int bad_server_addr = -40;   // ERR_BAD_SERVER_ADDR
constexpr int bad_tag_address = -132;  // ERR_BAD_TAG_ADDRESS
constexpr int invalid_hostname = -260; // ERR_INVALID_HOSTNAME
constexpr std::size_t max_smtp_address = 1024;

bool atext(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
}

// A cursor over the path; past the end it reads NUL, as XMail's C strings do.
struct cursor {
  std::string_view s;
  std::size_t at = 0;
  char peek() const { return at < s.size() ? s[at] : '\0'; }
};

// atom *("." atom): false when an atom is empty; stops at the first other character.
bool dot_atom(cursor& c) {
  for (;;) {
    std::size_t start = c.at;
    while (c.at < c.s.size() && atext(c.s[c.at])) ++c.at;
    if (c.at == start) return false;
    if (c.peek() != '.') return true;
    ++c.at;
  }
}

// "[address]": XMail resolves the text (getaddrinfo, IPv4 preferred);
// mailflow takes numeric IPv4 and IPv6 only, the forms an address literal
// can have (RFC 5321 4.1.3), and looks no name up (README differences).
bool address_literal_text(std::string_view text) {
  std::string t(text);
  in_addr v4{};
  return ip_address::parse(t).has_value() || ::inet_aton(t.c_str(), &v4) != 0;
}

int host(cursor& c) {
  if (c.peek() == '[') {
    auto close = c.s.find(']', c.at);
    if (close == std::string_view::npos || close - c.at - 1 >= 256) return bad_tag_address;
    if (!address_literal_text(c.s.substr(c.at + 1, close - c.at - 1))) return bad_server_addr;
    c.at = close + 1;
    return 0;
  }
  return dot_atom(c) ? 0 : bad_tag_address;
}

// SMAILUtils USmlValidAddress, in its order: the source route, the local part, then the host to the end.
int validate(std::string_view path) {
  cursor c{path};
  if (c.peek() == '@') {
    for (;;) {
      // XMail answers a hop that does not start with '@' with whatever error its
      // thread set last (seen: -16, -63, -161, -246); mailflow says -132 (README differences)
      if (c.peek() != '@') return bad_tag_address;
      ++c.at;
      if (int e = host(c)) return e;
      if (c.peek() != ',') break;
      ++c.at;
    }
    if (c.peek() != ':') return bad_tag_address;
    ++c.at;
  }
  if (!dot_atom(c) || c.peek() != '@') return bad_tag_address;
  ++c.at;
  if (int e = host(c)) return e;
  return c.at == path.size() ? 0 : invalid_hostname;
}

// atol(): leading digits, saturating as glibc's strtol does.
std::uint64_t leading_number(std::string_view s) {
  std::uint64_t n = 0;
  for (char ch : s) {
    if (ch < '0' || ch > '9') break;
    n = n > (static_cast<std::uint64_t>(LONG_MAX) - (ch - '0')) / 10 ? static_cast<std::uint64_t>(LONG_MAX)
                                                                    : n * 10 + static_cast<std::uint64_t>(ch - '0');
  }
  return n;
}

}  // namespace

std::string parsed_path::route() const {
  std::string out;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) out += (i ? "," : "") + parts[i];
  return out;
}

std::pair<std::string, std::string> split_address(std::string_view address) {
  auto at = address.rfind('@');
  if (at == std::string_view::npos) return {std::string(address), {}};
  return {std::string(address.substr(0, at)), std::string(address.substr(at + 1))};
}

bool valid_mailbox(std::string_view address) { return !address.empty() && address.front() != '@' && validate(address) == 0; }

bool parse_path(std::string_view rest, parsed_path& out) {
  out = parsed_path{};
  auto last_open = rest.rfind('<');
  if (last_open != std::string_view::npos) {
    auto close = rest.find('>', last_open);
    if (close != std::string_view::npos) out.last_bracketed = std::string(rest.substr(last_open + 1, close - last_open - 1));
  }
  auto open = rest.find('<');
  auto close = open == std::string_view::npos ? open : rest.find('>', open + 1);
  if (close == std::string_view::npos || close - open - 1 >= max_smtp_address) {
    out.error = path_parse_error;
    return false;
  }
  std::string_view path = rest.substr(open + 1, close - open - 1);
  out.text = std::string(path);
  if (!path.empty()) {
    if (int e = validate(path)) {
      out.error = e;
      return false;
    }
  }
  // strtok(path, ",:"): empty pieces vanish
  std::size_t from = 0;
  while (from < path.size()) {
    auto cut = path.find_first_of(",:", from);
    if (cut == std::string_view::npos) cut = path.size();
    if (cut > from) out.parts.emplace_back(path.substr(from, cut - from));
    from = cut + 1;
  }
  // SIZE=: each " SIZE=" after the last '>' that is followed by a digit (SMTPCheckMailParams)
  std::string params = to_upper(rest.substr(rest.rfind('>')));
  for (auto at = params.find(" SIZE="); at != std::string::npos; at = params.find(" SIZE=", at + 1)) {
    std::string_view value = std::string_view(params).substr(at + 6);
    if (value.empty() || value.front() < '0' || value.front() > '9') continue;
    out.size = std::max(out.size.value_or(0), leading_number(value));
  }
  return true;
}

}  // namespace mailflow::smtp
