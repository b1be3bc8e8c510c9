// RCPT TO: the recipient limit, the path syntax, then the recipient's kind in
// XMail 1.27's order (behaviour notes, "Order of checks"): command alias,
// local domain (directly or through aliasdomain.tab: rcpt_local.cpp), or a
// remote domain (relay, custom domain, gateway: rcpt_remote.cpp). An accepted
// recipient then goes through the post-rcpt filters.
#include "core/text.hpp"
#include "smtp/replies.hpp"
#include "smtp/session.hpp"

namespace mailflow::smtp {

task<> session::cmd_rcpt(std::string_view arg) {
  // the recipient limit comes first: the 101st RCPT gets 552 whatever it says [045]
  if (tx.rcpts.size() >= static_cast<std::size_t>(settings.max_recipients)) {
    decide(stage::rcpt_limit, std::string(arg), outcome::reject,
           "limit of " + std::to_string(settings.max_recipients) + " recipients (-Sr)",
           std::string(replies::too_many_rcpts));
    reply(std::string(replies::too_many_rcpts));
    co_return;
  }
  parsed_path path;
  if (!parse_path(arg, path)) {
    // a RCPT path that does not parse resets the transaction [013]
    std::string text = std::string(replies::syntax_params) + ": (" + std::to_string(path.error) + ")";
    decide(stage::rcpt_syntax, std::string(arg), outcome::reject, "forward path does not parse", text);
    reset_transaction();
    reply(text);
    co_return;
  }
  // the recipient is the last part (SMTPCheckForwardPath)
  if (path.null_path() || !valid_mailbox(path.parts.back())) {
    decide(stage::rcpt_syntax, std::string(arg), outcome::reject,
           path.null_path() ? "null forward path" : "forward path is not local@domain",
           std::string(replies::bad_forward_path));
    reply(std::string(replies::bad_forward_path));
    co_return;
  }
  std::string typed = path.parts.back();
  std::string input = "<" + typed + ">";
  if (path.source_routed()) {
    std::string why;
    config::source rule;
    std::string text(relay_allowed(why, rule) ? replies::bad_forward_path : replies::relay_denied);
    decide(stage::rcpt_syntax, "<" + path.route() + ":" + typed + ">", outcome::reject, "source-routed forward path",
           text, rule);
    reply(text);
    co_return;
  }
  decide(stage::rcpt_syntax, input, outcome::pass, "valid mailbox");

  auto [user, domain] = split_address(typed);
  // XMail keeps each half in a 256-byte buffer (USmtpSplitEmailAddr, MAX_ADDR_NAME): longer ones are cut
  constexpr std::size_t max_addr_name = 255;
  user.resize(std::min(user.size(), max_addr_name));
  domain.resize(std::min(domain.size(), max_addr_name));
  recipient r;
  r.typed = typed;
  r.quoted = user + "@" + domain;
  r.real = typed;
  r.stored = typed;

  rcpt_verdict verdict = rcpt_cmdalias(r, user, domain, input);
  if (verdict == rcpt_verdict::next) {
    // a local domain, directly or through aliasdomain.tab
    std::string real_domain = domain;
    const config::domain_entry* local = root.find_domain(domain);
    if (!local) {
      if (auto ad = root.find_alias_domain(domain)) {
        if (auto target = root.find_domain(ad->target)) {
          real_domain = ad->target;
          local = target;
          decide(stage::rcpt_domain_alias, domain, outcome::rewrite, domain + " is an alias of " + ad->target, {},
                 ad->src);
          verdict = rcpt_cmdalias(r, user, real_domain, input);
        } else {
          decide(stage::rcpt_domain_alias, domain, outcome::pass, "alias of " + ad->target + ", which is not local",
                 {}, ad->src);
        }
      }
    }
    if (verdict == rcpt_verdict::next) {
      if (local)
        verdict = co_await rcpt_local(r, user, domain, real_domain, *local, input);
      else
        verdict = rcpt_remote(r, domain, input);
    }
  }
  if (verdict == rcpt_verdict::accepted) co_await accept_rcpt(std::move(r));
}

// cmdaliases/DOMAIN/USER.tab: the recipient is a command alias (manual: CMD ALIASES).
rcpt_verdict session::rcpt_cmdalias(recipient& r, const std::string& user, const std::string& domain,
                                    const std::string& input) {
  auto cmd = root.cmd_alias(user, domain);
  if (!cmd) return rcpt_verdict::next;
  r.kind = rcpt_kind::cmdalias;
  r.real = user + "@" + domain;
  decide_rule(stage::rcpt_cmdalias, input, outcome::accept, "command alias", {}, rule_ref{cmd->file->path(), 0, ""});
  return rcpt_verdict::accepted;
}

// post-rcpt filters: a rejection answers the .rej line or 550 and keeps the transaction [026]
task<> session::accept_rcpt(recipient r) {
  if (!root.smtp_filters(config::smtp_filter_hook::post_rcpt).empty()) {
    bool passed = co_await run_filters(config::smtp_filter_hook::post_rcpt, &r, nullptr);
    if (!passed) co_return;
  }
  tx.rcpts.push_back(std::move(r));
  state = smtp_state::rcpt;
  reply(std::string(replies::ok));
}

}  // namespace mailflow::smtp
