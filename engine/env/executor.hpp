// The environment that answers sessions' requests in-process (core/request.hpp):
// DNS from a resolver, SMTP filters and the external authentication program
// through a process_runner (real processes, or scripted ones with a virtual
// duration), message numbers and commits from a spool, mailbox usage from a
// mailbox store, POP3 logins from a table. trace, the replay harness, the
// benchmarks and the unit tests all assemble it here, once.
//
// An executor serves one connection (it numbers that connection's $(FILE)s);
// every executor of a run shares one `environment`. execute() runs the
// request now and says how much virtual time its answer takes
// (simulated_ms: the sum of scripted processes' durations; 0 otherwise): the
// simulation delivers the answer at that time.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "core/request.hpp"
#include "delivery/mailbox_store.hpp"
#include "delivery/spool.hpp"
#include "flow/smtp_filters.hpp"

namespace mailflow::env {

struct environment {
  std::filesystem::path mailroot;   // the MailRoot sessions run on ({root} in filter argv)
  std::filesystem::path temp_dir;   // where $(FILE) and $(RFILE) are written
  resolver& dns;
  process_runner& processes;
  delivery::spool& spool;
  delivery::mailbox_store& mailboxes;
  std::map<std::string, std::int64_t> pop3_logins;  // IP -> last POP3 login (Unix ms)
  int utc_offset_minutes = 0;       // filters see it in TZ
  int filter_timeout_seconds = 90;  // -QT
};

class executor {
 public:
  executor(environment& env, std::uint64_t session_number);

  struct result {
    answer value;
    std::int64_t simulated_ms = 0;
  };
  result execute(const request_payload& what);

 private:
  environment& env_;
  std::uint64_t session_number_;
  std::unique_ptr<flow::smtp_filter_runner> filters_;  // made on first use; numbers $(FILE)s across the connection
};

// A process_runner whose answers a scenario scripts: programs whose path
// matches a rule do not run; they "exit" with the rule's code after its
// virtual duration (or time out at the request's timeout). Every other
// program goes to the real runner.
class scripted_process_runner final : public process_runner {
 public:
  struct rule {
    std::string program;  // argv[0] exactly, or a '*'/'?' wildcard pattern
    int exit_code = 0;
    std::int64_t after_ms = 0;
  };
  explicit scripted_process_runner(process_runner& real) : real_(real) {}
  void add(rule r) { rules_.push_back(std::move(r)); }
  process_result run(const process_request& request) override;

 private:
  process_runner& real_;
  std::vector<rule> rules_;
};

}  // namespace mailflow::env
