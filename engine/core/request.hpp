// What a protocol session may ask of its environment: the closed catalogue of
// requests and their answers. A session never blocks and never touches a
// socket, a file, a process or DNS itself: it emits a request with an id and
// is fed the answer later (protocol_session::on_result). The harness answers
// on the virtual clock (engine/env: executor and simulation), `serve` answers
// asynchronously. A new kind of request is added here, to `request_payload`
// and `answer` together, and to every executor.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "env.hpp"
#include "event.hpp"

namespace mailflow {

using request_id = std::uint64_t;

// ---- DNS: answered with dns_answer (env.hpp). PTR takes the address.
struct dns_query {
  dns_type type = dns_type::a;
  std::string name;
};

// ---- SMTP-time filters (manual: SMTP MESSAGE FILTERS): one hook's commands,
// run in order by flow::smtp_filter_runner.
struct filter_step {
  std::vector<std::string> argv;       // macros unexpanded ($(FILE) is the runner's)
  bool aex = false;                    // skip for an authenticated client
  bool wlex = false;                   // skip for a WhiteList client
  std::optional<int> timeout_seconds;  // !timeo=N
  rule_ref line;                       // the filter line, for the report
};

struct filter_chain {
  stage hook = stage::filter_post_rcpt;
  std::vector<filter_step> steps;
  std::string file_content;                   // what $(FILE) holds
  std::map<std::string, std::string> macros;  // USERAUTH, REMOTEADDR, LOCALADDR, FROM, CRCPT, RRCPT, MSGREF
  bool authenticated = false;
  bool whitelisted = false;
};

struct filter_chain_result {
  bool rejected = false;
  std::optional<std::string> reply;            // first line of $(FILE).rej when a filter rejected with one
  std::string file_content;                    // $(FILE) after the filters
  bool changed = false;
  std::vector<filter_invocation> invocations;  // one per command considered (skipped ones too)
  std::int64_t simulated_ms = 0;               // virtual time the chain took (scripted processes only)
};

// ---- An external authentication program (manual: SMTPEXTAUTH.TAB). The
// executor provides $(RFILE), runs argv with `macros` expanded and reads back
// the "Perms=" line the program wrote.
struct auth_program {
  std::vector<std::string> argv;              // macros unexpanded
  std::map<std::string, std::string> macros;  // AUTH, USER, PASS, CHALL, DGEST (RFILE is the executor's)
  int timeout_seconds = 90;
};

struct auth_program_result {
  process_result process;
  std::optional<std::string> perms;  // the last complete "Perms=" line of $(RFILE)
};

// ---- The spool (manual: XMAIL SPOOL DESIGN; MESSAGE FILTERS for the file layout).
struct message_number_request {};  // the next SMTP message number (message.id)
struct message_number {
  std::uint64_t value = 0;
};

// One accepted message for one recipient. The body is shared by every
// recipient of a transaction: it is stored once, whatever the recipient count.
struct spool_message {
  std::string info_line;       // "[ClientIP]:port;[ServerIP]:port;date"
  std::string smtp_domain;     // SmtpDomain (the server's SmtpServerDomain)
  std::string message_ref;     // "S2"
  std::string mail_from;       // "MAIL FROM:<a@b>" as XMail writes it (no parameters)
  std::string rcpt_to;         // "RCPT TO:<c@d>"
  std::string rcpt_as_typed;   // the recipient the client named
  std::string auth_user;       // login name, empty when unauthenticated
  std::string headers;         // what the server adds on top (X-AuthUser:, Received:), CRLF lines
  std::shared_ptr<const std::string> body;  // the message as received (after post-data filters)

  std::uint64_t size() const { return headers.size() + (body ? body->size() : 0); }
  std::string data() const { return headers + (body ? *body : std::string()); }
};

// All the copies of one transaction, committed together: either every one is
// durable before the answer, or none is acknowledged.
struct spool_commit {
  std::vector<spool_message> messages;
};
struct spool_commit_result {
  bool ok = false;
  std::vector<std::string> where;  // per message: {root}-relative spool path or what stands for it
  std::string error;               // when !ok
};

// ---- Mailboxes (engine/delivery: mailbox_store).
struct mailbox_usage_query {
  std::string account_folder;  // MailRoot-relative "domains/DOMAIN/USER"
  bool need_size = false;      // sum the stored bytes (only when MaxMBSize applies)
};
struct mailbox_usage {
  bool exists = false;         // the account has a Maildir/ or mailbox/ folder
  std::uint64_t bytes = 0;
};

// ---- POP3-before-SMTP (manual: EnableAuthSMTP-POP3, -Se).
struct pop3_login_query {
  std::string ip;
};
struct pop3_login_answer {
  std::optional<std::int64_t> last_login_ms;
};

using request_payload = std::variant<dns_query, filter_chain, auth_program, message_number_request, spool_commit,
                                     mailbox_usage_query, pop3_login_query>;
using answer = std::variant<dns_answer, filter_chain_result, auth_program_result, message_number,
                            spool_commit_result, mailbox_usage, pop3_login_answer>;

struct request {
  request_id id = 0;
  request_payload what;
};

// The answer type that belongs to a payload type.
template <class Payload> struct answer_for;
template <> struct answer_for<dns_query> { using type = dns_answer; };
template <> struct answer_for<filter_chain> { using type = filter_chain_result; };
template <> struct answer_for<auth_program> { using type = auth_program_result; };
template <> struct answer_for<message_number_request> { using type = message_number; };
template <> struct answer_for<spool_commit> { using type = spool_commit_result; };
template <> struct answer_for<mailbox_usage_query> { using type = mailbox_usage; };
template <> struct answer_for<pop3_login_query> { using type = pop3_login_answer; };

const char* request_name(const request_payload& p);  // "dns", "filters", "auth-program", ...

}  // namespace mailflow
