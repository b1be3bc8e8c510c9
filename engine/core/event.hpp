// What an engine reports while it works: one closed set of event types. The
// reports (reports/) and traces are built from these events only, never from
// log text. Secrets are redacted where the event is made (AUTH payloads and
// passwords become "***"). Every event an engine emits is stamped with the
// virtual (or real) time it happened and its origin (timed_event).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "stage.hpp"

namespace mailflow {

// The configuration line that decided something: "file:line" plus its text.
struct rule_ref {
  std::string file;        // relative to the MailRoot
  std::uint32_t line = 0;  // 0: the file as a whole (e.g. "file missing")
  std::string text;        // the line as written, password fields "***" (config::tab_file::rule)
};

struct stage_decision {
  stage id;
  std::string input;                 // what was examined: an IP, "<addr>", a size
  outcome result = outcome::pass;
  std::optional<rule_ref> rule;      // the rule that decided, if one did
  std::string reply;                 // the reply it caused ("550 Relay denied"), or empty
  std::string detail;                // one short sentence saying why
};

// How a filter command ended (closed list; names as the reports show them).
enum class filter_status { exited, signaled, timed_out, failed_to_start, skipped_aex, skipped_wlex };
std::string_view filter_status_name(filter_status s);  // "exited", "timed-out", "skipped (aex)", ...

// What the exit code meant (manual: MESSAGE FILTERS, SMTP MESSAGE FILTERS).
enum class filter_action { pass, accept, reject, reject_notify, modify };
std::string_view filter_action_name(filter_action a);  // "pass", "accept", "reject", "reject+notify", "modify"

struct filter_invocation {
  stage hook;                        // filter.post-rcpt, filter.pre-data, filter.post-data, filter.in, filter.out
  std::optional<rule_ref> selector;  // filters.in.tab / filters.out.tab line that chose the filter file
  rule_ref line;                     // the command line that ran
  std::vector<std::string> argv;     // after macro substitution; MailRoot paths as {root}/...
  filter_status status = filter_status::exited;
  std::optional<int> exit_code;
  filter_action action = filter_action::pass;
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

// Something that happened to the connection itself (closed list).
enum class note_kind {
  tls_start,     // the session asked for a TLS handshake
  discard,       // bytes thrown away (pipelined after STARTTLS, or during the handshake)
  close,         // the server closed the connection (MaxErrors, QUIT ...)
  eof,           // the client closed inside DATA
  etrn,          // ETRN accepted for a domain
  delay,         // XMail's delay before a command (spammers.tab, ipmap, DNS list, RDNS codes)
  timeout,       // an idle timeout closed the connection (-St, -Pt, -Ct)
};
std::string_view note_kind_name(note_kind k);  // "tls-start", "discard", "close", "eof", "etrn", "delay", "timeout"

struct session_note {
  note_kind kind;
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

// Who made an event: a client session (numbered per run), the queue, or an administrator's edit.
enum class event_origin { session, queue, admin };
std::string_view event_origin_name(event_origin o);

struct timed_event {
  std::int64_t at_ms = 0;            // clock time (Unix ms; virtual in the harness)
  event_origin origin = event_origin::session;
  std::uint64_t session = 0;         // session number for origin session
  event what;
};

}  // namespace mailflow
