// MAIL FROM with its checks in XMail 1.27's order (behaviour notes, "Order of
// checks"): WantTLS -> syntax and null sender -> CheckMailerDomain ->
// spam-address.tab -> POP3-before-SMTP -> SIZE -> flagged IP -> MailAuth.
#include "core/text.hpp"
#include "smtp/replies.hpp"
#include "smtp/session.hpp"

namespace mailflow::smtp {

std::optional<std::int64_t> session::size_limit_kb() const {
  // the user's MaxMessageSize is applied after the permissions, so it overrides Z (behaviour notes)
  if (auth.authenticated && auth.max_message_size_kb && *auth.max_message_size_kb > 0) return auth.max_message_size_kb;
  if (auth.authenticated && auth.perms.no_size_limit) return std::nullopt;
  if (cfg.max_message_size_kb > 0) return cfg.max_message_size_kb;
  return std::nullopt;
}

// POP3-before-SMTP: a recent POP3 login from this IP authenticates the session (manual: EnableAuthSMTP-POP3, -Se)
task<> session::pop3_before_smtp() {
  auto login = co_await ask<pop3_login_query>(client.ip);
  auto& last = login.last_login_ms;
  std::int64_t now = now_ms();
  if (last && now - *last <= static_cast<std::int64_t>(settings.pop3_auth_expire_seconds) * 1000) {
    auth.authenticated = true;
    delay_seconds = 0;  // as any login applies permissions (SMTPApplyPerms)
    auth.via = "pop3-before-smtp";
    auth.perms = config::smtp_perms::parse(cfg.default_smtp_perms);
    decide(stage::auth_pop3_before_smtp, client.ip, outcome::accept,
           "POP3 login " + std::to_string((now - *last) / 1000) + " s ago (expiry " +
               std::to_string(settings.pop3_auth_expire_seconds) + " s); permissions " + auth.perms.to_string());
  } else {
    decide(stage::auth_pop3_before_smtp, client.ip, outcome::pass, last ? "POP3 login expired" : "no POP3 login");
  }
}

task<> session::cmd_mail(std::string_view arg) {
  // SmtpConfig WantTLS (EaseTLS in smtp.ipprop.tab or the S permission ease it)
  if (smtp_config.want_tls && !tls_active && !props.ease_tls.value_or(false) &&
      !(auth.authenticated && auth.perms.ease_tls)) {
    decide(stage::mail_policy, std::string(arg), outcome::reject,
           smtp_config.origin + " has WantTLS and the link is clear-text", std::string(replies::need_tls),
           cfg.origin(smtp_config.origin));
    reply(std::string(replies::need_tls));
    co_return;
  }
  parsed_path path;
  if (!parse_path(arg, path)) {
    std::string text = std::string(replies::syntax_params) + ": (" + std::to_string(path.error) + ")";
    decide(stage::mail_policy, std::string(arg), outcome::reject, "reverse path does not parse", text);
    reset_transaction();
    reply(text);
    co_return;
  }
  const std::string sender = path.null_path() ? std::string() : path.parts.front();
  std::string input = "<" + sender + ">";
  if (path.null_path() && !cfg.allow_null_sender) {
    decide(stage::mail_policy, input, outcome::reject, "AllowNullSender is 0", std::string(replies::bad_return_path),
           cfg.origin("AllowNullSender"));
    reply(std::string(replies::bad_return_path));
    co_return;
  }
  // a source route's first part is a hop, which is no sender
  if (!path.null_path() && !valid_mailbox(sender)) {
    decide(stage::mail_policy, "<" + path.text + ">", outcome::reject,
           path.source_routed() ? "source-routed reverse path" : "reverse path is not local@domain",
           std::string(replies::bad_return_path));
    reply(std::string(replies::bad_return_path));
    co_return;
  }

  // CheckMailerDomain: the sender's domain needs an MX or A record (SenderDomainCheck=0 bypasses it)
  if (!cfg.check_mailer_domain || path.null_path()) {
    decide(stage::mail_sender_domain, input, outcome::skip,
           path.null_path() ? "null sender" : "CheckMailerDomain is off");
  } else if (props.sender_domain_check && !*props.sender_domain_check) {
    decide(stage::mail_sender_domain, input, outcome::skip, "SenderDomainCheck=0 for this client");
  } else {
    auto domain = split_address(sender).second;
    auto mx = co_await ask<dns_query>(dns_type::mx, domain);
    bool found = mx.result == dns_answer::status::ok && !mx.records.empty();
    if (!found) {
      auto a = co_await ask<dns_query>(dns_type::a, domain);
      found = a.result == dns_answer::status::ok && !a.records.empty();
    }
    if (!found) {
      decide(stage::mail_sender_domain, input, outcome::reject, domain + " has no MX or A record",
             std::string(replies::no_dns_domain), cfg.origin("CheckMailerDomain"));
      reply(std::string(replies::no_dns_domain));
      co_return;
    }
    decide(stage::mail_sender_domain, input, outcome::pass, domain + " resolves", {}, cfg.origin("CheckMailerDomain"));
  }

  if (auto spam = path.null_path() ? nullptr : root.find_spam_address(sender)) {
    std::string text = cfg.smtp_msg_ipban_spam_address.value_or(std::string(replies::spammer_address));
    decide(stage::mail_spam_address, input, outcome::reject, "sender matches " + spam->pattern, text, spam->src);
    reply(text);  // SMTPSendError: CustomSMTPMessage is appended to the configured text too
    co_return;
  }
  decide(stage::mail_spam_address, input, outcome::pass, "not listed");

  // XMail accepts the null sender before POP3-before-SMTP and SIZE are looked at (SMTPCheckReturnPath)
  if (!auth.authenticated && cfg.enable_auth_smtp_pop3 && !path.null_path()) co_await pop3_before_smtp();

  auto limit = size_limit_kb();
  if (path.null_path()) {
    decide(stage::mail_size, path.size ? "SIZE=" + std::to_string(*path.size) : "no SIZE", outcome::skip,
           "null sender: SIZE is not checked");
  } else if (path.size && limit && *path.size > static_cast<std::uint64_t>(*limit) * 1024) {
    decide(stage::mail_size, "SIZE=" + std::to_string(*path.size), outcome::reject,
           "over the limit of " + std::to_string(*limit) + " KB", std::string(replies::too_big),
           auth.max_message_size_kb ? config::source{} : cfg.origin("MaxMessageSize"));
    reply(std::string(replies::too_big));
    co_return;
  } else {
    decide(stage::mail_size, path.size ? "SIZE=" + std::to_string(*path.size) : "no SIZE", outcome::pass,
           limit ? "limit " + std::to_string(*limit) + " KB" : "no limit");
  }

  if ((flagged_ip || rdns_failed) && !auth.authenticated) {
    // one text for every flag; SmtpMsgIPBanSpammers replaces it for spammers.tab (SMTPHandleCmd_MAIL)
    std::string text = flagged_by == "spammers.tab" && cfg.smtp_msg_ipban_spammers ? *cfg.smtp_msg_ipban_spammers
                                                                                   : std::string(replies::ip_forbidden);
    decide(stage::mail_policy, input, outcome::reject,
           flagged_ip ? "client flagged by " + flagged_by + " and not authenticated"
                      : "no reverse DNS (SMTP-RDNSCheck) and not authenticated",
           text);
    reply(text);
    co_return;
  }
  if (smtp_config.mail_auth && !auth.authenticated && !props.no_auth.value_or(false)) {
    decide(stage::mail_policy, input, outcome::reject, smtp_config.origin + " has MailAuth",
           std::string(replies::use_forbidden), cfg.origin(smtp_config.origin));
    reply(std::string(replies::use_forbidden));
    co_return;
  }
  decide(stage::mail_policy, input, outcome::accept, auth.authenticated ? "authenticated as " + auth.login : "accepted");

  auto number = co_await ask<message_number_request>();
  tx = transaction{};
  tx.active = true;
  tx.from = sender;
  tx.received_from = path.last_bracketed;
  tx.limit_kb = limit;
  tx.number = number.value;
  state = smtp_state::mail;
  reply(std::string(replies::ok));
}

}  // namespace mailflow::smtp
