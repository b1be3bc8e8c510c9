// RCPT TO a domain that is not local: relaying by the R permission, then
// custom domain processing (custdomains/), then smtprelay.tab; an accepted
// remote recipient may be rewritten by smtpgw.tab (behaviour notes, "Order of
// checks"; manual: SMTPRELAY.TAB, CUSTOM DOMAIN MAIL PROCESSING, SMTPGW.TAB).
#include "smtp/replies.hpp"
#include "smtp/session.hpp"

namespace mailflow::smtp {

bool session::relay_allowed(std::string& why, config::source& rule) const {
  if (auth.authenticated && auth.perms.relay) {
    why = "authenticated (" + auth.via + ") with R permission";
    return true;
  }
  if (client_ip) {
    if (auto r = root.find_relay(*client_ip)) {
      why = "client IP in smtprelay.tab";
      rule = r->src;
      return true;
    }
  }
  return false;
}

rcpt_verdict session::rcpt_remote(recipient& r, const std::string& domain, const std::string& input) {
  std::string why;
  config::source rule;
  if (auth.authenticated && auth.perms.relay) {
    r.kind = rcpt_kind::remote;
    decide(stage::rcpt_relay, input, outcome::accept, "authenticated (" + auth.via + ") with R permission");
  } else if (auto cust = root.custom_domain(domain)) {
    r.kind = rcpt_kind::custdomain;
    decide_rule(stage::rcpt_custdomain, input, outcome::accept, "custom domain processing", {},
                rule_ref{cust->file->path(), 0, ""});
    return rcpt_verdict::accepted;
  } else if (relay_allowed(why, rule)) {
    r.kind = rcpt_kind::remote;
    decide(stage::rcpt_relay, input, outcome::accept, why, {}, rule);
  } else {
    decide(stage::rcpt_relay, input, outcome::reject,
           auth.authenticated ? "authenticated without R permission, IP not in smtprelay.tab"
                              : "not authenticated, IP not in smtprelay.tab",
           std::string(replies::relay_denied));
    reply(std::string(replies::relay_denied));
    return rcpt_verdict::refused;
  }
  rcpt_gateway(r, domain, input);
  return rcpt_verdict::accepted;
}

// smtpgw.tab rewrites the stored recipient into a source route; that copy carries no Received: [077]
void session::rcpt_gateway(recipient& r, const std::string& domain, const std::string& input) {
  auto gw = root.find_smtpgw(domain);
  if (!gw) return;
  r.stored = gw->route + ":" + r.typed;
  r.with_received = false;
  decide(stage::rcpt_relay, input, outcome::rewrite, "smtpgw.tab routes it as <" + r.stored + ">", {}, gw->src);
}

}  // namespace mailflow::smtp
