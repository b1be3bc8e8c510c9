#include "session.hpp"

#include <exception>
#include <iterator>
#include <utility>

namespace mailflow {

namespace {
// A client may pipeline while the session waits; beyond this much unread
// input the connection is closed (memory per session stays bounded; `serve`
// stops reading from a busy session long before).
constexpr std::size_t max_buffered_input = 16u * 1024 * 1024;

template <class T>
void append(std::vector<T>& to, std::vector<T>& from) {
  if (from.empty()) return;
  if (to.empty()) {
    to.swap(from);
    return;
  }
  to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
  from.clear();
}
}  // namespace

session_base::session_base(const mailflow::clock& clock, session_settings settings)
    : clock_(clock), settings_(std::move(settings)), idle_since_(clock.now_ms()) {}

session_base::~session_base() { abandon(); }

void session_base::abandon() {
  waiting_.reset();
  command_ = {};
  running_command_ = false;
}

// ---------------------------------------------------------------- transport calls

void session_base::on_connect() {
  touch();
  if (settings_.implicit_tls) {
    note(session_note{note_kind::tls_start, "implicit TLS"});
    emit(start_tls{});
    return;
  }
  begin();
  pump();
}

void session_base::on_bytes(std::string_view bytes) {
  if (closed_ || eof_) return;
  touch();
  if (input_pos_ == input_.size() && !busy() && !pumping_) {
    // Nothing queued: consume straight from the caller's buffer, keep only what is left.
    input_.clear();
    input_pos_ = 0;
    pumping_ = true;
    while (!bytes.empty() && !closed_ && !busy()) {
      auto before = bytes.size();
      consume(bytes);
      if (bytes.size() == before) break;
    }
    pumping_ = false;
    if (!closed_) input_.assign(bytes);
  } else {
    input_.append(bytes);
  }
  if (input_.size() - input_pos_ > max_buffered_input) {
    note(session_note{note_kind::close, "more than 16 MiB of input buffered while the session waits"});
    close();
    return;
  }
  pump();
}

void session_base::on_eof() {
  if (eof_) return;
  eof_ = true;
  pump();
}

void session_base::on_tls_ready(const tls_info& info) {
  if (closed_) return;
  touch();
  tls_ready(info);
  pump();
}

void session_base::on_tls_failed(const std::string& why) {
  if (closed_) return;
  tls_failed(why);
  pump();
}

void session_base::on_result(request_id id, answer a) {
  if (!waiting_ || waiting_->id == 0 || waiting_->id != id) return;  // stale or unknown: ignored
  answer_ = std::move(a);
  auto h = waiting_->handle;
  waiting_.reset();
  resume(h);
}

void session_base::on_timer(std::int64_t now) {
  if (waiting_ && waiting_->id == 0) {
    if (now < waiting_->wake_ms) return;
    auto h = waiting_->handle;
    waiting_.reset();
    resume(h);
    return;
  }
  if (closed_ || busy() || settings_.idle_timeout_seconds <= 0) return;
  if (now >= idle_since_ + static_cast<std::int64_t>(settings_.idle_timeout_seconds) * 1000) {
    idle_timeout();
    pump();
  }
}

std::optional<std::int64_t> session_base::next_deadline_ms() const {
  if (waiting_) {
    if (waiting_->id == 0) return waiting_->wake_ms;
    return std::nullopt;  // the environment answers; no timer of ours
  }
  if (closed_ || settings_.idle_timeout_seconds <= 0) return std::nullopt;
  return idle_since_ + static_cast<std::int64_t>(settings_.idle_timeout_seconds) * 1000;
}

void session_base::drain(session_output& out) {
  append(out.effects, out_.effects);
  append(out.requests, out_.requests);
  append(out.events, out_.events);
}

// ---------------------------------------------------------------- for protocols

void session_base::run(task<> command) {
  command_ = std::move(command);
  running_command_ = true;
  command_.start();
  finish_command_if_done();
}

void session_base::emit(effect e) {
  if (closed_) return;
  out_.effects.push_back(std::move(e));
}

void session_base::note(event e) {
  out_.events.push_back(timed_event{clock_.now_ms(), event_origin::session, settings_.session_number, std::move(e)});
}

void session_base::close() {
  if (closed_) return;
  emit(close_connection{});
  closed_ = true;
}

std::size_t session_base::discard_input() {
  std::size_t n = input_.size() - input_pos_;
  input_pos_ = input_.size();
  return n;
}

// ---------------------------------------------------------------- internals

void session_base::issue(request_payload payload) {
  issued_ = next_id_++;
  out_.requests.push_back(request{issued_, std::move(payload)});
}

void session_base::suspend_on_request(std::coroutine_handle<> h) { waiting_ = waiting{h, issued_, 0}; }

answer session_base::take_answer() {
  answer a = std::move(*answer_);
  answer_.reset();
  return a;
}

void session_base::sleep_until(std::int64_t at_ms, std::coroutine_handle<> h) { waiting_ = waiting{h, 0, at_ms}; }

void session_base::resume(std::coroutine_handle<> h) {
  h.resume();
  finish_command_if_done();
  pump();
}

void session_base::finish_command_if_done() {
  if (!running_command_ || !command_.done()) return;
  running_command_ = false;
  std::string what;
  try {
    command_.rethrow_if_failed();
  } catch (const std::exception& e) {
    what = e.what();
    if (what.empty()) what = "exception";
  } catch (...) {
    what = "unknown exception";
  }
  command_ = {};
  touch();
  if (!what.empty()) failed(what);
}

void session_base::pump() {
  if (pumping_) return;
  pumping_ = true;
  while (!closed_ && !busy() && input_pos_ < input_.size()) {
    std::string_view v(input_.data() + input_pos_, input_.size() - input_pos_);
    auto before = v.size();
    consume(v);
    if (closed_) break;
    input_pos_ += before - v.size();
    if (v.size() == before) break;
  }
  if (closed_ || input_pos_ == input_.size()) {
    input_.clear();
    input_pos_ = 0;
  } else if (input_pos_ > 65536 && input_pos_ > input_.size() / 2) {
    input_.erase(0, input_pos_);
    input_pos_ = 0;
  }
  pumping_ = false;
  if (eof_ && !eof_delivered_ && !closed_ && !busy() && input_.empty()) {
    eof_delivered_ = true;
    end_of_input();
  }
}

}  // namespace mailflow
