// The SMTP session's lifecycle, input dispatch, command table and reply
// helpers (how it works: smtp_session.hpp and core/session.hpp).
#include <algorithm>
#include <utility>

#include "core/redact.hpp"
#include "core/text.hpp"
#include "smtp/replies.hpp"
#include "smtp/session.hpp"

namespace mailflow::smtp {

namespace {

// XMail matches a verb followed by the end of the line, a space or a TAB
// (StrCmdMatch), but its handlers cut the whole line at spaces only
// (StrTokenize(" ")): "NOOP\tx" is NOOP, "HELO\tx" is HELO with no argument and
// "HELO\tx y" is HELO y. So the verb ends at ' ' or TAB, the argument is what
// follows the first space, spaces (not TABs) around it dropped.
std::string first_word(std::string_view s, std::string_view& rest) {
  auto sp = s.find(' ');
  std::string_view word = s.substr(0, sp);
  rest = {};
  if (sp != std::string_view::npos) {
    rest = s.substr(sp + 1);
    auto b = rest.find_first_not_of(' ');
    rest = b == std::string_view::npos ? std::string_view{} : rest.substr(b, rest.find_last_not_of(' ') - b + 1);
  }
  return std::string(word.substr(0, word.find('\t')));
}

bool has_bad_bytes(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u == 0 || u > 127 || u == '\r';
  });
}

constexpr unsigned in(smtp_state s) { return 1u << static_cast<unsigned>(s); }
constexpr unsigned any_state = ~0u;

}  // namespace

std::unique_ptr<protocol_session> make_smtp_session(std::shared_ptr<const config::mailroot> root,
                                                    const mailflow::clock& clock, smtp_settings settings,
                                                    endpoint client, endpoint server) {
  return std::make_unique<session>(std::move(root), clock, std::move(settings), std::move(client), std::move(server));
}

session::session(std::shared_ptr<const config::mailroot> r, const mailflow::clock& clock, smtp_settings s,
                 endpoint c, endpoint sv)
    : session_base(clock, s),
      root_ptr(std::move(r)),
      root(*root_ptr),
      cfg(root.server()),
      settings(std::move(s)),
      client(std::move(c)),
      server(std::move(sv)),
      client_ip(ip_address::parse(client.ip)) {}

session::~session() { abandon(); }

// ---------------------------------------------------------------- session_base hooks

void session::begin() { run(connect_checks()); }

void session::consume(std::string_view& in) {
  switch (mode) {
    case input_mode::tls_pending:
      note(session_note{note_kind::discard, std::to_string(in.size()) + " bytes before the TLS handshake"});
      in.remove_prefix(in.size());
      return;
    case input_mode::data:
      if (data->feed(in)) {
        mode = input_mode::command;
        run(end_of_data());
      }
      return;
    case input_mode::sasl:
      if (auto line = commands.next(in)) run(sasl_line(std::move(*line)));
      return;
    case input_mode::command:
      if (auto line = commands.next(in)) {
        run(command(std::move(*line)));
        if (mode == input_mode::tls_pending && !in.empty()) {
          // RFC 3207 5: nothing pipelined after STARTTLS may survive the handshake (CVE-2011-0411)
          note(session_note{note_kind::discard, std::to_string(in.size()) + " bytes after STARTTLS"});
          in.remove_prefix(in.size());
          discard_input();
        }
      }
      return;
  }
}

void session::end_of_input() {
  if (mode == input_mode::data) note(session_note{note_kind::eof, "connection closed inside DATA: message discarded"});
  note(session_note{note_kind::close, "client closed the connection"});
  close();
}

void session::tls_ready(const tls_info& info) {
  if (mode != input_mode::tls_pending) return;
  tls_active = true;
  mode = input_mode::command;
  commands.reset();
  decide(stage::tls, info.version, outcome::accept, "TLS established: " + info.version + " " + info.cipher);
  if (settings.implicit_tls && greeting_token.empty()) {
    run(connect_checks());
    return;
  }
  full_reset();
}

void session::tls_failed(const std::string& why) {
  decide(stage::tls, "", outcome::drop, "TLS handshake failed: " + why);
  close();
}

void session::idle_timeout() {
  // XMail's command loop ends when a read times out: no reply, the connection closes (SMTPSvr.cpp, -St)
  note(session_note{note_kind::timeout,
                    "no command for " + std::to_string(settings.idle_timeout_seconds) + " s (-St): connection closed"});
  close();
}

void session::failed(const std::string& what) {
  // XMail's answer to a local failure while handling a command
  reply("451 Requested action aborted: local error in processing");
  note(session_note{note_kind::close, "internal error: " + what});
  close();
}

// ---------------------------------------------------------------- output

std::string session::banner() const { return "[" + settings.product + " ESMTP Server]"; }

void session::reply(std::string text, bool error_text_extension, bool counted) {
  int code = text.size() >= 3 ? (text[0] - '0') * 100 + (text[1] - '0') * 10 + (text[2] - '0') : 0;
  // XMail sends VRFY's 252 through SMTPSendError like every error: it gets
  // CustomSMTPMessage (behaviour notes, [054]) and counts toward SMTP-MaxErrors
  bool error = code >= 400 || code == 252;
  if (error && error_text_extension && !cfg.custom_smtp_message.empty())
    text += " - " + cfg.custom_smtp_message;
  send(text + "\r\n");
  note(server_reply{{std::move(text)}});
  if (error && counted && cfg.smtp_max_errors > 0 && ++errors >= cfg.smtp_max_errors && !closed()) {
    note(session_note{note_kind::close, "SMTP-MaxErrors (" + std::to_string(cfg.smtp_max_errors) + ") reached"});
    close();
  }
}

void session::reply_lines(const std::vector<std::string>& lines) {
  std::string wire;
  for (auto& l : lines) wire += l + "\r\n";
  send(std::move(wire));
  note(server_reply{lines});
}

void session::decide(stage s, std::string input, outcome o, std::string detail, std::string reply_text,
                     const config::source& rule) {
  stage_decision d;
  d.id = s;
  d.input = std::move(input);
  d.result = o;
  if (rule) d.rule = rule.rule();
  d.reply = std::move(reply_text);
  d.detail = std::move(detail);
  note(std::move(d));
}

void session::decide_rule(stage s, std::string input, outcome o, std::string detail, std::string reply_text,
                          const rule_ref& rule) {
  note(stage_decision{s, std::move(input), o, rule, std::move(reply_text), std::move(detail)});
}

void session::reset_transaction() {
  tx = transaction{};
  data.reset();
  // XMail's SMTPResetSession: back to authenticated, or to at most helo
  state = auth.authenticated ? smtp_state::authenticated : std::min(state, smtp_state::helo);
}

void session::full_reset() {
  helo_name.clear();
  auth = {};
  tx = transaction{};
  data.reset();
  state = smtp_state::init;
}

// ---------------------------------------------------------------- input

// manual: SMTP COMMANDS; the states are XMail's (SMTPSvr.cpp): a command out of
// its states answers 503 and resets the transaction.
const session::command_row* session::find_command(std::string_view verb) {
  static const command_row table[] = {
      {"EHLO", &session::cmd_ehlo, in(smtp_state::init) | in(smtp_state::helo)},
      {"HELO", &session::cmd_helo, in(smtp_state::init) | in(smtp_state::helo)},
      {"MAIL", &session::cmd_mail, in(smtp_state::helo) | in(smtp_state::authenticated)},
      {"RCPT", &session::cmd_rcpt, in(smtp_state::mail) | in(smtp_state::rcpt)},
      {"DATA", &session::cmd_data, in(smtp_state::rcpt)},
      {"AUTH", &session::cmd_auth, in(smtp_state::helo)},
      {"STARTTLS", &session::cmd_starttls, any_state},
      {"RSET", &session::cmd_rset, any_state},
      {"VRFY", &session::cmd_vrfy, any_state},
      {"ETRN", &session::cmd_etrn, any_state},
      {"NOOP", &session::cmd_noop, any_state},
      {"HELP", &session::cmd_help, any_state},
      {"QUIT", &session::cmd_quit, any_state},
  };
  for (auto& row : table)
    if (row.verb == verb) return &row;
  return nullptr;
}

task<> session::command(command_line line) {
  // XMail sleeps before every command of a suspicious client (SMTPHandleCommand)
  if (delay_seconds > 0) {
    note(session_note{note_kind::delay, std::to_string(delay_seconds) + " s before the command"});
    co_await sleep_for(static_cast<std::int64_t>(delay_seconds) * 1000);
  }
  if (line.too_long) {
    note(client_line{"(line over 1020 octets)"});
    reply(std::string(replies::line_too_long));
    co_return;
  }
  note(client_line{redact_client_line(line.text, false)});
  if (has_bad_bytes(line.text)) {
    reply(std::string(replies::bad_characters));
    co_return;
  }
  std::string_view arg;
  std::string verb = to_upper(first_word(line.text, arg));
  const command_row* row = find_command(verb);
  // XMail knows MAIL and RCPT only as the prefixes "MAIL FROM:" and "RCPT TO:"
  // (any case, SMTPHandleCommand): "MAIL  FROM:" or a bare "MAIL" is unrecognized
  if (row && (verb == "MAIL" || verb == "RCPT")) {
    std::string_view prefix = verb == "MAIL" ? "MAIL FROM:" : "RCPT TO:";
    if (istarts_with(line.text, prefix))
      arg = std::string_view(line.text).substr(prefix.size());
    else
      row = nullptr;
  }
  if (!row) {
    reply(std::string(replies::unrecognized));
    co_return;
  }
  if (!(row->valid & in(state))) {
    reset_transaction();
    reply(std::string(replies::bad_sequence));
    co_return;
  }
  // `arg` points into `line`, which lives in this frame until the handler ends
  co_await (this->*(row->run))(arg);
}

}  // namespace mailflow::smtp
