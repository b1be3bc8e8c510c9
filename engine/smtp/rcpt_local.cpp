// RCPT TO a local domain (domains.tab): a real account beats an alias of the
// same name; an alias resolves one level, to a local account only [013];
// then ReceiveEnable, and MaxMBSize for a user account or the posting check
// of a mailing list (behaviour notes, "Order of checks" and "Matching").
#include "core/text.hpp"
#include "smtp/replies.hpp"
#include "smtp/session.hpp"

namespace mailflow::smtp {

task<rcpt_verdict> session::rcpt_local(recipient& r, const std::string& user, const std::string& domain,
                                       const std::string& real_domain, const config::domain_entry& local,
                                       const std::string& input) {
  decide(stage::rcpt_local, real_domain, outcome::accept, "local domain", {}, local.src);
  bool refused = false;
  const config::account* acct = root.find_account(user, real_domain);
  if (!acct) acct = rcpt_alias(user, domain, real_domain, input, refused);
  if (refused) co_return rcpt_verdict::refused;
  if (!acct) {
    std::string text = "550 Mailbox unavailable <" + r.quoted + ">";
    decide(stage::rcpt_account, input, outcome::reject, "no such account or alias", text);
    reply(text);
    co_return rcpt_verdict::refused;
  }
  r.real = acct->address();
  co_return co_await rcpt_account(r, *acct, input);
}

// aliases.tab: exact beats wildcard, the longest wildcard wins; the target must be a local account.
const config::account* session::rcpt_alias(const std::string& user, const std::string& domain,
                                           const std::string& real_domain, const std::string& input, bool& refused) {
  const config::alias_entry* alias = root.find_alias(user, real_domain);
  if (!alias && real_domain != domain) alias = root.find_alias(user, domain);
  if (!alias) return nullptr;
  auto [tu, td] = root.alias_target(*alias, real_domain);
  const config::account* acct = root.find_account(tu, td);
  if (!acct) {
    std::string text = "550 Mailbox unavailable <" + user + "@" + domain + ">";
    decide(stage::rcpt_alias, input, outcome::reject, "alias target " + tu + "@" + td + " is not a local account",
           text, alias->src);
    reply(text);
    refused = true;
    return nullptr;
  }
  decide(stage::rcpt_alias, input, outcome::rewrite, "alias of " + acct->address(), {}, alias->src);
  return acct;
}

task<rcpt_verdict> session::rcpt_account(recipient& r, const config::account& acct, const std::string& input) {
  auto files = root.account_data(acct);
  if (!files->flag("ReceiveEnable", true)) {
    std::string text = "550 Account disabled <" + r.quoted + ">";
    decide(stage::rcpt_account, input, outcome::reject, "ReceiveEnable is 0", text, acct.src);
    reply(text);
    co_return rcpt_verdict::refused;
  }
  if (acct.type != config::account_type::user) co_return rcpt_mailing_list(r, acct, *files, input);

  r.kind = rcpt_kind::account;
  std::int64_t max_kb = files->number("MaxMBSize", 0);
  auto usage = co_await ask<mailbox_usage_query>(acct.folder(), max_kb > 0);
  // XMail answers 552 when the account folder has neither Maildir/ nor mailbox/
  if (!usage.exists || (max_kb > 0 && usage.bytes > static_cast<std::uint64_t>(max_kb) * 1024)) {
    decide(stage::rcpt_account, input, outcome::reject,
           usage.exists ? "mailbox holds " + std::to_string(usage.bytes) + " bytes, MaxMBSize " +
                              std::to_string(max_kb) + " KB"
                        : acct.folder() + " has neither Maildir/ nor mailbox/",
           std::string(replies::mailbox_full) + " - <" + r.quoted + ">", acct.src);
    reply(std::string(replies::mailbox_full) + " - <" + r.quoted + ">");
    co_return rcpt_verdict::refused;
  }
  decide(stage::rcpt_account, input, outcome::accept, "account " + acct.address(), {}, acct.src);
  co_return rcpt_verdict::accepted;
}

// A mailing list: open, or ClosedML, where the sender (W) or the authenticated user (A) must be a subscriber.
rcpt_verdict session::rcpt_mailing_list(recipient& r, const config::account& acct, const config::account_files& files,
                                        const std::string& input) {
  r.kind = rcpt_kind::mailing_list;
  if (!files.flag("ClosedML", false)) {
    decide(stage::rcpt_mailing_list, input, outcome::accept, "open list " + acct.address(), {}, acct.src);
    return rcpt_verdict::accepted;
  }
  for (auto& m : files.members) {
    // upper case only: XMail looks for 'W' and 'A' as they are (UsrMLCheckUserPost)
    bool w = m.perms.find('W') != std::string::npos;
    bool a = m.perms.find('A') != std::string::npos;
    if ((w && iequals(m.address, tx.from)) || (a && auth.authenticated && iequals(m.address, auth.login))) {
      decide(stage::rcpt_mailing_list, input, outcome::accept, "ClosedML: posted by subscriber " + m.address, {},
             m.src);
      return rcpt_verdict::accepted;
    }
  }
  auto closed_line = files.vars.find("ClosedML");
  std::string text = "557 Access denied <" + r.quoted + "> for user <" + tx.from + ">";
  decide(stage::rcpt_mailing_list, input, outcome::reject, "ClosedML: sender is not a subscriber with W or A", text,
         closed_line ? closed_line->src : config::source{});
  reply(text);
  return rcpt_verdict::refused;
}

}  // namespace mailflow::smtp
