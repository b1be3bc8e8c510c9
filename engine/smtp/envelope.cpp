// MAIL FROM and RCPT TO, with their checks in XMail 1.27's order
// (../shared/reference/xmail-behaviour.md, "Order of checks"):
//   MAIL: WantTLS -> syntax and null sender -> CheckMailerDomain ->
//         spam-address.tab -> POP3-before-SMTP -> SIZE -> flagged IP -> MailAuth
//   RCPT: recipient limit -> syntax -> cmdaliases -> local domain -> account
//         before alias -> ReceiveEnable -> MaxMBSize or list posting ->
//         relay (R permission, custdomains, smtprelay.tab) -> post-rcpt filter
#include <dirent.h>
#include <sys/stat.h>

#include <filesystem>

#include "core/text.hpp"
#include "smtp/replies.hpp"
#include "smtp/session_impl.hpp"

namespace mailflow::smtp {

namespace {

bool is_directory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// Sum of the regular files in one folder (dot files ignored, as Maildir readers do).
std::uint64_t folder_bytes(const std::string& dir) {
  std::uint64_t total = 0;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return 0;
  int fd = ::dirfd(d);
  while (auto* e = ::readdir(d)) {
    if (e->d_name[0] == '.') continue;
    struct stat st {};
    if (::fstatat(fd, e->d_name, &st, 0) == 0 && S_ISREG(st.st_mode)) total += static_cast<std::uint64_t>(st.st_size);
  }
  ::closedir(d);
  return total;
}

// Bytes stored in a Maildir (new + cur) or mailbox folder; nullopt when the
// account folder has neither (XMail then answers 552 to every RCPT). The size
// is only summed when a MaxMBSize applies.
std::optional<std::uint64_t> mailbox_bytes(const std::string& folder, bool need_size) {
  if (is_directory(folder + "/Maildir")) {
    if (!need_size) return 0;
    return folder_bytes(folder + "/Maildir/new") + folder_bytes(folder + "/Maildir/cur");
  }
  if (is_directory(folder + "/mailbox")) return need_size ? folder_bytes(folder + "/mailbox") : 0;
  return std::nullopt;
}

}  // namespace

std::optional<std::int64_t> smtp_session::impl::size_limit_kb() const {
  // the user's MaxMessageSize is applied after the permissions, so it overrides Z (behaviour notes)
  if (auth.authenticated && auth.max_message_size_kb && *auth.max_message_size_kb > 0) return auth.max_message_size_kb;
  if (auth.authenticated && auth.perms.no_size_limit) return std::nullopt;
  if (cfg.max_message_size_kb > 0) return cfg.max_message_size_kb;
  return std::nullopt;
}

void smtp_session::impl::cmd_mail(std::string_view arg) {
  if (!helo_done || tx.active) {
    reset_transaction();
    reply(std::string(replies::bad_sequence));
    return;
  }
  // SmtpConfig WantTLS (EaseTLS in smtp.ipprop.tab or the S permission ease it)
  if (smtp_config.want_tls && !tls_active && !props.ease_tls.value_or(false) && !(auth.authenticated && auth.perms.ease_tls)) {
    decide(stage::mail_policy, std::string(arg), outcome::reject, smtp_config.origin + " has WantTLS and the link is clear-text",
           std::string(replies::need_tls), cfg.origin(smtp_config.origin));
    reply(std::string(replies::need_tls));
    return;
  }
  parsed_path path;
  auto err = parse_path_argument(arg, "FROM", path);
  if (err == path_error::no_keyword) {
    decide(stage::mail_policy, std::string(arg), outcome::reject, "expected FROM:<address>", std::string(replies::syntax_params));
    reply(std::string(replies::syntax_params));
    return;
  }
  if (err != path_error::none || path.source_routed) {
    decide(stage::mail_policy, std::string(arg), outcome::reject,
           path.source_routed ? "source-routed reverse path" : "reverse path does not parse",
           std::string(replies::bad_return_path));
    reply(std::string(replies::bad_return_path));
    return;
  }
  std::string input = "<" + path.address + ">";
  if (path.address.empty() && !cfg.allow_null_sender) {
    decide(stage::mail_policy, input, outcome::reject, "AllowNullSender is 0", std::string(replies::bad_return_path),
           cfg.origin("AllowNullSender"));
    reply(std::string(replies::bad_return_path));
    return;
  }

  // CheckMailerDomain: the sender's domain needs an MX or A record (SenderDomainCheck=0 bypasses it)
  if (!cfg.check_mailer_domain || path.address.empty()) {
    decide(stage::mail_sender_domain, input, outcome::skip,
           path.address.empty() ? "null sender" : "CheckMailerDomain is off");
  } else if (props.sender_domain_check && !*props.sender_domain_check) {
    decide(stage::mail_sender_domain, input, outcome::skip, "SenderDomainCheck=0 for this client");
  } else {
    auto domain = split_address(path.address).second;
    auto mx = env.dns.lookup(dns_type::mx, domain);
    bool found = mx.result == dns_answer::status::ok && !mx.records.empty();
    if (!found) {
      auto a = env.dns.lookup(dns_type::a, domain);
      found = a.result == dns_answer::status::ok && !a.records.empty();
    }
    if (!found) {
      decide(stage::mail_sender_domain, input, outcome::reject, domain + " has no MX or A record",
             std::string(replies::no_dns_domain), cfg.origin("CheckMailerDomain"));
      reply(std::string(replies::no_dns_domain));
      return;
    }
    decide(stage::mail_sender_domain, input, outcome::pass, domain + " resolves", {}, cfg.origin("CheckMailerDomain"));
  }

  if (auto spam = path.address.empty() ? nullptr : root.find_spam_address(path.address)) {
    std::string text = cfg.smtp_msg_ipban_spam_address.value_or(std::string(replies::spammer_address));
    decide(stage::mail_spam_address, input, outcome::reject, "sender matches " + spam->pattern, text, spam->src);
    reply(text, !cfg.smtp_msg_ipban_spam_address);
    return;
  }
  decide(stage::mail_spam_address, input, outcome::pass, "not listed");

  // POP3-before-SMTP: a recent POP3 login from this IP authenticates the session
  if (!auth.authenticated && cfg.enable_auth_smtp_pop3 && env.pop3_logins) {
    auto last = env.pop3_logins->last_login_ms(client.ip);
    std::int64_t now = env.clock.now_ms();
    if (last && now - *last <= static_cast<std::int64_t>(settings.pop3_auth_expire_seconds) * 1000) {
      auth.authenticated = true;
      auth.via = "pop3-before-smtp";
      auth.perms = config::smtp_perms::parse(cfg.default_smtp_perms);
      decide(stage::auth_pop3_before_smtp, client.ip, outcome::accept,
             "POP3 login " + std::to_string((now - *last) / 1000) + " s ago (expiry " +
                 std::to_string(settings.pop3_auth_expire_seconds) + " s); permissions " + auth.perms.to_string());
    } else {
      decide(stage::auth_pop3_before_smtp, client.ip, outcome::pass, last ? "POP3 login expired" : "no POP3 login");
    }
  }

  auto limit = size_limit_kb();
  if (path.size && limit && *path.size > static_cast<std::uint64_t>(*limit) * 1024) {
    decide(stage::mail_size, "SIZE=" + std::to_string(*path.size), outcome::reject,
           "over the limit of " + std::to_string(*limit) + " KB", std::string(replies::too_big),
           auth.max_message_size_kb ? config::source{} : cfg.origin("MaxMessageSize"));
    reply(std::string(replies::too_big));
    return;
  }
  decide(stage::mail_size, path.size ? "SIZE=" + std::to_string(*path.size) : "no SIZE", outcome::pass,
         limit ? "limit " + std::to_string(*limit) + " KB" : "no limit");

  if ((flagged_ip || rdns_failed) && !auth.authenticated) {
    std::string text(flagged_ip ? replies::ip_forbidden : replies::use_forbidden);
    decide(stage::mail_policy, input, outcome::reject,
           flagged_ip ? "client flagged by " + flagged_by + " and not authenticated"
                      : "no reverse DNS (SMTP-RDNSCheck) and not authenticated",
           text);
    reply(text);
    return;
  }
  if (smtp_config.mail_auth && !auth.authenticated && !props.no_auth.value_or(false)) {
    decide(stage::mail_policy, input, outcome::reject, smtp_config.origin + " has MailAuth",
           std::string(replies::use_forbidden), cfg.origin(smtp_config.origin));
    reply(std::string(replies::use_forbidden));
    return;
  }
  decide(stage::mail_policy, input, outcome::accept, auth.authenticated ? "authenticated as " + auth.login : "accepted");

  tx = transaction{};
  tx.active = true;
  tx.from = path.address;
  tx.received_from = path.last_bracketed;
  tx.limit_kb = limit;
  tx.number = env.spool.next_message_number();
  reply(std::string(replies::ok));
}

bool smtp_session::impl::relay_allowed(std::string& why, config::source& rule) const {
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

void smtp_session::impl::cmd_rcpt(std::string_view arg) {
  if (!tx.active) {
    reset_transaction();
    reply(std::string(replies::bad_sequence));
    return;
  }
  // the recipient limit comes first: the 101st RCPT gets 552 whatever it says [045]
  if (tx.rcpts.size() >= static_cast<std::size_t>(settings.max_recipients)) {
    decide(stage::rcpt_limit, std::string(arg), outcome::reject,
           "limit of " + std::to_string(settings.max_recipients) + " recipients (-Sr)", std::string(replies::too_many_rcpts));
    reply(std::string(replies::too_many_rcpts));
    return;
  }
  parsed_path path;
  auto err = parse_path_argument(arg, "TO", path);
  if (err == path_error::no_keyword || err == path_error::bad_path || (path.address.empty() && !path.source_routed)) {
    // a RCPT path that does not parse resets the transaction [013]
    std::string text(err == path_error::no_keyword ? replies::syntax_params : replies::bad_path_132);
    decide(stage::rcpt_syntax, std::string(arg), outcome::reject, "forward path does not parse", text);
    reset_transaction();
    reply(text);
    return;
  }
  std::string typed = path.address;
  std::string input = "<" + typed + ">";
  if (path.source_routed) {
    std::string why;
    config::source rule;
    std::string text(relay_allowed(why, rule) ? replies::bad_forward_path : replies::relay_denied);
    decide(stage::rcpt_syntax, "<" + path.route + ":" + typed + ">", outcome::reject, "source-routed forward path", text,
           rule);
    reply(text);
    return;
  }
  decide(stage::rcpt_syntax, input, outcome::pass, "valid mailbox");

  auto [user, domain] = split_address(typed);
  recipient r;
  r.typed = typed;
  r.real = typed;
  r.stored = typed;

  auto accept = [&] {
    // post-rcpt filters: a rejection answers the .rej line or 550 and keeps the transaction [026]
    if (!root.smtp_filters(config::smtp_filter_hook::post_rcpt).empty()) {
      if (!run_filters(config::smtp_filter_hook::post_rcpt, &r, nullptr)) return;
    }
    tx.rcpts.push_back(r);
    reply(std::string(replies::ok));
  };

  // cmdaliases/DOMAIN/USER.tab
  if (auto cmd = root.cmd_alias(user, domain)) {
    r.kind = rcpt_kind::cmdalias;
    decide_rule(stage::rcpt_cmdalias, input, outcome::accept, "command alias", {},
                rule_ref{cmd->file->path(), 0, ""});
    accept();
    return;
  }

  // local domain, directly or through aliasdomain.tab
  std::string real_domain = domain;
  const config::domain_entry* local = root.find_domain(domain);
  if (!local) {
    if (auto ad = root.find_alias_domain(domain)) {
      if (auto target = root.find_domain(ad->target)) {
        real_domain = ad->target;
        local = target;
        decide(stage::rcpt_domain_alias, domain, outcome::rewrite, domain + " is an alias of " + ad->target, {}, ad->src);
        if (auto cmd = root.cmd_alias(user, real_domain)) {
          r.kind = rcpt_kind::cmdalias;
          r.real = user + "@" + real_domain;
          decide_rule(stage::rcpt_cmdalias, input, outcome::accept, "command alias", {},
                      rule_ref{cmd->file->path(), 0, ""});
          accept();
          return;
        }
      } else {
        decide(stage::rcpt_domain_alias, domain, outcome::pass, "alias of " + ad->target + ", which is not local", {},
               ad->src);
      }
    }
  }

  if (local) {
    decide(stage::rcpt_local, real_domain, outcome::accept, "local domain", {}, local->src);
    // a real account beats an alias of the same name; an alias resolves one level, to a local account only [013]
    const config::account* acct = root.find_account(user, real_domain);
    if (!acct) {
      const config::alias_entry* alias = root.find_alias(user, real_domain);
      if (!alias && real_domain != domain) alias = root.find_alias(user, domain);
      if (alias) {
        auto [tu, td] = root.alias_target(*alias, real_domain);
        acct = root.find_account(tu, td);
        if (!acct) {
          std::string text = "550 Mailbox unavailable <" + typed + ">";
          decide(stage::rcpt_alias, input, outcome::reject, "alias target " + tu + "@" + td + " is not a local account",
                 text, alias->src);
          reply(text);
          return;
        }
        decide(stage::rcpt_alias, input, outcome::rewrite, "alias of " + acct->address(), {}, alias->src);
      }
    }
    if (!acct) {
      std::string text = "550 Mailbox unavailable <" + typed + ">";
      decide(stage::rcpt_account, input, outcome::reject, "no such account or alias", text);
      reply(text);
      return;
    }
    r.real = acct->address();
    auto data = root.account_data(*acct);
    if (!data->flag("ReceiveEnable", true)) {
      std::string text = "550 Mailbox unavailable <" + typed + ">";
      decide(stage::rcpt_account, input, outcome::reject, "ReceiveEnable is 0", text, acct->src);
      reply(text);
      return;
    }
    if (acct->type == config::account_type::user) {
      r.kind = rcpt_kind::account;
      std::int64_t max_kb = data->number("MaxMBSize", 0);
      auto used = mailbox_bytes(root.root().string() + "/" + acct->folder(), max_kb > 0);
      if (!used || (max_kb > 0 && *used > static_cast<std::uint64_t>(max_kb) * 1024)) {
        decide(stage::rcpt_account, input, outcome::reject,
               used ? "mailbox holds " + std::to_string(*used) + " bytes, MaxMBSize " + std::to_string(max_kb) + " KB"
                    : acct->folder() + " has neither Maildir/ nor mailbox/",
               std::string(replies::mailbox_full), acct->src);
        reply(std::string(replies::mailbox_full));
        return;
      }
      decide(stage::rcpt_account, input, outcome::accept, "account " + acct->address(), {}, acct->src);
    } else {
      r.kind = rcpt_kind::mailing_list;
      if (data->flag("ClosedML", false)) {
        // ClosedML: the sender (W) or the authenticated user (A) must be a subscriber
        bool allowed = false;
        const config::ml_member* by = nullptr;
        for (auto& m : data->members) {
          bool w = m.perms.find_first_of("Ww") != std::string::npos;
          bool a = m.perms.find_first_of("Aa") != std::string::npos;
          if ((w && iequals(m.address, tx.from)) || (a && auth.authenticated && iequals(m.address, auth.login))) {
            allowed = true;
            by = &m;
            break;
          }
        }
        if (!allowed) {
          decide(stage::rcpt_mailing_list, input, outcome::reject, "ClosedML: sender is not a subscriber with W or A",
                 std::string(replies::list_closed), data->vars.find("ClosedML") ? data->vars.find("ClosedML")->src : config::source{});
          reply(std::string(replies::list_closed));
          return;
        }
        decide(stage::rcpt_mailing_list, input, outcome::accept, "ClosedML: posted by subscriber " + by->address, {}, by->src);
      } else {
        decide(stage::rcpt_mailing_list, input, outcome::accept, "open list " + acct->address(), {}, acct->src);
      }
    }
    accept();
    return;
  }

  // a remote domain: R permission, then custdomains, then smtprelay.tab
  std::string why;
  config::source rule;
  if (auth.authenticated && auth.perms.relay) {
    r.kind = rcpt_kind::remote;
    decide(stage::rcpt_relay, input, outcome::accept, "authenticated (" + auth.via + ") with R permission");
  } else if (auto cust = root.custom_domain(domain)) {
    r.kind = rcpt_kind::custdomain;
    decide_rule(stage::rcpt_custdomain, input, outcome::accept, "custom domain processing",
                {}, rule_ref{cust->file->path(), 0, ""});
    accept();
    return;
  } else if (relay_allowed(why, rule)) {
    r.kind = rcpt_kind::remote;
    decide(stage::rcpt_relay, input, outcome::accept, why, {}, rule);
  } else {
    decide(stage::rcpt_relay, input, outcome::reject,
           auth.authenticated ? "authenticated without R permission, IP not in smtprelay.tab"
                              : "not authenticated, IP not in smtprelay.tab",
           std::string(replies::relay_denied));
    reply(std::string(replies::relay_denied));
    return;
  }
  // smtpgw.tab rewrites the stored recipient into a source route; that copy carries no Received: [077]
  if (auto gw = root.find_smtpgw(domain)) {
    r.stored = gw->route + ":" + typed;
    r.with_received = false;
    decide(stage::rcpt_relay, input, outcome::rewrite, "smtpgw.tab routes it as <" + r.stored + ">", {}, gw->src);
  }
  accept();
}

}  // namespace mailflow::smtp
