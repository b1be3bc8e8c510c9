// The client side of one scenario session: its steps run in order through a
// client_link. It never blocks: advance() runs steps until one has to wait —
// for a reply that has not arrived, or until a pause is over — and whoever
// drives it (the in-process scheduler in runner.cpp, or the TCP loop)
// decides when a missing reply means "none": in-process, when the session
// is waiting for its client (not for its environment); over TCP, when the
// reply patience runs out. Every reply is checked against the step's
// expectations as it arrives.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/redact.hpp"
#include "replay/channel.hpp"
#include "replay/checks.hpp"
#include "run_result.hpp"
#include "scenario/scenario.hpp"

namespace mailflow::harness {

struct scenario_timeout {
  std::uint32_t line;
};

class scripted_client {
 public:
  enum class state {
    running,    // can take its next step
    reading,    // a step waits for a reply
    sleeping,   // a pause: wakes at wake_ms()
    finishing,  // every step ran; the replies nobody read are collected once the server is quiet
    done,
  };

  scripted_client(const session_script& script, expectation_checker& check, reports::session_result& out,
                  client_link& link, std::optional<std::chrono::steady_clock::time_point> deadline);

  // Runs steps until one must wait; true when anything happened. `now_ms` is the clock (for pauses).
  bool advance(std::int64_t now_ms);
  // A reading step gives up: no reply came (`closed`: because the server closed).
  void no_reply(bool closed);
  // Collects the trailing replies and closes the client's side.
  void finish();

  state current() const { return state_; }
  std::optional<std::int64_t> wake_ms() const { return state_ == state::sleeping ? std::optional(wake_ms_) : std::nullopt; }
  // How long a real server is given for the reply awaited now.
  bool expects_none() const;
  const step& current_step() const { return script_.steps[next_]; }

 private:
  void start_step();
  bool try_read();
  std::string shown(std::string_view line);
  std::string shown_raw(std::string_view bytes);
  void complete_read(read_status status, std::vector<std::string> reply);

  const session_script& script_;
  expectation_checker& check_;
  reports::session_result& out_;
  client_link& link_;
  std::optional<std::chrono::steady_clock::time_point> deadline_;
  reply_assembler replies_;
  state state_ = state::running;
  std::size_t next_ = 0;            // index of the step running or to run
  reports::step_result pending_;    // the step waiting for its reply
  std::int64_t wake_ms_ = 0;
  std::vector<std::string> last_reply_;
  client_redactor redactor_;        // what the report shows of each client line (SASL answers hidden)
};

}  // namespace mailflow::harness
