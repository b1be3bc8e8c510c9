// The SMTP session's private state (smtp_session.hpp says how it works). The
// connection (HELO, TLS, authentication, flags set by the connection checks)
// is kept apart from the transaction (MAIL .. end of DATA or reset). One file
// per stage implements the commands: connect.cpp, helo.cpp, auth.cpp,
// mail.cpp, rcpt.cpp, data.cpp, filters.cpp, starttls.cpp, vrfy_etrn.cpp;
// session.cpp holds the lifecycle, the command table and the reply helpers.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/mailroot.hpp"
#include "core/ip.hpp"
#include "smtp/line_reader.hpp"
#include "smtp/path.hpp"
#include "smtp/smtp_session.hpp"

namespace mailflow::smtp {

// XMail's session states; a command is valid in the states its table row names.
enum class smtp_state { init, helo, authenticated, mail, rcpt };

// What reading the next bytes means.
enum class input_mode {
  command,      // SMTP commands
  data,         // the message after 354
  sasl,         // an AUTH exchange waiting for the client's answer to a 334
  tls_pending,  // STARTTLS accepted: every byte is discarded until the handshake is done
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
  std::string typed;          // as the client wrote it (Received: for <...>, CRCPT)
  std::string quoted;         // user@domain as XMail's replies quote it: each half cut to 255 octets
  std::string real;           // after domain alias and alias resolution (RRCPT, {ra=...})
  rcpt_kind kind = rcpt_kind::account;
  std::string stored;         // what the spool's RCPT TO line holds
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

// HELO, EHLO, VRFY and ETRN want exactly one argument, words cut at spaces
// only (XMail: StrTokenize(line, " ") must give 2 tokens); `arg` is already
// stripped of spaces around it.
inline bool one_word(std::string_view arg) { return !arg.empty() && arg.find(' ') == std::string_view::npos; }

// How a recipient check ended: go on to the next check, or a decision was made (and replied to).
enum class rcpt_verdict { next, accepted, refused };

class session final : public session_base {
 public:
  session(std::shared_ptr<const config::mailroot> root, const mailflow::clock& clock, smtp_settings settings,
          endpoint client, endpoint server);
  ~session() override;

 private:
  // ---- session_base hooks (session.cpp)
  void begin() override;
  void consume(std::string_view& in) override;
  void end_of_input() override;
  void tls_ready(const tls_info& info) override;
  void tls_failed(const std::string& why) override;
  void idle_timeout() override;
  void failed(const std::string& what) override;

  // ---- output (session.cpp)
  // error_text_extension: CustomSMTPMessage is appended to an error reply;
  // counted: an error reply counts toward SMTP-MaxErrors. Both are XMail's
  // SMTPSendError; the few errors XMail sends plainly pass false.
  void reply(std::string text, bool error_text_extension = true, bool counted = true);
  void reply_lines(const std::vector<std::string>& lines);
  void decide(stage s, std::string input, outcome o, std::string detail, std::string reply_text = {},
              const config::source& rule = {});
  void decide_rule(stage s, std::string input, outcome o, std::string detail, std::string reply_text,
                   const rule_ref& rule);
  void reset_transaction();
  void full_reset();  // RFC 3207 4.2: after STARTTLS nothing learned before is kept
  std::string banner() const;  // "[mailflow 0.1 ESMTP Server]"

  // ---- input (session.cpp)
  task<> command(command_line line);
  task<> sasl_line(command_line line);
  task<> end_of_data();

  // ---- connection (connect.cpp)
  task<> connect_checks();
  task<std::optional<std::string>> reverse_dns();
  void refuse_at_greeting(stage s, const std::optional<std::string>& custom, int xmail_error, std::string detail,
                          const config::source& rule);

  // ---- simple commands (helo.cpp, starttls.cpp, vrfy_etrn.cpp)
  task<> cmd_helo(std::string_view arg);
  task<> cmd_ehlo(std::string_view arg);
  void greet(std::string_view arg, bool extended);
  task<> cmd_help(std::string_view arg);
  task<> cmd_noop(std::string_view arg);
  task<> cmd_rset(std::string_view arg);
  task<> cmd_quit(std::string_view arg);
  task<> cmd_vrfy(std::string_view arg);
  task<> cmd_etrn(std::string_view arg);
  task<> cmd_starttls(std::string_view arg);

  // ---- authentication (auth.cpp)
  task<> cmd_auth(std::string_view arg);
  std::vector<std::string> advertised_mechanisms() const;
  task<> plain_credentials(std::string decoded);
  task<> finish_auth(std::string user, std::string secret, std::string digest);

  // ---- sender (mail.cpp)
  task<> cmd_mail(std::string_view arg);
  task<> pop3_before_smtp();
  std::optional<std::int64_t> size_limit_kb() const;

  // ---- recipients (rcpt.cpp: syntax and dispatch; rcpt_local.cpp; rcpt_remote.cpp)
  task<> cmd_rcpt(std::string_view arg);
  rcpt_verdict rcpt_cmdalias(recipient& r, const std::string& user, const std::string& domain,
                             const std::string& input);
  task<rcpt_verdict> rcpt_local(recipient& r, const std::string& user, const std::string& domain,
                                const std::string& real_domain, const config::domain_entry& local,
                                const std::string& input);
  const config::account* rcpt_alias(const std::string& user, const std::string& domain,
                                    const std::string& real_domain, const std::string& input, bool& refused);
  task<rcpt_verdict> rcpt_account(recipient& r, const config::account& acct, const std::string& input);
  rcpt_verdict rcpt_mailing_list(recipient& r, const config::account& acct, const config::account_files& data,
                                 const std::string& input);
  rcpt_verdict rcpt_remote(recipient& r, const std::string& domain, const std::string& input);
  void rcpt_gateway(recipient& r, const std::string& domain, const std::string& input);
  bool relay_allowed(std::string& why, config::source& rule) const;
  task<> accept_rcpt(recipient r);

  // ---- message (data.cpp, filters.cpp)
  task<> cmd_data(std::string_view arg);
  std::string filter_file_content(bool with_message, const std::string& message) const;
  std::map<std::string, std::string> filter_macros(const recipient* current) const;
  task<bool> run_filters(config::smtp_filter_hook hook, const recipient* current, std::string* message);
  std::string received_header(const recipient& r, std::int64_t now_s) const;
  std::string message_ref() const;

  using handler = task<> (session::*)(std::string_view);
  struct command_row {
    std::string_view verb;
    handler run;
    unsigned valid;  // bit per smtp_state the command is valid in; any_state: always
  };
  static const command_row* find_command(std::string_view verb);

  std::shared_ptr<const config::mailroot> root_ptr;  // the snapshot this session pinned
  const config::mailroot& root;
  const config::server_config& cfg;
  smtp_settings settings;
  endpoint client;
  endpoint server;
  std::optional<ip_address> client_ip;

  input_mode mode = input_mode::command;
  smtp_state state = smtp_state::init;
  command_reader commands;
  std::unique_ptr<data_reader> data;
  sasl_exchange sasl;
  std::string greeting_token;

  // connection
  std::string helo_name;
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
};

}  // namespace mailflow::smtp
