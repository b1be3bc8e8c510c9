#include "replay/scripted_client.hpp"

#include "core/codec.hpp"
#include "core/redact.hpp"
#include "core/text.hpp"

namespace mailflow::harness {

scripted_client::scripted_client(const session_script& script, expectation_checker& check,
                                 reports::session_result& out, client_link& link,
                                 std::optional<std::chrono::steady_clock::time_point> deadline)
    : script_(script), check_(check), out_(out), link_(link), deadline_(deadline) {}

bool scripted_client::expects_none() const { return next_ < script_.steps.size() && script_.steps[next_].expect.none; }

// A client line as the report shows it: core/redact.hpp decides, as for the
// engine's timeline. It goes through bytes() because it may end a line a raw
// step began.
std::string scripted_client::shown(std::string_view line) {
  std::string out = redactor_.bytes(std::string(line) + "\r\n");
  if (out.ends_with("\r\n")) out.resize(out.size() - 2);
  if (out.empty() && !line.empty()) out = "***";  // it ends a hidden line
  return escape_bytes(out);
}

// Raw bytes as shown: each line redacted (a line may continue in the next step), control bytes escaped.
std::string scripted_client::shown_raw(std::string_view bytes) { return escape_bytes(redactor_.bytes(bytes)); }

bool scripted_client::advance(std::int64_t now_ms) {
  bool progress = false;
  for (;;) {
    switch (state_) {
      case state::done:
      case state::finishing:
        return progress;
      case state::sleeping:
        if (now_ms < wake_ms_) return progress;
        state_ = state::running;
        ++next_;
        progress = true;
        break;
      case state::reading:
        if (!try_read()) return progress;
        progress = true;
        break;
      case state::running:
        if (next_ >= script_.steps.size()) {
          state_ = state::finishing;
          return true;
        }
        if (deadline_ && std::chrono::steady_clock::now() > *deadline_) throw scenario_timeout{script_.steps[next_].line};
        start_step();
        progress = true;
        if (state_ == state::sleeping) wake_ms_ += now_ms;
        break;
    }
  }
}

void scripted_client::start_step() {
  const step& st = script_.steps[next_];
  reports::step_result r;
  r.scenario_line = st.line;
  std::string bytes;
  if (st.secret) redactor_.next_is_secret();  // secret="true" (mailflow import --secret marks its lines so)
  switch (st.what) {
    case step::kind::greeting: r.kind = "greeting"; break;
    case step::kind::send: {
      r.kind = "send";
      std::string line = check_.expand(st.text);
      bytes = line + "\r\n";
      r.sent = shown(line);
      break;
    }
    case step::kind::raw:
      r.kind = "raw";
      bytes = st.text;
      r.sent = shown_raw(st.text);
      if (st.secret) r.sent = "***";  // all of it, not only its first line
      break;
    case step::kind::base64: {
      r.kind = "base64";
      std::string line = base64_encode(st.text);
      bytes = line + "\r\n";
      r.sent = shown(line);
      break;
    }
    case step::kind::auth_plain:
      r.kind = "auth-plain";
      bytes = "AUTH PLAIN " + base64_encode(std::string(1, '\0') + st.user + std::string(1, '\0') + st.password) + "\r\n";
      r.sent = shown(std::string_view(bytes).substr(0, bytes.size() - 2));
      break;
    case step::kind::cram_md5: {
      r.kind = "cram-md5";
      std::string challenge;
      if (!last_reply_.empty() && last_reply_.back().rfind("334 ", 0) == 0) {
        if (auto decoded = base64_decode(last_reply_.back().substr(4))) challenge = *decoded;
      }
      bytes = base64_encode(st.user + " " + hmac_md5_hex(st.password, challenge)) + "\r\n";
      redactor_.next_is_secret();  // the digest answers the challenge, whatever came before
      r.sent = shown(std::string_view(bytes).substr(0, bytes.size() - 2));
      break;
    }
    case step::kind::read: r.kind = "read"; break;
    case step::kind::pause:
      r.kind = "pause";
      r.sent = std::to_string(st.seconds) + " s";
      out_.steps.push_back(std::move(r));
      state_ = state::sleeping;
      wake_ms_ = static_cast<std::int64_t>(st.seconds) * 1000;  // advance() adds the current time
      return;
    case step::kind::close:
      r.kind = "close";
      link_.close();
      out_.steps.push_back(std::move(r));
      ++next_;
      return;
  }
  if (!bytes.empty()) link_.send(bytes);
  if (!st.wait) {
    out_.steps.push_back(std::move(r));
    ++next_;
    return;
  }
  pending_ = std::move(r);
  state_ = state::reading;
  try_read();
}

bool scripted_client::try_read() {
  replies_.put(link_.take_received());
  if (auto reply = replies_.take()) {
    complete_read(read_status::reply, std::move(*reply));
    return true;
  }
  if (link_.server_closed()) {
    complete_read(read_status::closed, {});
    return true;
  }
  return false;
}

void scripted_client::no_reply(bool closed) {
  if (state_ != state::reading) return;
  if (try_read()) return;
  complete_read(closed ? read_status::closed : read_status::none, {});
}

void scripted_client::complete_read(read_status status, std::vector<std::string> reply) {
  const step& st = script_.steps[next_];
  auto& r = pending_;
  r.read_reply = true;
  r.reply_status = status == read_status::reply ? "reply" : status == read_status::none ? "none" : "closed";
  r.reply = reply;
  bool closed_after = status == read_status::closed;
  if (st.expect.closed)
    closed_after = *st.expect.closed ? link_.wait_closed(std::chrono::milliseconds(2000))
                                     : link_.wait_closed(std::chrono::milliseconds(0));
  r.passed = check_.check_reply(st, r, status, closed_after);
  if (status == read_status::reply) {
    last_reply_ = reply;
    redactor_.server_replied(reply.empty() ? std::string_view{} : std::string_view(reply.back()));
    // The client side of STARTTLS begins once the server agreed ("STARTTLS now"
    // too: XMail ignores the argument).
    auto verb = trim(st.text);
    verb = verb.substr(0, verb.find_first_of(" \t"));
    if (st.what == step::kind::send && iequals(verb, "STARTTLS") && !reply.empty() &&
        reply.back().rfind("220", 0) == 0) {
      std::string err;
      if (!link_.start_tls(err)) check_.note("session " + check_.where(script_.line) + ": STARTTLS: " + err);
    }
  }
  out_.steps.push_back(std::move(r));
  state_ = state::running;
  ++next_;
}

void scripted_client::finish() {
  if (state_ != state::finishing) return;
  replies_.put(link_.take_received());
  out_.trailing = replies_.rest();
  if (!out_.trailing.empty() && !script_.trailing_any)
    check_.fail(script_.steps.back().line, "replies after the last step", "(nothing more)", join(out_.trailing, "\n"));
  out_.closed_by_server = link_.server_closed();
  link_.close();
  state_ = state::done;
}

}  // namespace mailflow::harness
