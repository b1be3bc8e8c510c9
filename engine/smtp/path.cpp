#include "path.hpp"

#include "core/text.hpp"

namespace mailflow::smtp {

namespace {
constexpr std::size_t max_path = 1023;

bool atext(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
}

bool valid_local_part(std::string_view s) {
  if (s.empty()) return false;
  if (s.front() == '"') {
    if (s.size() < 2 || s.back() != '"') return false;
    for (std::size_t i = 1; i + 1 < s.size(); ++i) {
      unsigned char c = static_cast<unsigned char>(s[i]);
      if (c == '\\') {
        ++i;
        continue;
      }
      if (c < 32 || c > 126 || c == '"') return false;
    }
    return true;
  }
  if (s.front() == '.' || s.back() == '.') return false;
  char prev = 0;
  for (char c : s) {
    if (c == '.' && prev == '.') return false;
    if (c != '.' && !atext(c)) return false;
    prev = c;
  }
  return true;
}

bool valid_domain(std::string_view d) {
  if (d.empty()) return false;
  if (d.front() == '[') return d.back() == ']' && d.size() > 2;
  if (d.back() == '.') d.remove_suffix(1);
  for (auto label : split(d, '.')) {
    if (label.empty() || label.size() > 63) return false;
    for (char c : label) {
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
      if (!ok) return false;
    }
  }
  return true;
}
}  // namespace

std::pair<std::string, std::string> split_address(std::string_view address) {
  auto at = address.rfind('@');
  if (at == std::string_view::npos) return {std::string(address), {}};
  return {std::string(address.substr(0, at)), std::string(address.substr(at + 1))};
}

bool valid_mailbox(std::string_view address) {
  auto at = address.rfind('@');
  if (at == std::string_view::npos) return false;
  return valid_local_part(address.substr(0, at)) && valid_domain(address.substr(at + 1));
}

path_error parse_path_argument(std::string_view arg, std::string_view keyword, parsed_path& out) {
  arg = trim(arg);
  if (!istarts_with(arg, keyword) || arg.size() <= keyword.size() || arg[keyword.size()] != ':')
    return path_error::no_keyword;
  std::string_view rest = trim(arg.substr(keyword.size() + 1));

  auto last_open = arg.rfind('<');
  if (last_open != std::string_view::npos) {
    auto close = arg.find('>', last_open);
    if (close != std::string_view::npos) out.last_bracketed = std::string(arg.substr(last_open + 1, close - last_open - 1));
  }

  std::string_view path, params;
  if (!rest.empty() && rest.front() == '<') {
    auto close = rest.find('>');
    if (close == std::string_view::npos) return path_error::bad_path;
    path = rest.substr(1, close - 1);
    params = rest.substr(close + 1);
    if (!params.empty() && params.front() != ' ') return path_error::bad_path;
  } else {
    auto sp = rest.find(' ');
    path = rest.substr(0, sp);
    params = sp == std::string_view::npos ? std::string_view{} : rest.substr(sp);
  }
  if (path.size() > max_path) return path_error::bad_path;

  for (auto p : split(trim(params), ' ')) {
    if (istarts_with(p, "SIZE=")) {
      if (auto n = parse_int(p.substr(5)); n && *n >= 0) out.size = static_cast<std::uint64_t>(*n);
    }
  }

  if (!path.empty() && path.front() == '@') {
    auto colon = path.find(':');
    if (colon == std::string_view::npos) return path_error::bad_path;
    out.source_routed = true;
    out.route = std::string(path.substr(0, colon));
    path = path.substr(colon + 1);
  }
  if (path.empty()) {
    if (out.source_routed) return path_error::bad_path;
    out.address.clear();
    return path_error::none;
  }
  if (!valid_mailbox(path)) return path_error::bad_path;
  out.address = std::string(path);
  return path_error::none;
}

}  // namespace mailflow::smtp
