// What an engine reports while it works: one closed set of event types. The
// reports (reports/) and traces are built from these events only, never from
// log text. Secrets are redacted where the event is made (AUTH payloads and
// passwords become "***").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "stage.hpp"

namespace mailflow {

// The configuration line that decided something: "file:line" plus its text.
struct rule_ref {
  std::string file;        // relative to the MailRoot
  std::uint32_t line = 0;  // 0: the file as a whole (e.g. "file missing")
  std::string text;        // the line as written
};

struct stage_decision {
  stage id;
  std::string input;                 // what was examined: an IP, "<addr>", a size
  outcome result = outcome::pass;
  std::optional<rule_ref> rule;      // the rule that decided, if one did
  std::string reply;                 // the reply it caused ("550 Relay denied"), or empty
  std::string detail;                // one short sentence saying why
};

struct filter_invocation {
  stage hook;                        // filter.post-rcpt, filter.pre-data, filter.post-data, filter.in, filter.out
  std::optional<rule_ref> selector;  // filters.in.tab / filters.out.tab line that chose the filter file
  rule_ref line;                     // the command line that ran
  std::vector<std::string> argv;     // after macro substitution; MailRoot paths as {root}/...
  std::string status;                // exited, timed-out, failed-to-start, signaled, skipped
  std::optional<int> exit_code;
  std::string action;                // accept, reject, reject+notify, modify, pass
  bool stop_list = false;            // exit code carried the +16 flag
  std::string rej_text;              // first line of $(FILE).rej, if any
  bool message_changed = false;
  std::int64_t duration_ms = 0;      // reported only with --timings
};

struct client_line {
  std::string text;                  // the line as received (redacted where secret)
};

struct server_reply {
  std::vector<std::string> lines;    // each reply line without CRLF
};

// Something the session did to the connection: "tls-start", "close", "delay", "discard".
struct session_note {
  std::string kind;
  std::string detail;
};

struct message_spooled {
  std::string message_ref;           // "S2"
  std::string spool_file;            // {root}-relative path, or empty when not stored (trace)
  std::string mail_from;
  std::vector<std::string> rcpts;
  std::uint64_t size = 0;
};

using event = std::variant<client_line, server_reply, stage_decision, filter_invocation, session_note,
                           message_spooled>;

}  // namespace mailflow
