// What a replay run produced, as plain data: the runner (harness/) fills it,
// the writers (XML, JUnit, HTML) turn it into files. Everything here is
// already deterministic and redacted: paths are relative to the suite or the
// MailRoot ({root}), secrets are "***", times are virtual.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/event.hpp"

namespace mailflow::reports {

// An expectation that did not hold, with the scenario line that stated it.
struct check_failure {
  std::string where;      // "scenarios/rcpt/alias.xml:31"
  std::string what;       // "reply to RCPT TO:<foo@hunet.jp>", "decision rcpt.alias", "message for <a@b>"
  std::string expected;   // one readable line (or several, '\n'-separated)
  std::string actual;
};

// One client step of a session and what came back.
struct step_result {
  std::uint32_t scenario_line = 0;  // line of the step in the scenario file
  std::string kind;                 // greeting, send, raw, read, base64, auth-plain, cram-md5, pause, close
  std::string sent;                 // what the client sent, redacted, control bytes escaped (\r \n \xHH)
  bool read_reply = false;          // the step waited for a reply
  std::vector<std::string> reply;   // reply lines (empty: none came)
  std::string reply_status;         // "reply", "none" (nothing arrived), "closed"
  bool passed = true;
};

struct session_result {
  std::string protocol;             // "smtp"
  std::string client;               // "127.0.0.1:40000"
  std::string server;               // "127.0.0.1:25"
  std::vector<step_result> steps;
  // The timeline: client lines, replies, stage decisions and filter invocations
  // in the order they happened (in-process: the engine's own events; against a
  // real server: only client lines and replies).
  std::vector<timed_event> events;
  bool closed_by_server = false;
  std::vector<std::string> trailing;  // reply lines nobody read
};

// A message the SMTP engine handed to the spool (one per recipient). The
// recipients of one message share its body: it is held, and written to a
// report, once.
struct spooled_message {
  std::string message_ref;          // "S2"
  std::string mail_from;            // "MAIL FROM:<a@b>"
  std::string rcpt_to;              // "RCPT TO:<c@d>"
  std::string auth_user;
  std::uint64_t size = 0;
  std::string added_headers;        // what the server put on top (X-AuthUser:, Received:), CRLF lines
  std::shared_ptr<const std::string> body;  // the message as received (after post-data filters)

  // The stored message's lines: the header lines (the server's, then the
  // message's own, folding kept) up to the first empty line, and the body
  // lines after it (left empty when `with_body` is false).
  struct lines {
    std::vector<std::string_view> headers, body;
  };
  lines split(bool with_body = true) const;
};

// The 1-based position of the first message before `i` that shares message
// i's body, or 0 (the body is written there; later ones refer to it).
std::size_t same_body_as(const std::vector<spooled_message>& messages, std::size_t i);

struct scenario_result {
  std::string path;                 // as given on the command line, '/'-separated
  std::string name;
  std::string description;
  std::string mode;                 // "in-process", "target", "server"
  std::string mailroot;             // the fixture, as the scenario names it
  std::string start_time;           // virtual start, RFC 3339
  std::int64_t start_ms = 0;        // the same as Unix ms: event times are reported relative to it
  // "passed", "failed", "error" (did not parse / could not run), "timeout"
  std::string status;
  std::string error;                // for error/timeout: "file:line: message"
  std::vector<std::string> notes;   // e.g. "stage expectations skipped: replayed against a real server"
  std::vector<session_result> sessions;
  std::vector<spooled_message> spooled;
  std::vector<check_failure> failures;
  std::uint32_t checks = 0;         // expectations evaluated
  std::int64_t duration_ms = -1;    // wall time, only with --timings
};

struct run_result {
  std::string tool_version;         // "mailflow 0.1"
  std::vector<scenario_result> scenarios;  // sorted by path
  std::size_t passed() const;
  std::size_t failed() const;       // failed + error + timeout
};

// Calls `fix` on every text of `r` that a report can show: its paths, notes
// and error, each step's sent text and reply, every timeline event's texts,
// each message's envelope, headers and body (a body shared by several
// recipients is fixed once and stays shared), and the failures. Rules about
// what a report may never hold (harness/replay/runner.cpp: no temporary
// path, no secret) go through here, so they hold for every field: a new text
// field of the model is added here too.
void for_each_text(scenario_result& r, const std::function<void(std::string&)>& fix);

}  // namespace mailflow::reports
