// simulation: sessions, their clients' links and the environment on one
// virtual clock, in a defined order, so the same inputs give the same events
// on every machine (PRODUCT.md, Determinism). The quinn-proto test `Pair`
// is the model: drive everything that can move now, then advance the clock
// to the earliest thing that will happen.
//
// A connection is a protocol session plus the client end of its link (bytes
// both ways, TLS through two tls::engine objects back to back). The
// simulation performs the session's effects as they come, executes its
// requests at once through the connection's executor, and delivers each
// answer at now + the request's virtual duration (0 for everything but
// scripted processes). Timers: a session that sleeps (XMail's delay before a
// command) is woken at its deadline; idle timeouts fire only when time moves
// past them for another reason (a pause, a scripted delay), never just
// because nothing else is left to do.
//
// What a client does (send, read, pause) is the caller's: the harness's
// scripted clients, the tests, trace. step() runs what is due now;
// next_event_ms() says when the next timed thing happens.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/session.hpp"
#include "env/executor.hpp"
#include "tls/tls_engine.hpp"

namespace mailflow::env {

class simulation;

class connection {
 public:
  // ---- the client's side
  void send(std::string_view bytes);
  // The client closes its side (EOF for the server).
  void close();
  // After the server agreed to TLS (its start_tls effect): the client handshake, in memory.
  bool start_tls(std::string& error);
  // The client gives up on the handshake the server agreed to (the session is told it failed).
  void fail_tls(const std::string& why);
  // Plaintext the server sent that the client has not taken yet.
  std::string take_received();
  const std::string& received() const { return received_; }
  bool server_closed() const { return server_closed_; }
  bool client_closed() const { return client_closed_; }
  bool tls_requested() const { return tls_requested_; }
  bool tls_active() const { return tls_active_; }
  // The session waits on its environment or its own delay: a reply may still come.
  bool busy() const;
  // Everything the session reported so far (drained).
  std::vector<timed_event> take_events();
  std::uint64_t number() const { return number_; }

 private:
  friend class simulation;
  connection(simulation& sim, std::unique_ptr<protocol_session> session, std::uint64_t number, environment& env,
             tls::context* server_tls);
  void collect();        // drains the session: effects, requests, events
  void shuttle();        // moves ciphertext between the two TLS engines until neither has anything to say
  void deliver(std::string_view plaintext_from_server);

  simulation& sim_;
  std::unique_ptr<protocol_session> session_;
  std::uint64_t number_;
  executor executor_;
  tls::context* server_tls_;
  std::unique_ptr<tls::context> client_ctx_;
  std::unique_ptr<tls::engine> server_engine_, client_engine_;
  bool tls_requested_ = false, tls_active_ = false, server_closed_ = false, client_closed_ = false;
  std::size_t answers_pending_ = 0;  // answers scheduled for later
  std::string received_;
  session_output out_;
  std::vector<timed_event> events_;
};

class simulation {
 public:
  simulation(manual_clock& clock, environment& env) : clock_(clock), env_(env) {}

  // A new connection: the session is told on_connect() now. `server_tls` serves STARTTLS (may be null).
  connection& connect(std::unique_ptr<protocol_session> session, std::uint64_t number,
                      tls::context* server_tls = nullptr);

  // Forgets a connection the server has closed and that waits on nothing
  // (its events taken first): a run with many sessions keeps only the live
  // ones. False (and nothing done) when it is still open or waiting.
  bool release(connection& c);

  // Runs everything due at the current time: answers, then sleeping sessions whose
  // deadline has come, then idle timeouts already passed. True when anything happened.
  bool step();
  // When the next answer or sleeping session is due (nullopt: nothing is timed).
  std::optional<std::int64_t> next_event_ms() const;
  // The earliest idle timeout of a session waiting on its client.
  std::optional<std::int64_t> next_idle_deadline_ms() const;
  // Lets time pass: runs everything due up to `until`, in time order, and leaves the clock there.
  void advance_to(std::int64_t until);
  // Steps until nothing is due now, then, while some connection is busy, moves the clock to
  // the next timed event (what a client waiting for a reply does).
  void settle();

  manual_clock& clock() { return clock_; }

 private:
  friend class connection;
  struct pending_answer {
    std::int64_t due_ms;
    std::uint64_t sequence;
    connection* to;
    request_id id;
    answer value;
  };
  void schedule(connection& c, request_id id, answer a, std::int64_t due_ms);

  manual_clock& clock_;
  environment& env_;
  std::vector<std::unique_ptr<connection>> connections_;
  std::deque<pending_answer> pending_;  // kept sorted by (due, sequence)
  std::uint64_t sequence_ = 0;
};

}  // namespace mailflow::env
