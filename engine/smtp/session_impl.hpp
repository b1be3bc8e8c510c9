// Private state of smtp_session (see smtp_session.hpp for how it works).
// The connection (HELO, TLS, authentication, flags set by the connection
// checks) is kept apart from the transaction (MAIL .. end of DATA or reset).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/mailroot.hpp"
#include "core/ip.hpp"
#include "flow/smtp_filters.hpp"
#include "smtp/line_reader.hpp"
#include "smtp/path.hpp"
#include "smtp/smtp_session.hpp"

namespace mailflow::smtp {

// What reading the next line means.
enum class input_mode {
  command,      // SMTP commands
  data,         // the message after 354
  sasl,         // an AUTH exchange waiting for the client's answer to a 334
  tls_pending,  // STARTTLS accepted: every byte is discarded until the handshake is done
  closed,
};

enum class sasl_step { plain_credentials, login_user, login_password, cram_response };

struct sasl_exchange {
  std::string mechanism;  // PLAIN, LOGIN, CRAM-MD5
  sasl_step step = sasl_step::plain_credentials;
  std::string user;       // LOGIN: the user name already received
  std::string challenge;  // CRAM-MD5: the token the digest is computed over
};

struct auth_state {
  bool authenticated = false;
  std::string login;                       // the name as the client typed it (X-AuthUser, USERAUTH)
  std::string via;                         // mailusers.tab, smtpauth.tab, smtpextauth.tab, pop3-before-smtp
  config::smtp_perms perms;
  std::optional<std::int64_t> max_message_size_kb;  // user.tab MaxMessageSize of the account
  std::optional<bool> disable_emit_auth_user;        // user.tab DisableEmitAuthUser of the account
};

enum class rcpt_kind { account, mailing_list, cmdalias, custdomain, remote };

struct recipient {
  std::string typed;        // as the client wrote it (Received: for <...>, CRCPT)
  std::string real;         // after domain alias and alias resolution (RRCPT, {ra=...})
  rcpt_kind kind = rcpt_kind::account;
  std::string stored;       // what the spool's RCPT TO line holds
  bool with_received = true;  // smtpgw.tab rewrites drop the Received: header (behaviour notes, [077])
};

struct transaction {
  bool active = false;
  std::string from;                     // reverse path, "" for <>
  std::string received_from;            // last <...> on the MAIL line
  std::uint64_t number = 0;             // SMTP message number (message.id)
  std::optional<std::int64_t> limit_kb; // size limit that applies (none: unlimited)
  std::vector<recipient> rcpts;
};

struct smtp_session::impl {
  impl(smtp_environment e, session_settings s, endpoint c, endpoint sv);

  smtp_environment env;
  session_settings settings;
  endpoint client;
  endpoint server;
  const config::mailroot& root;
  const config::server_config& cfg;
  std::optional<ip_address> client_ip;

  std::vector<effect> effects;
  std::vector<event> events;

  input_mode mode = input_mode::command;
  command_reader commands;
  std::unique_ptr<data_reader> data;
  sasl_exchange sasl;
  std::string greeting_token;

  // connection
  std::string helo_name;
  bool helo_done = false;
  bool tls_active = false;
  int errors = 0;
  int delay_seconds = 0;                // XMail's "delay between commands" for suspicious peers
  bool whitelisted = false;
  config::smtp_props props;             // from smtp.ipprop.tab / smtp.hnprop.tab
  bool flagged_ip = false;              // spammers.tab code=0, ipmap drop code 0, DNS list code 0
  std::string flagged_by;               // which stage flagged it
  bool rdns_failed = false;             // SMTP-RDNSCheck 1 and no PTR
  std::optional<std::string> ptr_name;  // reverse DNS, when looked up
  bool ptr_looked_up = false;
  config::smtp_config_flags smtp_config;
  auth_state auth;
  transaction tx;
  std::unique_ptr<flow::smtp_filter_runner> filters;  // made on first use; numbers $(FILE)s across the session

  // -- output
  void reply(std::string text, bool error_text_extension = true);
  void reply_lines(const std::vector<std::string>& lines);
  void decide(stage s, std::string input, outcome o, std::string detail, std::string reply_text = {},
              const config::source& rule = {});
  void decide_rule(stage s, std::string input, outcome o, std::string detail, std::string reply_text,
                   const rule_ref& rule);
  void close();
  void reset_transaction();
  std::string banner() const;  // "[mailflow 0.1 ESMTP Server]"

  // -- input
  void process();
  void handle_command(const command_line& line);
  void handle_sasl_line(const command_line& line);
  void finish_data();

  // -- connection (smtp_session.cpp)
  void connect_checks();
  bool refuse_at_greeting(stage s, const std::optional<std::string>& custom, int xmail_error, std::string detail,
                          const config::source& rule);
  std::optional<std::string> reverse_dns();
  void cmd_ehlo(std::string_view arg);
  void cmd_helo(std::string_view arg);
  void greet(std::string_view arg, bool extended);
  void cmd_help(std::string_view arg);
  void cmd_noop(std::string_view arg);
  void cmd_rset(std::string_view arg);
  void cmd_quit(std::string_view arg);
  void cmd_vrfy(std::string_view arg);
  void cmd_etrn(std::string_view arg);
  void cmd_starttls(std::string_view arg);

  // -- authentication (auth.cpp)
  void cmd_auth(std::string_view arg);
  std::vector<std::string> advertised_mechanisms() const;
  void finish_auth(const std::string& user, const std::string& secret, const std::string& digest);

  // -- sender and recipients (envelope.cpp)
  void cmd_mail(std::string_view arg);
  void cmd_rcpt(std::string_view arg);
  std::optional<std::int64_t> size_limit_kb() const;
  bool relay_allowed(std::string& why, config::source& rule) const;

  // -- message (message.cpp)
  void cmd_data(std::string_view arg);
  std::string filter_file_content(bool with_message, const std::string& message) const;
  std::map<std::string, std::string> filter_macros(const recipient* current) const;
  bool run_filters(config::smtp_filter_hook hook, const recipient* current, std::string* message);
  std::string received_header(const recipient& r, std::int64_t now_s) const;
  std::string message_ref() const;
};

}  // namespace mailflow::smtp
