// The shape every protocol session has (SMTP, POP3, CTRL): a state machine
// without I/O, in the sans-I/O style of h11 and quinn-proto.
//
// Theory of operation. The transport creates a session per connection and
// calls on_connect(), then on_bytes() with whatever arrived (any split),
// on_eof() when the peer closes, and on_tls_ready()/on_tls_failed() after
// the session asked for TLS. After every call it drains the session's output:
//   - effects for the connection, in order: send bytes, start TLS, close;
//   - requests for the environment (core/request.hpp), each with an id; the
//     answer comes back through on_result(id, answer), at once or later;
//   - events for the reports, stamped with the clock's time.
// Time: next_deadline_ms() says when the session wants on_timer() (an idle
// timeout, or the end of a delay XMail inserts before commands); the clock
// is the transport's (virtual in the harness, the host's in serve).
//
// A session never blocks. While it waits for an answer or a delay (busy()),
// input is buffered, so pipelined commands keep their order and their
// replies come out in order. The harness drives sessions on a virtual clock
// (engine/env: simulation); `serve` drives them over Boost.Asio.
//
// session_base holds this machinery once for every protocol: input
// buffering, the request/answer bookkeeping, timers and the output queues.
// A protocol writes each command as a coroutine (core/task.hpp) that may
// `co_await ask(payload)` and `co_await sleep_for(ms)`.
#pragma once

#include <coroutine>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "env.hpp"
#include "event.hpp"
#include "request.hpp"
#include "task.hpp"

namespace mailflow {

struct endpoint {
  std::string ip;  // "127.0.0.1"
  int port = 0;
  std::string text() const { return ip + ":" + std::to_string(port); }
};

struct tls_info {
  std::string version;  // "TLSv1.3"
  std::string cipher;
};

// Effects the transport performs, in order.
struct send_bytes {
  std::string data;
};
struct start_tls {};
struct close_connection {};
using effect = std::variant<send_bytes, start_tls, close_connection>;

// Settings that come from the command line, not from the MailRoot.
struct session_settings {
  std::string product = "mailflow 0.1";  // inside [... ESMTP Server]
  std::uint64_t session_number = 1;      // stands for XMail's thread id (greeting token); numbers events
  int idle_timeout_seconds = 90;         // -St / -Pt / -Ct: silence this long closes the connection; 0: never
  bool implicit_tls = false;             // SMTPS/POP3S/CTRLS port: TLS before the greeting
  bool tls_available = false;            // server.cert and server.key are usable
};

// What a session produced since the last drain.
struct session_output {
  std::vector<effect> effects;
  std::vector<request> requests;
  std::vector<timed_event> events;
  bool empty() const { return effects.empty() && requests.empty() && events.empty(); }
  void clear() {
    effects.clear();
    requests.clear();
    events.clear();
  }
};

class protocol_session {
 public:
  virtual ~protocol_session() = default;
  virtual void on_connect() = 0;
  virtual void on_bytes(std::string_view bytes) = 0;
  virtual void on_eof() = 0;
  virtual void on_tls_ready(const tls_info& info) = 0;
  virtual void on_tls_failed(const std::string& why) = 0;
  virtual void on_result(request_id id, answer a) = 0;
  virtual void on_timer(std::int64_t now_ms) = 0;
  // When on_timer() is wanted next; nullopt when nothing is timed.
  virtual std::optional<std::int64_t> next_deadline_ms() const = 0;
  // Waiting on the environment or on its own delay, not on the client.
  virtual bool busy() const = 0;
  virtual bool closed() const = 0;
  // Appends everything produced since the last call to `out`.
  virtual void drain(session_output& out) = 0;
};

class session_base : public protocol_session {
 public:
  void on_connect() final;
  void on_bytes(std::string_view bytes) final;
  void on_eof() final;
  void on_tls_ready(const tls_info& info) final;
  void on_tls_failed(const std::string& why) final;
  void on_result(request_id id, answer a) final;
  void on_timer(std::int64_t now_ms) final;
  std::optional<std::int64_t> next_deadline_ms() const final;
  bool busy() const final { return waiting_.has_value(); }
  bool closed() const final { return closed_; }
  void drain(session_output& out) final;

 protected:
  session_base(const mailflow::clock& clock, session_settings settings);
  ~session_base() override;

  // ---- what a protocol implements
  virtual void begin() = 0;                        // the connection is up (after implicit TLS: tls_ready)
  virtual void consume(std::string_view& in) = 0;  // takes input from the front of `in` (a line, DATA bytes)
  virtual void end_of_input() = 0;                 // the client closed and every buffered byte was consumed
  virtual void tls_ready(const tls_info& info) = 0;
  virtual void tls_failed(const std::string& why) = 0;
  virtual void idle_timeout() = 0;                 // silence reached the idle timeout
  virtual void failed(const std::string& what) = 0;  // a command threw: the protocol's local-error path

  // ---- what a protocol uses
  // Runs a command; while it is suspended, input waits and busy() is true.
  void run(task<> command);
  // co_await ask<dns_query>(args...): a request to the environment, resumed with
  // its answer. ask() builds the payload from `args` and queues it itself; the
  // awaiter holds nothing to destroy. GCC 12 miscompiles a braced temporary of a
  // class with std::string members inside a co_await operand (its string is
  // left pointing into the coroutine frame), so payloads are never written as
  // `co_await ask(dns_query{...})`; pass the fields, or a named local moved in.
  template <class Payload>
  struct request_awaiter {
    session_base* self;
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h) noexcept { self->suspend_on_request(h); }
    typename answer_for<Payload>::type await_resume() {
      return std::get<typename answer_for<Payload>::type>(self->take_answer());
    }
  };
  template <class Payload, class... Args>
  request_awaiter<Payload> ask(Args&&... args) {
    if constexpr (sizeof...(Args) == 1 && (std::is_same_v<std::remove_cvref_t<Args>, Payload> && ...))
      issue(request_payload(std::in_place_type<Payload>, std::forward<Args>(args)...));
    else
      issue(request_payload(std::in_place_type<Payload>, Payload{std::forward<Args>(args)...}));
    return {this};
  }
  // co_await sleep_for(ms): the session pauses (input waits) until the clock has moved on.
  struct sleep_awaiter {
    session_base* self;
    std::int64_t ms;
    bool await_ready() const noexcept { return ms <= 0; }
    void await_suspend(std::coroutine_handle<> h) { self->sleep_until(self->clock_.now_ms() + ms, h); }
    void await_resume() const noexcept {}
  };
  sleep_awaiter sleep_for(std::int64_t ms) { return {this, ms}; }

  void send(std::string bytes) { emit(send_bytes{std::move(bytes)}); }
  void emit(effect e);
  void note(event e);  // an event, stamped now
  // Closes the connection (once); buffered input is dropped.
  void close();
  // Drops every byte received and not yet consumed (STARTTLS, CVE-2011-0411).
  std::size_t discard_input();
  // Ends the running command early (the session is being destroyed).
  void abandon();
  std::int64_t now_ms() const { return clock_.now_ms(); }
  // Idle timeouts count from the last input or the end of the last command.
  void touch() { idle_since_ = clock_.now_ms(); }

  const mailflow::clock& clock_;
  session_settings settings_;

 private:
  void issue(request_payload payload);
  void suspend_on_request(std::coroutine_handle<> h);
  answer take_answer();
  void sleep_until(std::int64_t at_ms, std::coroutine_handle<> h);
  void resume(std::coroutine_handle<> h);
  void finish_command_if_done();
  void pump();

  struct waiting {
    std::coroutine_handle<> handle;
    request_id id = 0;                   // 0: a sleep
    std::int64_t wake_ms = 0;            // sleeps
  };
  std::optional<waiting> waiting_;
  std::optional<answer> answer_;
  request_id next_id_ = 1;
  request_id issued_ = 0;               // the request ask() queued, awaited next
  task<> command_;
  bool running_command_ = false;
  std::string input_;                    // received, not yet consumed
  std::size_t input_pos_ = 0;
  bool eof_ = false, eof_delivered_ = false;
  bool closed_ = false;
  bool pumping_ = false;
  std::int64_t idle_since_ = 0;
  session_output out_;
};

}  // namespace mailflow
