#include "variables.hpp"

#include <array>

#include "core/text.hpp"

namespace mailflow::config {

variable_table variable_table::from(const tab_file* file, diagnostic_list& diags) {
  variable_table t;
  t.file_ = file;
  if (!file) return t;
  for (auto& r : file->records()) {
    if (r.size() != 2) {
      diags.error(file->path(), r.line, r.column(r.size() < 2 ? 0 : 2), "field-count",
                  "expected 2 fields (\"name\" \"value\"), found " + std::to_string(r.size()));
      continue;
    }
    variable v{std::string(r[0]), std::string(r[1]), source{file, &r}};
    t.first_.try_emplace(v.name, t.all_.size());
    t.all_.push_back(std::move(v));
  }
  return t;
}

const variable* variable_table::find(std::string_view name) const {
  auto it = first_.find(name);
  return it == first_.end() ? nullptr : &all_[it->second];
}

std::optional<std::string> variable_table::get(std::string_view name) const {
  auto v = find(name);
  if (!v) return std::nullopt;
  return v->value;
}

namespace {
using K = variable_kind;

const std::array server_vars = {
    variable_descriptor{"RootDomain", K::domain, "", 0, 0, "", "primary domain of the server"},
    variable_descriptor{"SmtpServerDomain", K::domain, "", 0, 0, "", "domain in the SMTP greeting and CRAM-MD5 challenge"},
    variable_descriptor{"POP3Domain", K::domain, "", 0, 0, "", "default domain for POP3 logins"},
    variable_descriptor{"PostMaster", K::address, "", 0, 0, "", "postmaster address"},
    variable_descriptor{"ErrorsAdmin", K::address, "", 0, 0, "", "receives notifications of delivery errors"},
    variable_descriptor{"TempErrorsAdmin", K::address, "", 0, 0, "", "receives notifications of temporary failures"},
    variable_descriptor{"DefaultSMTPGateways", K::gateways, "", 0, 0, "", "gateways used for all remote mail"},
    variable_descriptor{"HeloDomain", K::domain, "", 0, 0, "", "name sent in HELO to remote servers"},
    variable_descriptor{"CheckMailerDomain", K::flag, "0", 0, 0, "", "check the MAIL FROM domain in DNS"},
    variable_descriptor{"RemoveSpoolErrors", K::flag, "0", 0, 0, "", "remove failed messages instead of freezing them"},
    variable_descriptor{"NotifyMsgLinesExtra", K::number, "0", 0, 100000, "", "message lines quoted in bounces"},
    variable_descriptor{"NotifySendLogToSender", K::flag, "0", 0, 0, "", "attach the delivery log to bounces"},
    variable_descriptor{"NotifyTryPattern", K::list, "", 0, 0, "", "delivery attempts that notify the sender"},
    variable_descriptor{"AllowNullSender", K::flag, "1", 0, 0, "", "accept MAIL FROM:<>"},
    variable_descriptor{"NoSenderBounce", K::flag, "0", 0, 0, "", "send bounces with a null sender"},
    variable_descriptor{"MaxMTAOps", K::number, "16", 1, 1000, "", "relay steps before a message counts as looped"},
    variable_descriptor{"ReceivedHdrType", K::number, "0", 0, 4, "", "verbosity of the Received: header (0-4)"},
    variable_descriptor{"FetchHdrTags", K::list, "+X-Deliver-To,To,Cc", 0, 0, "", "headers scanned in POP3-fetched mail"},
    variable_descriptor{"SMTP-MaxErrors", K::number, "0", 0, 1000000, "", "errors before the session is dropped (0 = unlimited)"},
    variable_descriptor{"SmtpMsgIPBanSpammers", K::text, "", 0, 0, "", "greeting for spammers.tab IPs"},
    variable_descriptor{"SmtpMsgIPBanSpamAddress", K::text, "", 0, 0, "", "reply for spam-address.tab senders"},
    variable_descriptor{"SmtpMsgIPBanMaps", K::text, "", 0, 0, "", "reply for IPs on a CustMapsList list"},
    variable_descriptor{"SmtpMsgIPBan", K::text, "", 0, 0, "", "greeting for IPs denied by smtp.ipmap.tab"},
    variable_descriptor{"CustomSMTPMessage", K::text, "", 0, 0, "", "text appended to SMTP error replies"},
    variable_descriptor{"SMTP-IpMapDropCode", K::number, "1", -86400, 1, "", "1 drop, 0 auth only, -S delay S seconds"},
    variable_descriptor{"AllowSmtpVRFY", K::flag, "0", 0, 0, "", "enable VRFY"},
    variable_descriptor{"AllowSmtpETRN", K::flag, "0", 0, 0, "", "enable ETRN"},
    variable_descriptor{"SmtpMinDiskSpace", K::number, "0", 0, max_kilobytes, "", "KB of free disk needed to accept SMTP"},
    variable_descriptor{"SmtpMinVirtMemSpace", K::number, "0", 0, max_kilobytes, "", "KB of virtual memory needed to accept SMTP"},
    variable_descriptor{"Pop3MinVirtMemSpace", K::number, "0", 0, max_kilobytes, "", "KB of virtual memory needed to accept POP3"},
    variable_descriptor{"Pop3SyncErrorAccount", K::address, "", 0, 0, "", "local account for undeliverable fetched mail"},
    variable_descriptor{"EnableAuthSMTP-POP3", K::flag, "1", 0, 0, "", "SMTP after POP3 authentication"},
    variable_descriptor{"MaxMessageSize", K::number, "0", 0, max_kilobytes, "", "largest message in KB (0 = unlimited)"},
    variable_descriptor{"DefaultSmtpPerms", K::perms, "MRVZ", 0, 0, "", "permissions of mailusers.tab logins"},
    variable_descriptor{"CustMapsList", K::list, "", 0, 0, "", "DNS lists: root:code,root:code"},
    variable_descriptor{"SMTP-RDNSCheck", K::number, "0", -86400, 1, "", "reverse DNS check: 0 off, 1 refuse MAIL, -S delay"},
    variable_descriptor{"SmartDNSHost", K::text, "", 0, 0, "", "recursive DNS servers"},
    variable_descriptor{"DisableEmitAuthUser", K::flag, "0", 0, 0, "", "do not add X-AuthUser:"},
    variable_descriptor{"SmtpGwConfig", K::text, "", 0, 0, "", "global SMTP gateway options"},
    variable_descriptor{"Pop3LogPasswd", K::number, "0", 0, 2, "", "log POP3 passwords: 0 never, 1 failures, 2 always"},
    variable_descriptor{"SmtpNoTLSAuths", K::list, "", 0, 0, "", "AUTH mechanisms allowed without TLS"},
    variable_descriptor{"EnableCTRL-TLS", K::flag, "1", 0, 0, "", "CTRL STARTTLS"},
    variable_descriptor{"EnablePOP3-TLS", K::flag, "1", 0, 0, "", "POP3 STLS"},
    variable_descriptor{"EnableSMTP-TLS", K::flag, "1", 0, 0, "", "SMTP STARTTLS"},
    variable_descriptor{"SSLUseCertsFile", K::flag, "0", 0, 0, "", "use CERTS.PEM for peer verification"},
    variable_descriptor{"SSLUseCertsDir", K::flag, "0", 0, 0, "", "use CERTS/ for peer verification"},
    variable_descriptor{"SSLWantVerify", K::flag, "0", 0, 0, "", "verify peer certificates"},
    variable_descriptor{"SSLAllowSelfSigned", K::flag, "0", 0, 0, "", "allow self-signed peer certificates"},
    variable_descriptor{"SSLWantCert", K::flag, "0", 0, 0, "", "require a peer certificate"},
    variable_descriptor{"SSLMaxCertsDepth", K::number, "0", 0, 100, "", "maximum certificate chain depth"},
    variable_descriptor{"SmtpConfig", K::list, "", 0, 0, "", "SMTP server options: MailAuth, WantTLS"},
    variable_descriptor{"SmtpConfig-*", K::list, "", 0, 0, "", "SMTP server options for one IP[,PORT]"},
    variable_descriptor{"SMTP-BareLF", K::choice, "normalize", 0, 0, "normalize|reject",
                        "mailflow: bare LF in DATA is normalised to CRLF or the message is refused"},
};

const std::array user_vars = {
    variable_descriptor{"RealName", K::text, "", 0, 0, "", "full name"},
    variable_descriptor{"HomePage", K::text, "", 0, 0, "", "home page"},
    variable_descriptor{"Address", K::text, "", 0, 0, "", "postal address (informational)"},
    variable_descriptor{"Telephone", K::text, "", 0, 0, "", "telephone (informational)"},
    variable_descriptor{"MaxMBSize", K::number, "0", 0, max_kilobytes, "", "mailbox limit in KB (0 = unlimited)"},
    variable_descriptor{"ClosedML", K::flag, "0", 0, 0, "", "only subscribers may post to the list"},
    variable_descriptor{"ListSender", K::address, "", 0, 0, "", "envelope sender of list copies"},
    variable_descriptor{"SmtpPerms", K::perms, "", 0, 0, "", "SMTP permissions of the account"},
    variable_descriptor{"ReceiveEnable", K::flag, "1", 0, 0, "", "the account receives mail"},
    variable_descriptor{"PopEnable", K::flag, "1", 0, 0, "", "the account may use POP3"},
    variable_descriptor{"UseReplyTo", K::flag, "1", 0, 0, "", "add Reply-To: to list copies"},
    variable_descriptor{"MaxMessageSize", K::number, "0", 0, max_kilobytes, "", "largest message the user may send, KB"},
    variable_descriptor{"DisableEmitAuthUser", K::flag, "0", 0, 0, "", "do not add X-AuthUser:"},
    variable_descriptor{"Pop3ScanCur", K::flag, "0", 0, 0, "", "list Maildir/cur in POP3"},
};

bool is_flag_text(std::string_view v) { return v == "0" || v == "1"; }
}  // namespace

std::span<const variable_descriptor> server_variable_descriptors() { return server_vars; }
std::span<const variable_descriptor> user_variable_descriptors() { return user_vars; }

const variable_descriptor* find_server_variable(std::string_view name) {
  for (auto& d : server_vars) {
    if (d.name == name) return &d;
  }
  if (name.substr(0, 11) == "SmtpConfig-" && name.size() > 11) return &server_vars[server_vars.size() - 2];
  return nullptr;
}

const variable_descriptor* find_user_variable(std::string_view name) {
  for (auto& d : user_vars)
    if (d.name == name) return &d;
  return nullptr;
}

std::optional<std::string> check_variable_value(const variable_descriptor& d, std::string_view v) {
  switch (d.kind) {
    case K::flag:
      if (!is_flag_text(v)) return "expected 0 or 1, found '" + std::string(v) + "'";
      return std::nullopt;
    case K::number: {
      if (!parse_int(v)) return "expected a whole number, found '" + std::string(v) + "'";
      if (!parse_number(v, d.min, d.max))
        return "value " + std::string(v) + " outside " + std::to_string(d.min) + ".." + std::to_string(d.max);
      return std::nullopt;
    }
    case K::perms:
      for (char c : v)
        if (std::string_view("MRVTZS").find(ascii_upper(c)) == std::string_view::npos)
          return std::string("unknown permission '") + c + "' (M R V T Z S)";
      return std::nullopt;
    case K::choice: {
      for (auto c : split(d.choices, '|'))
        if (iequals(c, v)) return std::nullopt;
      return "expected one of " + std::string(d.choices) + ", found '" + std::string(v) + "'";
    }
    case K::address:
      if (!v.empty() && v.find('@') == std::string_view::npos) return "expected an address user@domain";
      return std::nullopt;
    default:
      return std::nullopt;
  }
}

smtp_perms smtp_perms::parse(std::string_view letters) {
  smtp_perms p;
  for (char c : letters) {
    switch (ascii_upper(c)) {
      case 'M': p.mail = true; break;
      case 'R': p.relay = true; break;
      case 'V': p.vrfy = true; break;
      case 'T': p.etrn = true; break;
      case 'Z': p.no_size_limit = true; break;
      case 'S': p.ease_tls = true; break;
      default: break;
    }
  }
  return p;
}

std::string smtp_perms::to_string() const {
  std::string s;
  if (mail) s += 'M';
  if (relay) s += 'R';
  if (vrfy) s += 'V';
  if (etrn) s += 'T';
  if (no_size_limit) s += 'Z';
  if (ease_tls) s += 'S';
  return s;
}

server_config server_config::from(variable_table vars, diagnostic_list& diags) {
  server_config c;
  c.vars = std::move(vars);
  const variable_table& t = c.vars;

  auto bad = [&](const variable& v, const std::string& why) {
    diags.error(v.src.file ? v.src.file->path() : "server.tab", v.src.record ? v.src.record->line : 0,
                v.src.record ? v.src.record->column(1) : 0, "bad-value", v.name + ": " + why);
  };
  auto text = [&](std::string_view name, std::string& out) {
    if (auto v = t.find(name)) out = v->value;
  };
  auto opt_text = [&](std::string_view name, std::optional<std::string>& out) {
    if (auto v = t.find(name)) out = v->value;
  };
  auto flag = [&](std::string_view name, bool& out) {
    auto v = t.find(name);
    if (!v) return;
    if (auto why = check_variable_value(*find_server_variable(name), v->value)) {
      bad(*v, *why);
      // XMail reads flags with atoi(): any non-zero number is true
      if (auto n = parse_int(v->value)) out = *n != 0;
      return;
    }
    out = v->value == "1";
  };
  auto address = [&](std::string_view name, std::string& out) {
    auto v = t.find(name);
    if (!v) return;
    if (auto why = check_variable_value(*find_server_variable(name), v->value)) bad(*v, *why);
    out = v->value;
  };
  auto number = [&](std::string_view name, auto& out) {
    auto v = t.find(name);
    if (!v) return;
    if (auto why = check_variable_value(*find_server_variable(name), v->value)) {
      bad(*v, *why);
      return;
    }
    // in range (checked above), so it fits `out`
    out = static_cast<std::remove_reference_t<decltype(out)>>(*parse_number(v->value, INT32_MIN, max_kilobytes));
  };

  text("RootDomain", c.root_domain);
  c.smtp_server_domain = c.root_domain;
  text("SmtpServerDomain", c.smtp_server_domain);
  c.pop3_domain = c.root_domain;
  text("POP3Domain", c.pop3_domain);
  address("PostMaster", c.post_master);
  address("ErrorsAdmin", c.errors_admin);
  address("TempErrorsAdmin", c.temp_errors_admin);
  text("DefaultSMTPGateways", c.default_smtp_gateways);
  text("HeloDomain", c.helo_domain);
  flag("CheckMailerDomain", c.check_mailer_domain);
  flag("RemoveSpoolErrors", c.remove_spool_errors);
  number("NotifyMsgLinesExtra", c.notify_msg_lines_extra);
  flag("NotifySendLogToSender", c.notify_send_log_to_sender);
  if (auto v = t.find("NotifyTryPattern")) {
    for (auto piece : split(v->value, ',')) {
      if (piece.empty()) continue;
      auto n = parse_number(piece, 1, 1000);
      if (!n) {
        bad(*v, "expected comma-separated attempt numbers, found '" + std::string(piece) + "'");
        c.notify_try_pattern.clear();
        break;
      }
      c.notify_try_pattern.push_back(static_cast<int>(*n));
    }
  }
  flag("AllowNullSender", c.allow_null_sender);
  flag("NoSenderBounce", c.no_sender_bounce);
  number("MaxMTAOps", c.max_mta_ops);
  number("ReceivedHdrType", c.received_hdr_type);
  text("FetchHdrTags", c.fetch_hdr_tags);
  number("SMTP-MaxErrors", c.smtp_max_errors);
  opt_text("SmtpMsgIPBanSpammers", c.smtp_msg_ipban_spammers);
  opt_text("SmtpMsgIPBanSpamAddress", c.smtp_msg_ipban_spam_address);
  opt_text("SmtpMsgIPBanMaps", c.smtp_msg_ipban_maps);
  opt_text("SmtpMsgIPBan", c.smtp_msg_ipban);
  text("CustomSMTPMessage", c.custom_smtp_message);
  number("SMTP-IpMapDropCode", c.smtp_ipmap_drop_code);
  flag("AllowSmtpVRFY", c.allow_smtp_vrfy);
  flag("AllowSmtpETRN", c.allow_smtp_etrn);
  number("SmtpMinDiskSpace", c.smtp_min_disk_space);
  number("SmtpMinVirtMemSpace", c.smtp_min_virt_mem_space);
  number("Pop3MinVirtMemSpace", c.pop3_min_virt_mem_space);
  address("Pop3SyncErrorAccount", c.pop3_sync_error_account);
  flag("EnableAuthSMTP-POP3", c.enable_auth_smtp_pop3);
  number("MaxMessageSize", c.max_message_size_kb);
  if (auto v = t.find("DefaultSmtpPerms")) {
    if (auto why = check_variable_value(*find_server_variable("DefaultSmtpPerms"), v->value)) bad(*v, *why);
    c.default_smtp_perms = v->value;
  }
  if (auto v = t.find("CustMapsList")) {
    for (auto piece : split(v->value, ',')) {
      if (piece.empty()) continue;
      auto colon = piece.rfind(':');
      // the code means what SMTP-IpMapDropCode's does: 1 drop, 0 auth only, -S delay S seconds
      auto code = colon == std::string_view::npos ? std::nullopt : parse_number(piece.substr(colon + 1), -86400, 1);
      if (!code) {
        bad(*v, "expected root:code entries (code -86400..1), found '" + std::string(piece) + "'");
        continue;
      }
      c.cust_maps_list.push_back({std::string(piece.substr(0, colon)), static_cast<int>(*code)});
    }
  }
  number("SMTP-RDNSCheck", c.smtp_rdns_check);
  text("SmartDNSHost", c.smart_dns_host);
  flag("DisableEmitAuthUser", c.disable_emit_auth_user);
  text("SmtpGwConfig", c.smtp_gw_config);
  number("Pop3LogPasswd", c.pop3_log_passwd);
  if (auto v = t.find("SmtpNoTLSAuths")) {
    std::vector<std::string> list;
    for (auto piece : split(v->value, ','))
      if (!trim(piece).empty()) list.push_back(to_upper(trim(piece)));
    c.smtp_no_tls_auths = std::move(list);
  }
  flag("EnableCTRL-TLS", c.enable_ctrl_tls);
  flag("EnablePOP3-TLS", c.enable_pop3_tls);
  flag("EnableSMTP-TLS", c.enable_smtp_tls);
  flag("SSLUseCertsFile", c.ssl_use_certs_file);
  flag("SSLUseCertsDir", c.ssl_use_certs_dir);
  flag("SSLWantVerify", c.ssl_want_verify);
  flag("SSLAllowSelfSigned", c.ssl_allow_self_signed);
  flag("SSLWantCert", c.ssl_want_cert);
  number("SSLMaxCertsDepth", c.ssl_max_certs_depth);
  text("SmtpConfig", c.smtp_config);
  for (auto& v : t.all()) {
    if (v.name.size() > 11 && v.name.compare(0, 11, "SmtpConfig-") == 0 && t.find(v.name) == &v)
      c.smtp_config_endpoints.emplace_back(v.name.substr(11), v.value);
  }
  if (auto v = t.find("SMTP-BareLF")) {
    if (auto why = check_variable_value(*find_server_variable("SMTP-BareLF"), v->value)) {
      bad(*v, *why);
    } else {
      c.smtp_bare_lf = iequals(v->value, "reject") ? bare_lf_policy::reject : bare_lf_policy::normalize;
    }
  }
  return c;
}

smtp_config_flags server_config::smtp_config_for(const std::string& local_ip, int local_port) const {
  auto parse_tokens = [](std::string_view value, std::string origin) {
    smtp_config_flags f;
    f.origin = std::move(origin);
    for (auto tok : split(value, ',')) {
      auto t = trim(tok);
      if (iequals(t, "MailAuth") || iequals(t, "mail-auth")) f.mail_auth = true;
      if (iequals(t, "WantTLS")) f.want_tls = true;
    }
    return f;
  };
  std::string with_port = local_ip + "," + std::to_string(local_port);
  for (auto& [ep, value] : smtp_config_endpoints)
    if (ep == with_port) return parse_tokens(value, "SmtpConfig-" + ep);
  for (auto& [ep, value] : smtp_config_endpoints)
    if (ep == local_ip) return parse_tokens(value, "SmtpConfig-" + ep);
  if (vars.find("SmtpConfig")) return parse_tokens(smtp_config, "SmtpConfig");
  return {};
}

source server_config::origin(std::string_view name) const {
  auto v = vars.find(name);
  return v ? v->src : source{};
}

}  // namespace mailflow::config
