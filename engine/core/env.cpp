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

namespace {
// Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm): no
// gmtime_r and no printf, as dates are written on every message.
void civil_from_days(std::int64_t z, int& y, unsigned& m, unsigned& d) {
  z += 719468;
  std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  auto doe = static_cast<unsigned>(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  std::int64_t year = static_cast<std::int64_t>(yoe) + era * 400;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<int>(year + (m <= 2));
}

void put2(std::string& out, unsigned v) {
  out += static_cast<char>('0' + v / 10 % 10);
  out += static_cast<char>('0' + v % 10);
}
}  // namespace

std::string rfc822_date(std::int64_t unix_seconds, int offset) {
  static const char* days[] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};  // 1970-01-01 was a Thursday
  static const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::int64_t local = unix_seconds + static_cast<std::int64_t>(offset) * 60;
  std::int64_t day = local >= 0 ? local / 86400 : (local - 86399) / 86400;
  auto secs = static_cast<unsigned>(local - day * 86400);
  int y;
  unsigned m, d;
  civil_from_days(day, y, m, d);
  std::string out;
  out.reserve(32);
  out += days[((day % 7) + 7) % 7];
  out += ", ";
  out += std::to_string(d);
  out += ' ';
  out += months[m - 1];
  out += ' ';
  out += std::to_string(y);
  out += ' ';
  put2(out, secs / 3600);
  out += ':';
  put2(out, secs / 60 % 60);
  out += ':';
  put2(out, secs % 60);
  out += ' ';
  out += offset > 0 ? '+' : '-';
  unsigned a = static_cast<unsigned>(offset < 0 ? -offset : offset);
  put2(out, a / 60);
  put2(out, a % 60);
  return out;
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
