#include "tables.hpp"

#include "core/text.hpp"
#include "core/wildcard.hpp"

namespace mailflow::config {

namespace {

// Reports a record whose field count is outside [min, max] (max 0 = no upper bound).
bool check_count(const tab_file& f, const tab_record& r, std::size_t min, std::size_t max, std::string_view shape,
                 diagnostic_list& diags) {
  if (r.size() >= min && (max == 0 || r.size() <= max)) return true;
  std::string expected = max == min ? std::to_string(min) : max == 0 ? std::to_string(min) + " or more"
                                                                     : std::to_string(min) + "-" + std::to_string(max);
  diags.error(f.path(), r.line, r.size() > max && max ? r.column(max) : 1, "field-count",
              "expected " + expected + " fields (" + std::string(shape) + "), found " + std::to_string(r.size()));
  return false;
}

bool check_not_empty(const tab_file& f, const tab_record& r, std::size_t i, std::string_view what,
                     diagnostic_list& diags) {
  if (!r[i].empty()) return true;
  diags.error(f.path(), r.line, r.column(i), "empty-field", std::string(what) + " is empty");
  return false;
}

std::optional<bool> parse_prop_flag(std::string_view v) {
  if (v == "0") return false;
  if (v == "1") return true;
  return std::nullopt;
}

// "Var=val" fields of smtp.ipprop.tab / smtp.hnprop.tab from field `first` on.
bool parse_props(const tab_file& f, const tab_record& r, std::size_t first, smtp_props& p, diagnostic_list& diags) {
  bool ok = true;
  for (std::size_t i = first; i < r.size(); ++i) {
    auto field = r[i];
    auto eq = field.find('=');
    if (eq == std::string_view::npos) {
      diags.error(f.path(), r.line, r.column(i), "bad-property", "expected Var=value, found '" + std::string(field) + "'");
      ok = false;
      continue;
    }
    auto name = field.substr(0, eq);
    auto value = parse_prop_flag(field.substr(eq + 1));
    std::optional<bool>* slot = nullptr;
    if (name == "WhiteList") slot = &p.white_list;
    else if (name == "EaseTLS") slot = &p.ease_tls;
    else if (name == "SenderDomainCheck") slot = &p.sender_domain_check;
    else if (name == "NoAuth") slot = &p.no_auth;
    else if (name == "EnableVRFY") slot = &p.enable_vrfy;
    else if (name == "EnableETRN") slot = &p.enable_etrn;
    if (!slot) {
      diags.warning(f.path(), r.line, r.column(i), "unknown-property",
                    "unknown property '" + std::string(name) +
                        "' (WhiteList, EaseTLS, SenderDomainCheck, NoAuth, EnableVRFY, EnableETRN)");
      continue;
    }
    if (!value) {
      diags.error(f.path(), r.line, r.column(i) + static_cast<std::uint32_t>(eq + 1), "bad-value",
                  std::string(name) + ": expected 0 or 1");
      ok = false;
      continue;
    }
    *slot = value;
  }
  return ok;
}

}  // namespace

const char* proc_keyword_name(proc_keyword k) {
  switch (k) {
    case proc_keyword::external: return "external";
    case proc_keyword::filter: return "filter";
    case proc_keyword::mailbox: return "mailbox";
    case proc_keyword::redirect: return "redirect";
    case proc_keyword::lredirect: return "lredirect";
    case proc_keyword::smtprelay: return "smtprelay";
    case proc_keyword::smtp: return "smtp";
  }
  return "?";
}

std::optional<ip_network> parse_network_fields(const tab_file& f, const tab_record& r, std::size_t& i,
                                               diagnostic_list& diags) {
  if (i >= r.size()) {
    diags.error(f.path(), r.line, 1, "field-count", "missing network address");
    return std::nullopt;
  }
  std::string err;
  auto first = r[i];
  if (first.find('/') != std::string_view::npos) {
    auto n = ip_network::parse_cidr(first, &err);
    if (!n) diags.error(f.path(), r.line, r.column(i), "bad-network", err);
    ++i;
    return n;
  }
  if (i + 1 < r.size() && ip_address::parse(r[i + 1])) {
    auto n = ip_network::parse_with_mask(first, r[i + 1], &err);
    if (!n) diags.error(f.path(), r.line, r.column(i), "bad-network", err);
    i += 2;
    return n;
  }
  if (i + 1 < r.size() && r[i + 1].find_first_not_of("0123456789.:abcdefABCDEF") == std::string_view::npos &&
      !r[i + 1].empty()) {
    diags.error(f.path(), r.line, r.column(i + 1), "bad-network", "invalid netmask '" + std::string(r[i + 1]) + "'");
    i += 2;
    return std::nullopt;
  }
  if (!ip_address::parse(first)) {
    diags.error(f.path(), r.line, r.column(i), "bad-network", "invalid IP address '" + std::string(first) + "'");
  } else {
    diags.error(f.path(), r.line, r.column(i), "bad-network",
                "address '" + std::string(first) + "' needs a netmask field or a /bits suffix");
  }
  ++i;
  return std::nullopt;
}

std::vector<domain_entry> parse_domains(const tab_file* f, diagnostic_list& diags) {
  std::vector<domain_entry> out;
  if (!f) return out;
  for (auto& r : f->records()) {
    if (!check_count(*f, r, 1, 1, "\"domain\"", diags) || !check_not_empty(*f, r, 0, "domain", diags)) continue;
    out.push_back({std::string(r[0]), {f, &r}});
  }
  return out;
}

std::vector<alias_domain_entry> parse_alias_domains(const tab_file* f, diagnostic_list& diags) {
  std::vector<alias_domain_entry> out;
  if (!f) return out;
  for (auto& r : f->records()) {
    if (!check_count(*f, r, 2, 2, "\"alias-domain\" \"real-domain\"", diags)) continue;
    if (!check_not_empty(*f, r, 0, "alias domain", diags) || !check_not_empty(*f, r, 1, "real domain", diags)) continue;
    out.push_back({std::string(r[0]), std::string(r[1]), {f, &r}});
  }
  return out;
}

std::vector<alias_entry> parse_aliases(const tab_file* f, diagnostic_list& diags) {
  std::vector<alias_entry> out;
  if (!f) return out;
  out.reserve(f->records().size());
  for (auto& r : f->records()) {
    if (!check_count(*f, r, 3, 3, "\"domain\" \"alias\" \"account\"", diags)) continue;
    if (!check_not_empty(*f, r, 0, "domain", diags) || !check_not_empty(*f, r, 1, "alias", diags) ||
        !check_not_empty(*f, r, 2, "account", diags))
      continue;
    out.push_back({std::string(r[0]), std::string(r[1]), std::string(r[2]), {f, &r}});
  }
  return out;
}

std::vector<ext_alias_entry> parse_ext_aliases(const tab_file* f, diagnostic_list& diags) {
  std::vector<ext_alias_entry> out;
  if (!f) return out;
  for (auto& r : f->records()) {
    if (!check_count(*f, r, 4, 4, "\"ext-domain\" \"ext-account\" \"local-domain\" \"local-user\"", diags)) continue;
    out.push_back({std::string(r[0]), std::string(r[1]), std::string(r[2]), std::string(r[3]), {f, &r}});
  }
  return out;
}

std::vector<account> parse_accounts(const tab_file* f, diagnostic_list& diags) {
  std::vector<account> out;
  if (!f) return out;
  out.reserve(f->records().size());
  for (auto& r : f->records()) {
    if (!check_count(*f, r, 6, 6, "\"domain\" \"account\" \"password\" id \"dir\" \"U|M\"", diags)) continue;
    if (!check_not_empty(*f, r, 0, "domain", diags) || !check_not_empty(*f, r, 1, "account", diags) ||
        !check_not_empty(*f, r, 4, "account folder", diags))
      continue;
    auto id = parse_number(r[3], 0, 0xffffffffLL);
    if (!id) {
      diags.error(f->path(), r.line, r.column(3), "bad-account-id",
                  "account id '" + std::string(r[3]) + "' is not a number");
      continue;
    }
    if (*id == 0) {
      diags.error(f->path(), r.line, r.column(3), "account-id-zero", "account id 0 is reserved by XMail");
      continue;
    }
    account_type type;
    if (r[5] == "U") {
      type = account_type::user;
    } else if (r[5] == "M") {
      type = account_type::mailing_list;
    } else {
      diags.error(f->path(), r.line, r.column(5), "bad-account-type",
                  "unknown account type '" + std::string(r[5]) + "' (U user, M mailing list)");
      continue;
    }
    account a;
    a.domain = std::string(r[0]);
    a.name = std::string(r[1]);
    a.password = std::string(r[2]);
    a.id = static_cast<std::uint32_t>(*id);
    a.dir = std::string(r[4]);
    a.type = type;
    a.src = {f, &r};
    out.push_back(std::move(a));
  }
  return out;
}

std::vector<ctrl_account> parse_ctrl_accounts(const tab_file* f, diagnostic_list& diags) {
  std::vector<ctrl_account> out;
  if (!f) return out;
  for (auto& r : f->records()) {
    if (!check_count(*f, r, 2, 2, "\"user\" \"password\"", diags)) continue;
    out.push_back({std::string(r[0]), std::string(r[1]), {f, &r}});
  }
  return out;
}

std::vector<network_entry> parse_relay(const tab_file* f, diagnostic_list& diags) {
  std::vector<network_entry> out;
  if (!f) return out;
  for (auto& r : f->records()) {
    std::size_t i = 0;
    auto n = parse_network_fields(*f, r, i, diags);
    if (!n) continue;
    if (i != r.size()) {
      diags.error(f->path(), r.line, r.column(i), "field-count", "unexpected field after the network");
      continue;
    }
    out.push_back({*n, {f, &r}});
  }
  return out;
}

std::vector<smtpauth_entry> parse_smtpauth(const tab_file* f, diagnostic_list& diags) {
  std::vector<smtpauth_entry> out;
  if (!f) return out;
  for (auto& r : f->records()) {
    if (!check_count(*f, r, 3, 3, "\"user\" \"password\" \"perms\"", diags)) continue;
    bool ok = true;
    for (char c : r[2]) {
      if (std::string_view("MRVTZS").find(ascii_upper(c)) == std::string_view::npos) {
        diags.error(f->path(), r.line, r.column(2), "bad-perms",
                    std::string("unknown permission '") + c + "' (M R V T Z S)");
        ok = false;
        break;
      }
    }
    if (ok) out.push_back({std::string(r[0]), std::string(r[1]), std::string(r[2]), {f, &r}});
  }
  return out;
}

std::vector<extauth_entry> parse_extauth(const tab_file* f, diagnostic_list& diags) {
  std::vector<extauth_entry> out;
  if (!f) return out;
  for (auto& r : f->records()) {
    if (!check_count(*f, r, 2, 0, "\"auth-name\" \"program\" \"arg-or-macro\"...", diags)) continue;
    if (!check_not_empty(*f, r, 0, "auth name", diags) || !check_not_empty(*f, r, 1, "program", diags)) continue;
    extauth_entry e;
    e.name = to_upper(r[0]);
    for (std::size_t i = 1; i < r.size(); ++i) e.command.emplace_back(r[i]);
    e.src = {f, &r};
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<route_entry> parse_routes(const tab_file* f, diagnostic_list& diags) {
  std::vector<route_entry> out;
  if (!f) return out;
  for (auto& r : f->records()) {
    if (!check_count(*f, r, 2, 2, "\"domain\" \"route\"", diags)) continue;
    out.push_back({std::string(r[0]), std::string(r[1]), {f, &r}});
  }
  return out;
}

std::vector<spammer_entry> parse_spammers(const tab_file* f, diagnostic_list& diags) {
  std::vector<spammer_entry> out;
  if (!f) return out;
  for (auto& r : f->records()) {
    std::size_t i = 0;
    auto n = parse_network_fields(*f, r, i, diags);
    if (!n) continue;
    spammer_entry e{*n, 1, false, {f, &r}};
    bool ok = true;
    if (i < r.size()) {
      for (auto param : split(r[i], ',')) {
        auto eq = param.find('=');
        auto name = trim(param.substr(0, eq));
        if (name.empty()) continue;
        if (name != "code" || eq == std::string_view::npos) {
          diags.warning(f->path(), r.line, r.column(i), "unknown-parameter",
                        "unknown parameter '" + std::string(name) + "' (supported: code)");
          continue;
        }
        // manual, SPAMMERS.TAB: code=1 drop, code=0 auth only, code=-S delay S seconds
        auto code = parse_number(trim(param.substr(eq + 1)), -86400, 1);
        if (!code) {
          diags.error(f->path(), r.line, r.column(i), "bad-value",
                      "code: expected a whole number in -86400..1, found '" + std::string(trim(param.substr(eq + 1))) + "'");
          ok = false;
          continue;
        }
        e.code = static_cast<int>(*code);
        e.code_given = true;
      }
      ++i;
    }
    if (i < r.size()) {
      diags.error(f->path(), r.line, r.column(i), "field-count", "unexpected field after the parameters");
      ok = false;
    }
    if (ok) out.push_back(e);
  }
  return out;
}

std::vector<spam_address_entry> parse_spam_addresses(const tab_file* f, diagnostic_list& diags) {
  std::vector<spam_address_entry> out;
  if (!f) return out;
  for (auto& r : f->records()) {
    if (!check_count(*f, r, 1, 1, "\"address-pattern\"", diags) || !check_not_empty(*f, r, 0, "pattern", diags))
      continue;
    out.push_back({std::string(r[0]), {f, &r}});
  }
  return out;
}

std::vector<ipmap_entry> parse_ipmap(const tab_file* f, diagnostic_list& diags) {
  std::vector<ipmap_entry> out;
  if (!f) return out;
  for (auto& r : f->records()) {
    std::size_t i = 0;
    auto n = parse_network_fields(*f, r, i, diags);
    if (!n) continue;
    if (i + 2 != r.size()) {
      diags.error(f->path(), r.line, r.column(std::min(i, r.size())), "field-count",
                  "expected \"addr\" \"netmask\" \"ALLOW|DENY\" precedence");
      continue;
    }
    bool allow;
    if (iequals(r[i], "ALLOW")) {
      allow = true;
    } else if (iequals(r[i], "DENY")) {
      allow = false;
    } else {
      diags.error(f->path(), r.line, r.column(i), "bad-permission",
                  "expected ALLOW or DENY, found '" + std::string(r[i]) + "'");
      continue;
    }
    auto prec = parse_number(r[i + 1], INT32_MIN, INT32_MAX);
    if (!prec) {
      diags.error(f->path(), r.line, r.column(i + 1), "bad-precedence",
                  "precedence '" + std::string(r[i + 1]) + "' is not a number in " + std::to_string(INT32_MIN) + ".." +
                      std::to_string(INT32_MAX));
      continue;
    }
    out.push_back({*n, allow, static_cast<int>(*prec), {f, &r}});
  }
  return out;
}

std::vector<ipprop_entry> parse_ipprop(const tab_file* f, diagnostic_list& diags) {
  std::vector<ipprop_entry> out;
  if (!f) return out;
  for (auto& r : f->records()) {
    if (!check_count(*f, r, 2, 0, "\"addr/bits\" \"Var=value\"...", diags)) continue;
    std::string err;
    auto n = ip_network::parse_cidr(r[0], &err);
    if (!n) {
      diags.error(f->path(), r.line, r.column(0), "bad-network", err);
      continue;
    }
    ipprop_entry e{*n, {}, {f, &r}};
    if (parse_props(*f, r, 1, e.props, diags)) out.push_back(e);
  }
  return out;
}

std::vector<hnprop_entry> parse_hnprop(const tab_file* f, diagnostic_list& diags) {
  std::vector<hnprop_entry> out;
  if (!f) return out;
  for (auto& r : f->records()) {
    if (!check_count(*f, r, 2, 0, "\"host\" \"Var=value\"...", diags)) continue;
    hnprop_entry e;
    e.subdomains = !r[0].empty() && r[0][0] == '.';
    e.host = std::string(e.subdomains ? r[0].substr(1) : r[0]);
    e.src = {f, &r};
    if (parse_props(*f, r, 1, e.props, diags)) out.push_back(e);
  }
  return out;
}

std::vector<pop3link_entry> parse_pop3links(const tab_file* f, diagnostic_list& diags) {
  std::vector<pop3link_entry> out;
  if (!f) return out;
  for (auto& r : f->records()) {
    if (!check_count(*f, r, 6, 6,
                     "\"local-domain\" \"local-account\" \"ext-domain\" \"ext-account\" \"password\" \"authtype\"", diags))
      continue;
    out.push_back({std::string(r[0]), std::string(r[1]), std::string(r[2]), std::string(r[3]), std::string(r[4]),
                   std::string(r[5]), {f, &r}});
  }
  return out;
}

std::vector<filter_select_entry> parse_filter_selection(const tab_file* f, diagnostic_list& diags) {
  std::vector<filter_select_entry> out;
  if (!f) return out;
  for (auto& r : f->records()) {
    if (!check_count(*f, r, 5, 5, "\"sender\" \"recipient\" \"remote-addr\" \"local-addr\" \"filename\"", diags))
      continue;
    std::string err;
    auto remote = ip_network::parse_cidr(r[2], &err);
    if (!remote) {
      diags.error(f->path(), r.line, r.column(2), "bad-network", err);
      continue;
    }
    auto local = ip_network::parse_cidr(r[3], &err);
    if (!local) {
      diags.error(f->path(), r.line, r.column(3), "bad-network", err);
      continue;
    }
    out.push_back({std::string(r[0]), std::string(r[1]), *remote, *local, std::string(r[4]), {f, &r}});
  }
  return out;
}

std::vector<filter_command> parse_filter_commands(const tab_file* f, diagnostic_list& diags) {
  std::vector<filter_command> out;
  if (!f) return out;
  for (auto& r : f->records()) {
    filter_command c;
    c.src = {f, &r};
    std::size_t i = 0;
    bool ok = true;
    if (r.size() > 0 && !r[0].empty() && r[0][0] == '!') {
      for (auto flag : split(r[0].substr(1), ',')) {
        flag = trim(flag);
        if (flag.empty()) continue;
        if (flag == "aex") {
          c.flags.aex = true;
        } else if (flag == "wlex") {
          c.flags.wlex = true;
        } else if (flag.substr(0, 6) == "timeo=") {
          auto t = parse_number(flag.substr(6), 0, max_filter_timeout_seconds);
          if (!t) {
            diags.error(f->path(), r.line, r.column(0), "bad-value",
                        "timeo: expected seconds, 0.." + std::to_string(max_filter_timeout_seconds));
            ok = false;
          } else {
            c.flags.timeout_seconds = static_cast<int>(*t);
          }
        } else {
          diags.warning(f->path(), r.line, r.column(0), "unknown-filter-flag",
                        "unknown filter flag '" + std::string(flag) + "' (aex, wlex, timeo=N)");
        }
      }
      i = 1;
    }
    if (i >= r.size() || r[i].empty()) {
      diags.error(f->path(), r.line, r.column(i), "field-count", "filter line names no command");
      continue;
    }
    for (; i < r.size(); ++i) c.argv.emplace_back(r[i]);
    if (ok) out.push_back(std::move(c));
  }
  return out;
}

std::vector<proc_command> parse_proc_commands(const tab_file* f, proc_context ctx, diagnostic_list& diags) {
  std::vector<proc_command> out;
  if (!f) return out;
  for (auto& r : f->records()) {
    auto kw = to_lower(r[0]);
    proc_keyword k;
    std::size_t min = 1, max = 0;
    const char* shape = "";
    if (kw == "external" || kw == "filter") {
      k = kw == "external" ? proc_keyword::external : proc_keyword::filter;
      min = 4;
      shape = "\"external|filter\" priority timeout \"program\" args...";
    } else if (kw == "mailbox") {
      k = proc_keyword::mailbox;
      min = max = 1;
      shape = "\"mailbox\"";
    } else if (kw == "redirect" || kw == "lredirect") {
      k = kw == "redirect" ? proc_keyword::redirect : proc_keyword::lredirect;
      min = 2;
      shape = "\"redirect|lredirect\" \"address-or-domain\"...";
    } else if (kw == "smtprelay") {
      k = proc_keyword::smtprelay;
      min = max = 2;
      shape = "\"smtprelay\" \"server[:port];...\"";
    } else if (kw == "smtp") {
      k = proc_keyword::smtp;
      min = max = 1;
      shape = "\"smtp\"";
    } else {
      diags.error(f->path(), r.line, r.column(0), "unknown-command",
                  "unknown command '" + std::string(r[0]) +
                      "' (external, filter, mailbox, redirect, lredirect, smtprelay, smtp)");
      continue;
    }
    if (k == proc_keyword::mailbox && ctx != proc_context::mailproc) {
      diags.error(f->path(), r.line, r.column(0), "unknown-command",
                  "'mailbox' is only valid in mailproc.tab");
      continue;
    }
    if (k == proc_keyword::smtp && ctx == proc_context::mailproc) {
      diags.error(f->path(), r.line, r.column(0), "unknown-command",
                  "'smtp' is only valid in custom domain and command alias files");
      continue;
    }
    if (!check_count(*f, r, min, max, shape, diags)) continue;
    if (k == proc_keyword::external || k == proc_keyword::filter) {
      auto prio = parse_number(r[1], -1, 1);
      if (!prio) {
        diags.error(f->path(), r.line, r.column(1), "bad-value", "priority: expected -1, 0 or 1");
        continue;
      }
      auto timeout = parse_number(r[2], 0, max_filter_timeout_seconds);
      if (!timeout) {
        diags.error(f->path(), r.line, r.column(2), "bad-value",
                    "timeout: expected seconds (0 = no wait) up to " + std::to_string(max_filter_timeout_seconds));
        continue;
      }
    }
    proc_command c{k, {}, {f, &r}};
    for (std::size_t i = 1; i < r.size(); ++i) c.args.emplace_back(r[i]);
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<ml_member> parse_ml_members(const tab_file* f, diagnostic_list& diags) {
  std::vector<ml_member> out;
  if (!f) return out;
  for (auto& r : f->records()) {
    if (!check_count(*f, r, 1, 2, "\"address\" \"perms\"", diags)) continue;
    ml_member m;
    m.address = std::string(r[0]);
    if (r.size() == 2) {
      m.perms = std::string(r[1]);
      bool ok = true;
      for (char c : m.perms)
        if (std::string_view("RWA").find(ascii_upper(c)) == std::string_view::npos) ok = false;
      if (!ok) {
        diags.error(f->path(), r.line, r.column(1), "bad-perms",
                    "unknown list permission in '" + m.perms + "' (R read, W write, A authenticated write)");
        continue;
      }
    }
    if (m.address.find('@') == std::string::npos) {
      diags.error(f->path(), r.line, r.column(0), "bad-address", "subscriber '" + m.address + "' is not user@domain");
      continue;
    }
    m.src = {f, &r};
    out.push_back(std::move(m));
  }
  return out;
}

std::vector<userauth_entry> parse_userauth(const tab_file* f, diagnostic_list& diags) {
  std::vector<userauth_entry> out;
  if (!f) return out;
  for (auto& r : f->records()) {
    if (!check_count(*f, r, 2, 0, "\"action\" \"command\" args...", diags)) continue;
    userauth_entry e;
    e.action = std::string(r[0]);
    for (std::size_t i = 1; i < r.size(); ++i) e.command.emplace_back(r[i]);
    e.src = {f, &r};
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace mailflow::config
