#include "env.hpp"

#include <ctime>

#include "text.hpp"

namespace mailflow {

std::int64_t system_clock::now_ms() const {
  using namespace std::chrono;
  return duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

int system_clock::utc_offset_minutes() const {
  std::time_t t = std::time(nullptr);
  std::tm local{};
  localtime_r(&t, &local);
  return static_cast<int>(local.tm_gmtoff / 60);
}

std::string rfc822_date(std::int64_t unix_seconds, int offset) {
  static const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::time_t t = static_cast<std::time_t>(unix_seconds + static_cast<std::int64_t>(offset) * 60);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  int a = offset < 0 ? -offset : offset;
  std::snprintf(buf, sizeof buf, "%s, %d %s %d %02d:%02d:%02d %c%02d%02d", days[tm.tm_wday], tm.tm_mday,
                months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec, offset > 0 ? '+' : '-',
                a / 60, a % 60);
  return buf;
}

const char* dns_type_name(dns_type t) {
  switch (t) {
    case dns_type::a: return "A";
    case dns_type::mx: return "MX";
    case dns_type::ptr: return "PTR";
    case dns_type::txt: return "TXT";
  }
  return "?";
}

void zone_resolver::add(dns_type type, std::string_view name, std::string value) {
  std::string key = to_lower(name);
  if (!key.empty() && key.back() == '.') key.pop_back();
  records_[{type, key}].push_back(std::move(value));
}

dns_answer zone_resolver::lookup(dns_type type, std::string_view name) {
  std::string key = to_lower(name);
  if (!key.empty() && key.back() == '.') key.pop_back();
  auto it = records_.find({type, key});
  if (it == records_.end()) return {};
  return {dns_answer::status::ok, it->second};
}

bool zone_resolver::load_zone_text(std::string_view text, std::string_view file_name, std::string* error) {
  std::uint32_t line_no = 0;
  for (auto line : split(text, '\n')) {
    ++line_no;
    auto l = trim(line);
    if (l.empty() || l[0] == '#' || l[0] == ';') continue;
    auto fail = [&](const std::string& msg) {
      if (error) *error = std::string(file_name) + ":" + std::to_string(line_no) + ": " + msg;
      return false;
    };
    auto sp1 = l.find_first_of(" \t");
    if (sp1 == std::string_view::npos) return fail("expected 'name TYPE value'");
    auto name = l.substr(0, sp1);
    auto rest = trim(l.substr(sp1));
    auto sp2 = rest.find_first_of(" \t");
    if (sp2 == std::string_view::npos) return fail("expected 'name TYPE value'");
    auto type = to_upper(rest.substr(0, sp2));
    auto value = trim(rest.substr(sp2));
    if (type == "A") {
      add(dns_type::a, name, std::string(value));
    } else if (type == "MX") {
      auto sp = value.find_first_of(" \t");
      if (sp == std::string_view::npos || !parse_int(value.substr(0, sp)))
        return fail("MX needs 'preference host'");
      add(dns_type::mx, name, std::string(value.substr(0, sp)) + " " + std::string(trim(value.substr(sp))));
    } else if (type == "PTR") {
      add(dns_type::ptr, name, std::string(value));
    } else if (type == "TXT") {
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
      add(dns_type::txt, name, std::string(value));
    } else {
      return fail("unknown record type '" + type + "' (A, MX, PTR, TXT)");
    }
  }
  return true;
}

}  // namespace mailflow
