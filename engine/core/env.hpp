// The environment a protocol engine may consult, as interfaces: the real
// implementations serve real sockets, the simulated ones make the harness
// deterministic (virtual clock, zone-file DNS). An engine never reads the
// system clock, DNS or process table directly.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailflow {

class clock {
 public:
  virtual ~clock() = default;
  virtual std::int64_t now_ms() const = 0;        // Unix epoch, milliseconds
  virtual int utc_offset_minutes() const = 0;      // zone for dates shown to users
  std::int64_t now_s() const { return now_ms() / 1000; }
};

// The host clock (serve).
class system_clock final : public clock {
 public:
  std::int64_t now_ms() const override;
  int utc_offset_minutes() const override;
};

// A clock that moves only when told to (harness, tests).
class manual_clock final : public clock {
 public:
  explicit manual_clock(std::int64_t start_ms = 0, int offset_minutes = 0) : now_(start_ms), offset_(offset_minutes) {}
  std::int64_t now_ms() const override { return now_; }
  int utc_offset_minutes() const override { return offset_; }
  void advance_ms(std::int64_t ms) { now_ += ms; }
  void set_ms(std::int64_t ms) { now_ = ms; }

 private:
  std::int64_t now_;
  int offset_;
};

// RFC 5322 date as XMail writes it: "Sun, 5 Apr 2009 13:47:22 +0900"; a zero
// offset is written "-0000" as XMail 1.27 does.
std::string rfc822_date(std::int64_t unix_seconds, int utc_offset_minutes);

enum class dns_type { a, mx, ptr, txt };
const char* dns_type_name(dns_type t);

struct dns_answer {
  enum class status { ok, nxdomain, failure };
  status result = status::nxdomain;
  std::vector<std::string> records;  // A: "1.2.3.4"; MX: "10 mx.host"; PTR: "host"; TXT: text
};

class resolver {
 public:
  virtual ~resolver() = default;
  // PTR queries take the address ("192.0.2.1"), not the in-addr.arpa name.
  virtual dns_answer lookup(dns_type type, std::string_view name) = 0;
};

// Answers NXDOMAIN to everything (trace without --dns).
class null_resolver final : public resolver {
 public:
  dns_answer lookup(dns_type, std::string_view) override { return {}; }
};

// Answers from a table of records (zone files: "name TYPE value").
class zone_resolver final : public resolver {
 public:
  void add(dns_type type, std::string_view name, std::string value);
  dns_answer lookup(dns_type type, std::string_view name) override;
  // Reads "name A addr", "name MX pref host", "addr PTR name", "name TXT \"text\"";
  // '#' comments. Returns false and sets `error` to "file:line: message" on a bad line.
  bool load_zone_text(std::string_view text, std::string_view file_name, std::string* error);

 private:
  std::map<std::pair<dns_type, std::string>, std::vector<std::string>> records_;
};

struct process_request {
  std::vector<std::string> argv;         // argv[0] is the program path; no shell
  std::string working_directory;         // empty: inherit
  std::vector<std::string> environment;  // "NAME=value", the whole environment
  int timeout_seconds = 0;               // 0: no limit
};

struct process_result {
  enum class status { exited, signaled, timed_out, failed_to_start };
  status result = status::failed_to_start;
  int exit_code = -1;        // when exited
  int signal = 0;            // when signaled
  std::string error;         // when failed_to_start
  std::int64_t duration_ms = 0;    // real time it took (reported only with --timings)
  std::int64_t simulated_ms = 0;   // virtual time a scripted process takes; 0 for a real run
};

class process_runner {
 public:
  virtual ~process_runner() = default;
  virtual process_result run(const process_request& request) = 0;
};

}  // namespace mailflow
