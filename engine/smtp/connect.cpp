// The connection checks, in XMail 1.27's order (behaviour notes, "Order of
// checks"): smtp.ipprop.tab / smtp.hnprop.tab first (WhiteList=1 skips the IP
// checks [089]), then smtp.ipmap.tab, spammers.tab, the DNS lists
// (CustMapsList) and the reverse-DNS check (SMTP-RDNSCheck); then the 220
// greeting. A refusal sends its reply and closes the connection.
#include "core/text.hpp"
#include "smtp/session.hpp"

namespace mailflow::smtp {

namespace {
std::string reversed_ipv4(const ip_address& a) {
  return std::to_string(a.bytes[15]) + "." + std::to_string(a.bytes[14]) + "." + std::to_string(a.bytes[13]) + "." +
         std::to_string(a.bytes[12]);
}
}  // namespace

task<std::optional<std::string>> session::reverse_dns() {
  if (!ptr_looked_up) {
    ptr_looked_up = true;
    auto answer = co_await ask<dns_query>(dns_type::ptr, client.ip);
    if (answer.result == dns_answer::status::ok && !answer.records.empty()) ptr_name = answer.records.front();
  }
  co_return ptr_name;
}

void session::refuse_at_greeting(stage s, const std::optional<std::string>& custom, int xmail_error, std::string detail,
                                 const config::source& rule) {
  // SmtpMsgIPBan* texts are sent verbatim; otherwise XMail's 421 with its error number [020, 022, 024, 099]
  std::string text = custom ? *custom
                            : "421 " + banner() + " service not available (" + std::to_string(xmail_error) +
                                  "), closing transmission channel";
  decide(s, client.ip, outcome::drop, std::move(detail), text, rule);
  send(text + "\r\n");
  note(server_reply{{text}});
  close();
}

task<> session::connect_checks() {
  const std::string& ip = client.ip;
  greeting_token = "<" + std::to_string(now_ms() / 1000) + "." + std::to_string(settings.session_number) + "@" +
                   (cfg.smtp_server_domain.empty() ? std::string("localhost") : cfg.smtp_server_domain) + ">";

  // smtp.ipprop.tab and smtp.hnprop.tab come first: WhiteList skips the IP checks [089]
  if (client_ip) {
    if (auto p = root.find_ipprop(*client_ip)) {
      props = p->props;
      whitelisted = props.white_list.value_or(false);
      decide(stage::connect_ipprop, ip, whitelisted ? outcome::flag : outcome::pass,
             whitelisted ? "WhiteList=1: IP checks skipped" : "properties apply", {}, p->src);
    } else {
      decide(stage::connect_ipprop, ip, outcome::pass,
             root.has_file("smtp.ipprop.tab") ? "no line matches" : "no smtp.ipprop.tab");
    }
  }
  if (root.has_file("smtp.hnprop.tab")) {
    auto name = co_await reverse_dns();
    if (!name) {
      // manual: the file's existence triggers the PTR lookup; without a PTR the session is refused
      refuse_at_greeting(stage::connect_ipprop, std::nullopt, -110,
                         "smtp.hnprop.tab exists and " + ip + " has no PTR record", {});
      co_return;
    }
    if (auto h = root.find_hnprop(*name)) {
      auto& hp = h->props;
      for (auto [dst, src] : {std::pair{&props.white_list, &hp.white_list}, {&props.ease_tls, &hp.ease_tls},
                              {&props.sender_domain_check, &hp.sender_domain_check}, {&props.no_auth, &hp.no_auth},
                              {&props.enable_vrfy, &hp.enable_vrfy}, {&props.enable_etrn, &hp.enable_etrn}})
        if (*src) *dst = *src;
      whitelisted = props.white_list.value_or(false);
      decide(stage::connect_ipprop, *name, whitelisted ? outcome::flag : outcome::pass,
             whitelisted ? "WhiteList=1 (host name): IP checks skipped" : "host properties apply", {}, h->src);
    }
  }

  if (whitelisted) {
    for (auto st : {stage::connect_ipmap, stage::connect_spammers, stage::connect_maps, stage::connect_rdns})
      decide(st, ip, outcome::skip, "white-listed by smtp.ipprop.tab");
  } else {
    // smtp.ipmap.tab: higher precedence wins, equal precedence the later line, no match allows
    const config::ipmap_entry* deny = nullptr;
    if (client_ip) deny = config::mailroot::decide_ipmap(root.ipmap(config::ipmap_kind::smtp), *client_ip);
    if (deny && !deny->allow) {
      int code = cfg.smtp_ipmap_drop_code;
      if (code > 0) {
        refuse_at_greeting(stage::connect_ipmap, cfg.smtp_msg_ipban, -130,
                           "DENY, SMTP-IpMapDropCode " + std::to_string(code), deny->src);
        co_return;
      }
      if (code == 0) {
        // The manual says only authenticated clients may then send, but XMail 1.27
        // sets a flag (SMTPF_IPMAPPED_IP) that no check reads: the client is
        // served as any other. Recorded against XMail; verify warns about it.
        decide(stage::connect_ipmap, ip, outcome::pass,
               "DENY with SMTP-IpMapDropCode 0: XMail 1.27 then serves the client as any other", {}, deny->src);
      } else {
        delay_seconds = std::max(delay_seconds, -code);
        decide(stage::connect_ipmap, ip, outcome::flag,
               "DENY with SMTP-IpMapDropCode " + std::to_string(code) + ": " + std::to_string(-code) +
                   " s delay between commands",
               {}, deny->src);
      }
    } else {
      decide(stage::connect_ipmap, ip, outcome::pass, deny ? "ALLOW" : "no line matches: allowed", {},
             deny ? deny->src : config::source{});
    }

    // spammers.tab: its absence refuses every connection (-19) [022]
    if (!root.has_file("spammers.tab")) {
      refuse_at_greeting(stage::connect_spammers, std::nullopt, -19, "spammers.tab is missing", {});
      co_return;
    }
    if (auto sp = client_ip ? root.find_spammer(*client_ip) : nullptr) {
      if (sp->code > 0) {
        refuse_at_greeting(stage::connect_spammers, cfg.smtp_msg_ipban_spammers, -107, "listed as spammer", sp->src);
        co_return;
      }
      if (sp->code == 0) {
        flagged_ip = true;
        flagged_by = "spammers.tab";
        decide(stage::connect_spammers, ip, outcome::flag, "code=0: refused at MAIL unless authenticated", {}, sp->src);
      } else {
        delay_seconds = std::max(delay_seconds, -sp->code);
        decide(stage::connect_spammers, ip, outcome::flag,
               "code=" + std::to_string(sp->code) + ": " + std::to_string(-sp->code) + " s delay between commands",
               {}, sp->src);
      }
    } else {
      decide(stage::connect_spammers, ip, outcome::pass, "not listed");
    }

    // CustMapsList: DNS lists queried as reversed-ip.root (A record present = listed)
    if (cfg.cust_maps_list.empty()) {
      decide(stage::connect_maps, ip, outcome::skip, "CustMapsList not set");
    } else if (!client_ip || !client_ip->v4) {
      decide(stage::connect_maps, ip, outcome::skip, "DNS lists are queried for IPv4 clients only");
    } else {
      bool listed = false;
      for (auto& m : cfg.cust_maps_list) {
        std::string zone = m.root;
        if (!zone.empty() && zone.back() == '.') zone.pop_back();
        std::string query = reversed_ipv4(*client_ip) + "." + zone;
        auto answer = co_await ask<dns_query>(dns_type::a, query);
        if (answer.result != dns_answer::status::ok || answer.records.empty()) continue;
        listed = true;
        if (m.code > 0) {
          // the greeting is this text, never the 421 (SMTPDoIPBasedInit sets it for every hit)
          std::string text = cfg.smtp_msg_ipban_maps ? *cfg.smtp_msg_ipban_maps + " (" + m.root + ")"
                                                     : "550 Denied due inclusion of your IP inside (" + m.root + ")";
          refuse_at_greeting(stage::connect_maps, text, -203, query + " is listed", cfg.origin("CustMapsList"));
          co_return;
        }
        if (m.code == 0) {
          flagged_ip = true;
          if (flagged_by.empty()) flagged_by = m.root;  // a spammers.tab flag keeps its own text at MAIL
          decide(stage::connect_maps, ip, outcome::flag, query + " is listed: refused at MAIL unless authenticated",
                 {}, cfg.origin("CustMapsList"));
        } else {
          delay_seconds = std::max(delay_seconds, -m.code);
          decide(stage::connect_maps, ip, outcome::flag,
                 query + " is listed: " + std::to_string(-m.code) + " s delay between commands", {},
                 cfg.origin("CustMapsList"));
        }
        break;
      }
      if (!listed) decide(stage::connect_maps, ip, outcome::pass, "not listed");
    }

    // SMTP-RDNSCheck
    if (cfg.smtp_rdns_check == 0) {
      decide(stage::connect_rdns, ip, outcome::skip, "SMTP-RDNSCheck is 0");
    } else {
      auto name = co_await reverse_dns();
      if (name) {
        decide(stage::connect_rdns, ip, outcome::pass, "PTR " + *name);
      } else if (cfg.smtp_rdns_check > 0) {
        rdns_failed = true;
        decide(stage::connect_rdns, ip, outcome::flag, "no PTR record: MAIL refused unless authenticated", {},
               cfg.origin("SMTP-RDNSCheck"));
      } else {
        delay_seconds = std::max(delay_seconds, -cfg.smtp_rdns_check);
        decide(stage::connect_rdns, ip, outcome::flag,
               "no PTR record: " + std::to_string(-cfg.smtp_rdns_check) + " s delay between commands", {},
               cfg.origin("SMTP-RDNSCheck"));
      }
    }
  }

  smtp_config = cfg.smtp_config_for(server.ip, server.port);
  std::string text = "220 " + (cfg.smtp_server_domain.empty() ? std::string("localhost") : cfg.smtp_server_domain) +
                     " " + greeting_token + " " + banner() + " service ready; " +
                     rfc822_date(now_ms() / 1000, clock_.utc_offset_minutes());
  send(text + "\r\n");
  note(server_reply{{std::move(text)}});
}

}  // namespace mailflow::smtp
