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
  // one word, a plain user@domain (SMTPHandleCmd_VRFY: USmtpSplitEmailAddr);
  // "<a@b>", quoted local parts, source routes, "a@b c" answer 501 [039, 103, helo/09]
  if (!one_word(arg) || !valid_mailbox(arg)) {
    reply(std::string(replies::syntax_params));
    co_return;
  }
  auto [user, domain] = split_address(arg);
  // an account or alias first (UsrGetUserByNameOrAlias, alias domains resolved),
  // then a cmdalias of the domain as typed
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
  if (acct) {
    // UsrGetUserInfoVar(pUI, "RealName", "Unknown")
    auto files = root.account_data(*acct);
    reply("250 " + files->var("RealName").value_or("Unknown") + " <" + acct->address() + ">");
    co_return;
  }
  if (root.cmd_alias(user, domain)) {
    reply("250 Local account <" + std::string(arg) + ">");
    co_return;
  }
  reply(std::string(replies::vrfy_no_match));
}

task<> session::cmd_etrn(std::string_view arg) {
  bool enabled = cfg.allow_smtp_etrn || props.enable_etrn.value_or(false) || (auth.authenticated && auth.perms.etrn);
  if (!enabled) {
    reply(std::string(replies::etrn_disabled));
    co_return;
  }
  // exactly one word (SMTPHandleCmd_ETRN: StrTokenize == 2): "ETRN a b", "ETRN\tx" answer 501
  if (!one_word(arg)) {
    reply(std::string(replies::syntax_params));
    co_return;
  }
  note(session_note{note_kind::etrn, std::string(arg)});
  reply("250 Queueing for '" + std::string(arg) + "' has been started");
}

}  // namespace mailflow::smtp
