// VRFY and ETRN (manual: SMTP COMMANDS, AllowSmtpVRFY, AllowSmtpETRN; the V
// and T permissions; smtp.ipprop.tab EnableVRFY/EnableETRN).
#include "core/text.hpp"
#include "smtp/replies.hpp"
#include "smtp/session.hpp"

namespace mailflow::smtp {

task<> session::cmd_vrfy(std::string_view arg) {
  bool enabled = cfg.allow_smtp_vrfy || props.enable_vrfy.value_or(false) || (auth.authenticated && auth.perms.vrfy);
  if (!enabled) {
    reply(std::string(replies::vrfy_disabled));
    co_return;
  }
  // XMail wants a bare user@domain: no argument, no domain or <...> answer 501 [039, 103]
  if (arg.empty() || arg.find('<') != std::string_view::npos || arg.find('@') == std::string_view::npos) {
    reply(std::string(replies::syntax_params));
    co_return;
  }
  auto [user, domain] = split_address(arg);
  if (root.cmd_alias(user, domain)) {
    reply("250 Local account <" + std::string(arg) + ">");
    co_return;
  }
  std::string real_domain = domain;
  if (!root.find_domain(domain))
    if (auto ad = root.find_alias_domain(domain); ad && root.find_domain(ad->target)) real_domain = ad->target;
  const config::account* acct = nullptr;
  if (root.find_domain(real_domain)) {
    acct = root.find_account(user, real_domain);
    if (!acct) {
      if (auto alias = root.find_alias(user, real_domain)) {
        auto [tu, td] = root.alias_target(*alias, real_domain);
        acct = root.find_account(tu, td);
      }
    }
  }
  if (!acct) {
    reply(std::string(replies::vrfy_no_match));
    co_return;
  }
  auto files = root.account_data(*acct);
  std::string name = files->var("RealName").value_or(acct->name);
  reply("250 " + name + " <" + acct->address() + ">");
}

task<> session::cmd_etrn(std::string_view arg) {
  bool enabled = cfg.allow_smtp_etrn || props.enable_etrn.value_or(false) || (auth.authenticated && auth.perms.etrn);
  if (!enabled) {
    reply(std::string(replies::etrn_disabled));
    co_return;
  }
  if (arg.empty()) {
    reply(std::string(replies::syntax_params));
    co_return;
  }
  note(session_note{note_kind::etrn, std::string(arg)});
  reply("250 Queueing for '" + std::string(arg) + "' has been started");
}

}  // namespace mailflow::smtp
