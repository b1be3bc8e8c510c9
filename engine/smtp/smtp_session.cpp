// The session lifecycle, input dispatch, connection checks and the simple
// commands (HELO/EHLO, HELP, NOOP, RSET, QUIT, VRFY, ETRN, STARTTLS).
#include "smtp/smtp_session.hpp"

#include <algorithm>
#include <utility>

#include "core/redact.hpp"
#include "core/text.hpp"
#include "smtp/replies.hpp"
#include "smtp/session_impl.hpp"

namespace mailflow::smtp {

namespace {

std::string first_word(std::string_view s, std::string_view& rest) {
  auto sp = s.find(' ');
  std::string word(s.substr(0, sp));
  rest = sp == std::string_view::npos ? std::string_view{} : trim(s.substr(sp + 1));
  return word;
}

bool has_bad_bytes(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u == 0 || u > 127 || u == '\r';
  });
}

std::string reversed_ipv4(const ip_address& a) {
  return std::to_string(a.bytes[15]) + "." + std::to_string(a.bytes[14]) + "." + std::to_string(a.bytes[13]) + "." +
         std::to_string(a.bytes[12]);
}

}  // namespace

// ---------------------------------------------------------------- lifecycle

smtp_session::impl::impl(smtp_environment e, session_settings s, endpoint c, endpoint sv)
    : env(e), settings(std::move(s)), client(std::move(c)), server(std::move(sv)), root(e.root),
      cfg(e.root.server()), client_ip(ip_address::parse(client.ip)) {
  events.reserve(64);
  effects.reserve(16);
}

smtp_session::smtp_session(smtp_environment env, session_settings settings, endpoint client, endpoint server)
    : impl_(std::make_unique<impl>(env, std::move(settings), std::move(client), std::move(server))) {}

smtp_session::~smtp_session() = default;

void smtp_session::on_connect() {
  auto& s = *impl_;
  if (s.settings.implicit_tls) {
    s.mode = input_mode::tls_pending;
    s.effects.push_back(start_tls{});
    s.events.push_back(session_note{"tls-start", "implicit TLS (SMTPS)"});
    return;
  }
  s.connect_checks();
}

void smtp_session::on_bytes(std::string_view bytes) {
  auto& s = *impl_;
  while (!bytes.empty()) {
    switch (s.mode) {
      case input_mode::closed:
        return;
      case input_mode::tls_pending:
        s.events.push_back(session_note{"discard", std::to_string(bytes.size()) + " bytes before the TLS handshake"});
        return;
      case input_mode::data: {
        if (s.data->feed(bytes)) s.finish_data();
        break;
      }
      case input_mode::command:
      case input_mode::sasl: {
        auto line = s.commands.next(bytes);
        if (!line) break;
        if (s.mode == input_mode::sasl) {
          s.handle_sasl_line(*line);
        } else {
          s.handle_command(*line);
        }
        if (s.mode == input_mode::tls_pending && !bytes.empty()) {
          // RFC 3207 5: nothing pipelined after STARTTLS may survive the handshake (CVE-2011-0411)
          s.events.push_back(session_note{"discard", std::to_string(bytes.size()) + " bytes after STARTTLS"});
          return;
        }
        break;
      }
    }
  }
}

void smtp_session::on_eof() {
  auto& s = *impl_;
  if (s.mode == input_mode::closed) return;
  if (s.mode == input_mode::data) s.events.push_back(session_note{"eof", "connection closed inside DATA: message discarded"});
  s.mode = input_mode::closed;
  s.events.push_back(session_note{"close", "client closed the connection"});
}

void smtp_session::on_tls_ready(const tls_info& info) {
  auto& s = *impl_;
  if (s.mode != input_mode::tls_pending) return;
  s.tls_active = true;
  s.mode = input_mode::command;
  s.commands.reset();
  s.decide(stage::tls, info.version, outcome::accept, "TLS established: " + info.version + " " + info.cipher);
  if (s.settings.implicit_tls) {
    s.connect_checks();
    return;
  }
  // RFC 3207 4.2: the client starts over with EHLO; nothing learned before TLS is kept
  s.helo_done = false;
  s.helo_name.clear();
  s.auth = {};
  s.reset_transaction();
}

void smtp_session::on_tls_failed(const std::string& why) {
  auto& s = *impl_;
  s.decide(stage::tls, "", outcome::drop, "TLS handshake failed: " + why);
  s.close();
}

std::vector<effect> smtp_session::take_effects() {
  std::vector<effect> out;
  out.swap(impl_->effects);
  return out;
}

std::vector<event> smtp_session::take_events() {
  std::vector<event> out;
  out.swap(impl_->events);
  return out;
}
bool smtp_session::closed() const { return impl_->mode == input_mode::closed; }
const std::string& smtp_session::greeting_token() const { return impl_->greeting_token; }

// ---------------------------------------------------------------- output

std::string smtp_session::impl::banner() const { return "[" + settings.product + " ESMTP Server]"; }

void smtp_session::impl::reply(std::string text, bool error_text_extension) {
  int code = text.size() >= 3 ? (text[0] - '0') * 100 + (text[1] - '0') * 10 + (text[2] - '0') : 0;
  bool error = code >= 400;
  // CustomSMTPMessage follows every error reply, 252 included (behaviour notes, [054])
  if ((error || code == 252) && error_text_extension && !cfg.custom_smtp_message.empty())
    text += " - " + cfg.custom_smtp_message;
  if (delay_seconds > 0) effects.push_back(delay{delay_seconds});
  events.push_back(server_reply{{text}});
  effects.push_back(send_bytes{text + "\r\n"});
  if (error && cfg.smtp_max_errors > 0 && ++errors >= cfg.smtp_max_errors && mode != input_mode::closed) {
    events.push_back(session_note{"close", "SMTP-MaxErrors (" + std::to_string(cfg.smtp_max_errors) + ") reached"});
    close();
  }
}

void smtp_session::impl::reply_lines(const std::vector<std::string>& lines) {
  if (delay_seconds > 0) effects.push_back(delay{delay_seconds});
  std::string wire;
  for (auto& l : lines) wire += l + "\r\n";
  events.push_back(server_reply{lines});
  effects.push_back(send_bytes{std::move(wire)});
}

void smtp_session::impl::decide(stage s, std::string input, outcome o, std::string detail, std::string reply_text,
                                const config::source& rule) {
  stage_decision d;
  d.id = s;
  d.input = std::move(input);
  d.result = o;
  if (rule) d.rule = rule.rule();
  d.reply = std::move(reply_text);
  d.detail = std::move(detail);
  events.push_back(std::move(d));
}

void smtp_session::impl::decide_rule(stage s, std::string input, outcome o, std::string detail, std::string reply_text,
                                     const rule_ref& rule) {
  stage_decision d{s, std::move(input), o, rule, std::move(reply_text), std::move(detail)};
  events.push_back(std::move(d));
}

void smtp_session::impl::close() {
  if (mode == input_mode::closed) return;
  mode = input_mode::closed;
  effects.push_back(close_connection{});
}

void smtp_session::impl::reset_transaction() {
  tx = transaction{};
  data.reset();
}

// ---------------------------------------------------------------- input

void smtp_session::impl::handle_command(const command_line& line) {
  if (line.too_long) {
    events.push_back(client_line{"(line over 1020 octets)"});
    reply(std::string(replies::line_too_long));
    return;
  }
  if (has_bad_bytes(line.text)) {
    events.push_back(client_line{redact_client_line(line.text, false)});
    reply(std::string(replies::bad_characters));
    return;
  }
  events.push_back(client_line{redact_client_line(line.text, false)});
  std::string_view arg;
  std::string verb = to_upper(first_word(line.text, arg));

  struct command_row {
    std::string_view verb;
    void (impl::*handler)(std::string_view);
  };
  // manual: SMTP COMMANDS
  static constexpr command_row table[] = {
      {"EHLO", &impl::cmd_ehlo}, {"HELO", &impl::cmd_helo}, {"MAIL", &impl::cmd_mail}, {"RCPT", &impl::cmd_rcpt},
      {"DATA", &impl::cmd_data}, {"RSET", &impl::cmd_rset}, {"VRFY", &impl::cmd_vrfy}, {"ETRN", &impl::cmd_etrn},
      {"NOOP", &impl::cmd_noop}, {"HELP", &impl::cmd_help}, {"QUIT", &impl::cmd_quit},
      {"AUTH", &impl::cmd_auth}, {"STARTTLS", &impl::cmd_starttls},
  };
  for (auto& row : table) {
    if (row.verb == verb) {
      (this->*row.handler)(arg);
      return;
    }
  }
  reply(std::string(replies::unrecognized));
}

// ---------------------------------------------------------------- connection checks

std::optional<std::string> smtp_session::impl::reverse_dns() {
  if (!ptr_looked_up) {
    ptr_looked_up = true;
    auto answer = env.dns.lookup(dns_type::ptr, client.ip);
    if (answer.result == dns_answer::status::ok && !answer.records.empty()) ptr_name = answer.records.front();
  }
  return ptr_name;
}

bool smtp_session::impl::refuse_at_greeting(stage s, const std::optional<std::string>& custom, int xmail_error,
                                            std::string detail, const config::source& rule) {
  // SmtpMsgIPBan* texts are sent verbatim; otherwise XMail's 421 with its error number [020, 022, 024, 099]
  std::string text = custom ? *custom
                            : "421 " + banner() + " service not available (" + std::to_string(xmail_error) +
                                  "), closing transmission channel";
  decide(s, client.ip, outcome::drop, std::move(detail), text, rule);
  events.push_back(server_reply{{text}});
  effects.push_back(send_bytes{text + "\r\n"});
  close();
  return true;
}

void smtp_session::impl::connect_checks() {
  const std::string& ip = client.ip;
  greeting_token = "<" + std::to_string(env.clock.now_s()) + "." + std::to_string(settings.session_number) + "@" +
                   (cfg.smtp_server_domain.empty() ? std::string("localhost") : cfg.smtp_server_domain) + ">";

  // smtp.ipprop.tab and smtp.hnprop.tab come first: WhiteList skips the IP checks [089]
  if (client_ip) {
    if (auto p = root.find_ipprop(*client_ip)) {
      props = p->props;
      whitelisted = props.white_list.value_or(false);
      decide(stage::connect_ipprop, ip, whitelisted ? outcome::flag : outcome::pass,
             whitelisted ? "WhiteList=1: IP checks skipped" : "properties apply", {}, p->src);
    } else {
      decide(stage::connect_ipprop, ip, outcome::pass, root.has_file("smtp.ipprop.tab") ? "no line matches" : "no smtp.ipprop.tab");
    }
  }
  if (root.has_file("smtp.hnprop.tab")) {
    auto name = reverse_dns();
    if (!name) {
      // manual: the file's existence triggers the PTR lookup; without a PTR the session is refused
      refuse_at_greeting(stage::connect_ipprop, std::nullopt, -110, "smtp.hnprop.tab exists and " + ip + " has no PTR record",
                         {});
      return;
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
        refuse_at_greeting(stage::connect_ipmap, cfg.smtp_msg_ipban, -130, "DENY, SMTP-IpMapDropCode " + std::to_string(code),
                           deny->src);
        return;
      }
      if (code == 0) {
        flagged_ip = true;
        flagged_by = "smtp.ipmap.tab";
        decide(stage::connect_ipmap, ip, outcome::flag, "DENY with SMTP-IpMapDropCode 0: only authenticated clients may send",
               {}, deny->src);
      } else {
        delay_seconds = std::max(delay_seconds, -code);
        decide(stage::connect_ipmap, ip, outcome::flag, "DENY with SMTP-IpMapDropCode " + std::to_string(code) + ": " +
                                                            std::to_string(-code) + " s delay between commands",
               {}, deny->src);
      }
    } else {
      decide(stage::connect_ipmap, ip, outcome::pass, deny ? "ALLOW" : "no line matches: allowed", {},
             deny ? deny->src : config::source{});
    }

    // spammers.tab: its absence refuses every connection (-19) [022]
    if (!root.has_file("spammers.tab")) {
      refuse_at_greeting(stage::connect_spammers, std::nullopt, -19, "spammers.tab is missing", {});
      return;
    }
    if (auto sp = client_ip ? root.find_spammer(*client_ip) : nullptr) {
      if (sp->code > 0) {
        refuse_at_greeting(stage::connect_spammers, cfg.smtp_msg_ipban_spammers, -107, "listed as spammer", sp->src);
        return;
      }
      if (sp->code == 0) {
        flagged_ip = true;
        flagged_by = "spammers.tab";
        decide(stage::connect_spammers, ip, outcome::flag, "code=0: refused at MAIL unless authenticated", {}, sp->src);
      } else {
        delay_seconds = std::max(delay_seconds, -sp->code);
        decide(stage::connect_spammers, ip, outcome::flag,
               "code=" + std::to_string(sp->code) + ": " + std::to_string(-sp->code) + " s delay between commands", {},
               sp->src);
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
        auto answer = env.dns.lookup(dns_type::a, query);
        if (answer.result != dns_answer::status::ok || answer.records.empty()) continue;
        listed = true;
        if (m.code > 0) {
          std::optional<std::string> custom;
          if (cfg.smtp_msg_ipban_maps) custom = *cfg.smtp_msg_ipban_maps + " " + m.root;
          refuse_at_greeting(stage::connect_maps, custom, -203, query + " is listed", cfg.origin("CustMapsList"));
          return;
        }
        if (m.code == 0) {
          flagged_ip = true;
          flagged_by = m.root;
          decide(stage::connect_maps, ip, outcome::flag, query + " is listed: refused at MAIL unless authenticated", {},
                 cfg.origin("CustMapsList"));
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
    } else if (auto name = reverse_dns()) {
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

  smtp_config = cfg.smtp_config_for(server.ip, server.port);
  std::string text = "220 " + (cfg.smtp_server_domain.empty() ? std::string("localhost") : cfg.smtp_server_domain) +
                     " " + greeting_token + " " + banner() + " service ready; " +
                     rfc822_date(env.clock.now_s(), env.clock.utc_offset_minutes());
  events.push_back(server_reply{{text}});
  effects.push_back(send_bytes{text + "\r\n"});
}

// ---------------------------------------------------------------- simple commands

void smtp_session::impl::cmd_ehlo(std::string_view arg) { greet(arg, true); }
void smtp_session::impl::cmd_helo(std::string_view arg) { greet(arg, false); }

void smtp_session::impl::greet(std::string_view arg, bool extended) {
  if (arg.empty()) {
    reply(std::string(replies::syntax_params));
    return;
  }
  // EHLO/HELO inside a transaction or after AUTH: 503 [041] (behaviour notes, Authentication)
  if (tx.active || auth.authenticated) {
    reset_transaction();
    reply(std::string(replies::bad_sequence));
    return;
  }
  std::string_view rest;
  helo_name = first_word(arg, rest);
  helo_done = true;
  std::string name = cfg.root_domain.empty() ? (cfg.smtp_server_domain.empty() ? "localhost" : cfg.smtp_server_domain)
                                             : cfg.root_domain;
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

void smtp_session::impl::cmd_help(std::string_view) {
  reply_lines({std::string("214-HELO EHLO MAIL RCPT DATA AUTH") + (cfg.enable_smtp_tls ? " STARTTLS" : ""),
               "214-RSET VRFY ETRN NOOP HELP QUIT", "214 For more information please visit : http://www.xmailserver.org"});
}

void smtp_session::impl::cmd_noop(std::string_view) { reply(std::string(replies::ok)); }

void smtp_session::impl::cmd_rset(std::string_view) {
  reset_transaction();
  reply(std::string(replies::ok));
}

void smtp_session::impl::cmd_quit(std::string_view) {
  reset_transaction();
  reply("221 " + banner() + " service closing transmission channel");
  close();
}

void smtp_session::impl::cmd_vrfy(std::string_view arg) {
  bool enabled = cfg.allow_smtp_vrfy || props.enable_vrfy.value_or(false) || (auth.authenticated && auth.perms.vrfy);
  if (!enabled) {
    reply(std::string(replies::vrfy_disabled));
    return;
  }
  // XMail wants a bare user@domain: no argument, no domain or <...> answer 501 [039, 103]
  if (arg.empty() || arg.find('<') != std::string_view::npos || arg.find('@') == std::string_view::npos) {
    reply(std::string(replies::syntax_params));
    return;
  }
  auto [user, domain] = split_address(arg);
  if (root.cmd_alias(user, domain)) {
    reply("250 Local account <" + std::string(arg) + ">");
    return;
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
    return;
  }
  auto data = root.account_data(*acct);
  std::string name = data->var("RealName").value_or(acct->name);
  reply("250 " + name + " <" + acct->address() + ">");
}

void smtp_session::impl::cmd_etrn(std::string_view arg) {
  bool enabled = cfg.allow_smtp_etrn || props.enable_etrn.value_or(false) || (auth.authenticated && auth.perms.etrn);
  if (!enabled) {
    reply(std::string(replies::etrn_disabled));
    return;
  }
  if (arg.empty()) {
    reply(std::string(replies::syntax_params));
    return;
  }
  events.push_back(session_note{"etrn", std::string(arg)});
  reply("250 Queueing for '" + std::string(arg) + "' has been started");
}

void smtp_session::impl::cmd_starttls(std::string_view arg) {
  if (!cfg.enable_smtp_tls) {
    decide(stage::tls, "", outcome::reject, "EnableSMTP-TLS is 0", "454 TLS not available", cfg.origin("EnableSMTP-TLS"));
    reply(std::string(replies::tls_not_available));
    return;
  }
  if (tls_active) {
    reply(std::string(replies::bad_sequence));
    return;
  }
  if (!arg.empty()) {
    reply(std::string(replies::syntax_params));
    return;
  }
  // XMail answers 220 even without server.cert/key; the handshake then fails and the connection drops [056]
  reply("220 Ready to start TLS");
  mode = input_mode::tls_pending;
  effects.push_back(start_tls{});
  events.push_back(session_note{"tls-start", settings.tls_available ? "STARTTLS" : "STARTTLS without server.cert/server.key"});
}

}  // namespace mailflow::smtp
