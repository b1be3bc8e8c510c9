// HELO and EHLO, and the commands that only answer: HELP, NOOP, RSET, QUIT
// (manual: SMTP COMMANDS; behaviour notes, "EHLO").
#include "core/text.hpp"
#include "smtp/replies.hpp"
#include "smtp/session.hpp"

namespace mailflow::smtp {

task<> session::cmd_ehlo(std::string_view arg) {
  greet(arg, true);
  co_return;
}

task<> session::cmd_helo(std::string_view arg) {
  greet(arg, false);
  co_return;
}

void session::greet(std::string_view arg, bool extended) {
  // exactly one word after the verb, words cut at spaces (SMTPHandleCmd_HELO/EHLO: StrTokenize == 2)
  if (!one_word(arg)) {
    reply(std::string(replies::syntax_params));
    return;
  }
  helo_name = std::string(arg);
  // without RootDomain XMail answers 451 with ERR_NO_ROOT_DOMAIN_VAR and stays
  // before HELO (SMTPHandleCmd_HELO/EHLO; recorded, scenarios/helo/12)
  if (!cfg.origin("RootDomain")) {
    decide(stage::helo, helo_name, outcome::reject, "no RootDomain in server.tab", std::string(replies::no_root_domain));
    reply(std::string(replies::no_root_domain));
    return;
  }
  state = smtp_state::helo;
  const std::string& name = cfg.root_domain;
  decide(stage::helo, helo_name, outcome::accept, extended ? "EHLO" : "HELO", "250 " + name);
  if (!extended) {
    reply("250 " + name);
    return;
  }
  // XMail's order and conditions [001]: VRFY and ETRN listed even when disabled
  std::vector<std::string> ext{name, "VRFY", "ETRN", "8BITMIME", "PIPELINING"};
  auto mechs = advertised_mechanisms();
  if (!mechs.empty()) ext.push_back("AUTH " + join(mechs, " "));
  ext.push_back(cfg.max_message_size_kb > 0 ? "SIZE " + std::to_string(cfg.max_message_size_kb * 1024) : "SIZE");
  if (cfg.enable_smtp_tls && !tls_active) ext.push_back("STARTTLS");
  std::vector<std::string> lines;
  for (std::size_t i = 0; i < ext.size(); ++i) lines.push_back((i + 1 < ext.size() ? "250-" : "250 ") + ext[i]);
  reply_lines(lines);
}

task<> session::cmd_help(std::string_view) {
  // SMTPHandleCmd_HELP: STARTTLS only while the link is not TLS yet, as in EHLO
  reply_lines({std::string("214-HELO EHLO MAIL RCPT DATA AUTH") + (cfg.enable_smtp_tls && !tls_active ? " STARTTLS" : ""),
               "214-RSET VRFY ETRN NOOP HELP QUIT", "214 For more information please visit : http://www.xmailserver.org"});
  co_return;
}

task<> session::cmd_noop(std::string_view) {
  reply(std::string(replies::ok));
  co_return;
}

task<> session::cmd_rset(std::string_view) {
  reset_transaction();
  reply(std::string(replies::ok));
  co_return;
}

task<> session::cmd_quit(std::string_view) {
  reset_transaction();
  reply("221 " + banner() + " service closing transmission channel");
  close();
  co_return;
}

}  // namespace mailflow::smtp
