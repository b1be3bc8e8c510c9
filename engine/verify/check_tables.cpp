// Checks that need only the root tables: duplicates, accounts, aliases and
// their targets, domain aliases, extaliases.tab, pop3links.tab, passwords,
// relay and CTRL exposure, server.tab and userdef.tab variables.
#include <algorithm>
#include <array>
#include <unordered_map>

#include "config/variables.hpp"
#include "core/codec.hpp"
#include "core/text.hpp"
#include "core/wildcard.hpp"
#include "state.hpp"
#include "suggest.hpp"

namespace mailflow::verify {

namespace {

using namespace mailflow::config;

std::string where(const source& src) { return src.location(); }

// --- server.tab -------------------------------------------------------------

void check_server_variables(state& s) {
  const auto& vars = s.mr->server().vars;
  std::vector<std::string_view> names;
  for (auto& d : server_variable_descriptors())
    if (d.name.back() != '*') names.push_back(d.name);
  for (auto& v : vars.all()) {
    if (vars.find(v.name) != &v) {
      s.at(severity::warning, v.src, 0, "duplicate-variable",
           "'" + v.name + "' is set again: XMail uses " + where(vars.find(v.name)->src) + " and ignores this line");
      continue;
    }
    if (!find_server_variable(v.name))
      s.at(severity::error, v.src, 0, "unknown-variable",
           "unknown server.tab variable '" + v.name + "': XMail ignores it" + did_you_mean(v.name, names));
  }
  // XMail 1.27 sets a flag for it that no check reads (SMTPF_IPMAPPED_IP) [connect/04]
  if (auto v = vars.find("SMTP-IpMapDropCode"); v && trim(v->value) == "0")
    s.at(severity::warning, v->src, 0, "ipmap-dropcode-zero",
         "SMTP-IpMapDropCode 0 does not restrict DENY-ed clients: XMail 1.27 serves them as any other (use 1 to drop them)");
  if (vars.file() && !vars.find("RootDomain"))
    s.about(severity::warning, "server.tab", "missing-root-domain",
            "RootDomain is not set: XMail names itself with it in EHLO/HELO replies and bounces");
}

// --- domains and accounts ---------------------------------------------------

void check_domains(state& s) {
  const auto& domains = s.mr->domains();
  for (auto [dup, first] : s.mr->duplicate_domains())
    s.at(severity::warning, domains[dup].src, 0, "duplicate-domain",
         "domain '" + domains[dup].name + "' is already listed at " + where(domains[first].src));
}

// Passwords anyone would try first (manual, CONFIGURATION: "use a non-trivial
// username and password"), compared ignoring case.
using namespace std::string_view_literals;
constexpr std::array well_known_passwords = {
    "xmail"sv, "password"sv, "passw0rd"sv, "admin"sv,   "administrator"sv, "root"sv,     "secret"sv,
    "changeme"sv, "test"sv,  "guest"sv,    "default"sv, "welcome"sv,       "letmein"sv,  "qwerty"sv,
    "abc123"sv, "mail"sv,    "pass"sv,     "1234"sv,    "12345"sv,         "123456"sv,   "1234567"sv,
    "12345678"sv, "123456789"sv, "111111"sv, "000000"sv, "postmaster"sv,
};

// Empty, well-known or equal to the login name (user, or user@domain when a
// domain is given); says which, or nothing.
std::optional<std::string> weak_password(std::string_view clear, std::string_view user, std::string_view domain) {
  if (clear.empty()) return "is empty";
  bool is_address = !domain.empty() && clear.size() == user.size() + 1 + domain.size() &&
                    iequals(clear.substr(0, user.size()), user) && clear[user.size()] == '@' &&
                    iequals(clear.substr(user.size() + 1), domain);
  if (iequals(clear, user) || is_address) return "is the same as the user name";
  for (auto w : well_known_passwords)
    if (clear.size() == w.size() && iequals(clear, w)) return "is a well-known password";
  return std::nullopt;
}

// `who` names the login in a message ("account cop@hunet.jp"); it is made only when needed.
template <class Who>
void check_encoded_password(state& s, const source& src, std::size_t field, std::string_view encoded,
                            std::string_view user, std::string_view domain, Who who) {
  auto clear = xmail_password_decode(encoded);
  if (!clear) {
    s.at(severity::warning, src, field, "bad-password-encoding",
         "the password of " + who() + " is not XMCrypt-encoded (pairs of hex digits): XMail cannot decode it, so " +
             "logins fail");
    return;
  }
  if (auto why = weak_password(*clear, user, domain))
    s.at(severity::warning, src, field, "weak-password", "the password of " + who() + " " + *why);
}

void check_accounts(state& s) {
  const auto& m = *s.mr;
  auto& accounts = m.accounts();
  std::vector<bool> duplicate(accounts.size());
  for (auto [dup, first] : m.duplicate_accounts()) {
    duplicate[dup] = true;
    auto& a = accounts[dup];
    s.at(severity::warning, a.src, 1, "duplicate-account",
         "account " + a.address() + " is already defined at " + where(accounts[first].src) +
             ": XMail uses that line and ignores this one");
  }
  std::vector<std::pair<std::uint32_t, std::size_t>> ids;
  ids.reserve(accounts.size());
  for (std::size_t i = 0; i < accounts.size(); ++i) {
    auto& a = accounts[i];
    ids.emplace_back(a.id, i);
    if (duplicate[i]) continue;
    if (!m.find_domain(a.domain))
      s.at(severity::warning, a.src, 0, "account-domain-not-local",
           "domain '" + a.domain + "' of account " + a.address() +
               " is not in domains.tab: XMail treats mail for it as remote");
    check_encoded_password(s, a.src, 2, a.password, a.name, a.domain, [&] { return "account " + a.address(); });
  }
  // mailusers.tab: "user id 'must' be unique for all users" (manual: MAILUSERS.TAB)
  std::sort(ids.begin(), ids.end());
  for (std::size_t i = 1; i < ids.size(); ++i) {
    if (ids[i].first != ids[i - 1].first) continue;
    std::size_t first = i - 1;
    while (first > 0 && ids[first - 1].first == ids[i].first) --first;
    auto& a = accounts[ids[i].second];
    auto& b = accounts[ids[first].second];
    s.at(severity::error, a.src, 3, "duplicate-account-id",
         "account id " + std::to_string(a.id) + " of " + a.address() + " is already used by " + b.address() + " at " +
             where(b.src) + ": ids must be unique");
  }
}

// --- aliases (xmail-behaviour.md, "Matching") -------------------------------

std::string alias_name(const alias_entry& a) { return address_of(a.alias, a.domain); }

// Why `user@domain`, the target of `a`, is no account; empty when it is one.
// An alias resolves one level, to a local account only.
struct target_problem {
  std::string code;
  std::string message;
};

// `account` is find_account(user, domain), looked up by the caller.
std::optional<target_problem> check_target(state& s, const alias_entry& a, std::string_view user,
                                           std::string_view domain, const account* account) {
  const auto& m = *s.mr;
  if (account) return std::nullopt;
  std::string target = address_of(user, domain);
  std::string dead = ", so RCPT to " + alias_name(a) + " answers 550";
  if (!m.find_domain(domain)) {
    std::string why = m.find_alias_domain(domain) ? " (a domain alias: the target is looked up as written)" : "";
    return target_problem{"alias-target-remote", "alias " + alias_name(a) + " points to " + target +
                                                     ", which is not in a local domain" + why +
                                                     ": XMail resolves an alias to a local account only" + dead};
  }
  const alias_entry* next = m.find_alias(user, domain);
  if (!next) return target_problem{"alias-target-missing", "alias " + alias_name(a) + " points to " + target +
                                                               ", which is no account" + dead};
  // Follow the chain only to tell a loop from a chain.
  std::vector<const alias_entry*> seen{&a};
  std::string path = alias_name(a) + " -> " + target;
  std::string cur_domain(domain);
  for (int step = 0; next && step < 32; ++step) {
    if (std::find(seen.begin(), seen.end(), next) != seen.end())
      return target_problem{"alias-loop", "alias loop: " + path + ": aliases resolve one level only" + dead};
    seen.push_back(next);
    auto [u, d] = m.alias_target(*next, cur_domain);
    path += " -> " + address_of(u, d);
    if (m.find_account(u, d) || !m.find_domain(d)) break;
    cur_domain = d;
    next = m.find_alias(u, d);
  }
  return target_problem{"alias-chain", "alias " + alias_name(a) + " points to " + target + ", which is itself an alias (" +
                                           where(m.find_alias(user, domain)->src) +
                                           "): XMail resolves an alias one level, to a local account only" + dead};
}

void check_aliases(state& s) {
  const auto& m = *s.mr;
  const auto& aliases = m.aliases();
  std::vector<bool> skip(aliases.size());
  auto report_duplicate = [&](std::size_t dup, std::size_t first) {
    skip[dup] = true;
    s.at(severity::warning, aliases[dup].src, 1, "duplicate-alias",
         "alias " + alias_name(aliases[dup]) + " is already defined at " + where(aliases[first].src) +
             ": this line is never used");
  };
  for (auto [dup, first] : m.duplicate_aliases()) report_duplicate(dup, first);
  // Wildcard lines are not indexed, and few: equal patterns are duplicates too
  // (the first wins: same length, earlier line).
  std::unordered_map<std::string, std::size_t> wild_first;
  for (std::size_t i = 0; i < aliases.size(); ++i) {
    auto& a = aliases[i];
    if (!has_wildcards(a.domain) && !has_wildcards(a.alias)) continue;
    auto [it, inserted] = wild_first.try_emplace(to_lower(a.domain) + '\t' + to_lower(a.alias), i);
    if (!inserted) report_duplicate(i, it->second);
  }

  // The account lookups of every line in two batches: a line named like an
  // account, and the account a line points to (when its domain is known).
  std::vector<mailroot::account_key> shadow_keys(aliases.size()), target_keys(aliases.size());
  for (std::size_t i = 0; i < aliases.size(); ++i) {
    auto& a = aliases[i];
    if (skip[i]) continue;
    if (!has_wildcards(a.domain) && !has_wildcards(a.alias)) shadow_keys[i] = {a.alias, a.domain};
    if (!has_wildcards(a.domain) || a.target.find('@') != std::string::npos)
      target_keys[i] = mailroot::alias_target_view(a, a.domain);
  }
  std::vector<const account*> shadowing(aliases.size()), targets(aliases.size());
  m.find_accounts(shadow_keys, shadowing);
  m.find_accounts(target_keys, targets);
  shadow_keys = {};  // no longer needed: give the memory back

  for (std::size_t i = 0; i < aliases.size(); ++i) {
    if (skip[i]) continue;
    auto& a = aliases[i];
    bool literal_domain = !has_wildcards(a.domain);
    if (auto* acc = shadowing[i]) {
      s.at(severity::warning, a.src, 1, "alias-shadowed-by-account",
           alias_name(a) + " is an account (" + where(acc->src) + "): the account wins and this alias is never used");
      continue;
    }
    if (literal_domain && !m.find_domain(a.domain)) {
      s.at(severity::warning, a.src, 0, "alias-domain-not-local",
           "domain '" + a.domain + "' is not in domains.tab: XMail looks up aliases only for local domains, so " +
               "this alias is never used");
      continue;
    }

    if (literal_domain || a.target.find('@') != std::string::npos) {
      auto [user, domain] = target_keys[i];
      if (auto p = check_target(s, a, user, domain, targets[i])) s.at(severity::error, a.src, 2, p->code, p->message);
      continue;
    }
    // "user" with a wildcard domain: the recipient's domain, so every local domain the pattern matches.
    std::vector<std::string> missing;
    for (std::size_t d = 0; d < m.domains().size(); ++d) {
      auto& name = m.domains()[d].name;
      if (wildcard_match(a.domain, name) && m.find_domain(name) == &m.domains()[d] && !m.find_account(a.target, name))
        missing.push_back(name);
    }
    if (missing.empty()) continue;
    std::string list;
    for (std::size_t k = 0; k < missing.size() && k < 5; ++k) list += (k ? ", " : "") + missing[k];
    if (missing.size() > 5) list += " and " + std::to_string(missing.size() - 5) + " more";
    s.at(severity::error, a.src, 2, "alias-target-missing",
         "alias " + alias_name(a) + " points to '" + a.target + "' in the recipient's domain, which is no account in " +
             list + ", so RCPT there answers 550");
  }
}

void check_alias_domains(state& s) {
  const auto& m = *s.mr;
  const auto& all = m.alias_domains();
  for (std::size_t i = 0; i < all.size(); ++i) {
    auto& e = all[i];
    const alias_domain_entry* first = nullptr;
    for (std::size_t j = 0; j < i && !first; ++j)
      if (iequals(all[j].pattern, e.pattern)) first = &all[j];
    if (first) {
      s.at(severity::warning, e.src, 0, "duplicate-alias-domain",
           "domain alias '" + e.pattern + "' is already defined at " + where(first->src) + ": this line is never used");
      continue;
    }
    if (m.find_domain(e.target)) continue;
    std::string why = m.find_alias_domain(e.target) ? " (it is itself a domain alias)" : "";
    s.at(severity::error, e.src, 1, "alias-domain-target-unknown",
         "domain alias '" + e.pattern + "' maps to '" + e.target + "', which is not in domains.tab" + why +
             ": mail for " + e.pattern + " is not delivered locally");
  }
}

void check_ext_aliases(state& s) {
  for (auto& e : s.mr->ext_aliases()) {
    if (s.mr->find_account(e.local_user, e.local_domain)) continue;
    s.at(severity::warning, e.src, 2, "ext-alias-target-unknown",
         "extaliases.tab maps " + address_of(e.ext_account, e.ext_domain) + " to " +
             address_of(e.local_user, e.local_domain) + ", which is no local account");
  }
}

void check_pop3links(state& s) {
  for (auto& e : s.mr->pop3links()) {
    // "@domain", "?domain,..." and "&.suffix,..." push fetched mail to the spool (manual: POP3LINKS.TAB).
    if (e.local_domain.empty() || e.local_domain[0] == '@' || e.local_domain[0] == '?' || e.local_domain[0] == '&')
      continue;
    if (s.mr->find_account(e.local_account, e.local_domain)) continue;
    s.at(severity::warning, e.src, 0, "pop3link-account-unknown",
         "mail fetched from " + address_of(e.ext_account, e.ext_domain) + " goes to " +
             address_of(e.local_account, e.local_domain) + ", which is no local account");
  }
}

// --- security ---------------------------------------------------------------

void check_security(state& s) {
  const auto& m = *s.mr;
  for (auto& e : m.relay())
    if (e.net.matches_everything())
      s.at(severity::warning, e.src, 0, "open-relay",
           "smtprelay.tab lets every address relay (" + e.net.to_string() + "): an open relay");

  // CTRL: an address no line matches is allowed (xmail-behaviour.md, "Order of
  // checks"), so a file without a DENY for everyone is open to everyone.
  if (auto* f = m.file("ctrl.ipmap.tab")) {
    auto probe = *ip_address::parse("203.0.113.7");  // stands for any public address
    auto* decision = mailroot::decide_ipmap(m.ipmap(ipmap_kind::ctrl), probe);
    if (!decision)
      s.about(severity::warning, f->path(), "ctrl-open",
              "no line denies the addresses it does not list, and XMail allows what no line matches: every address "
              "may connect to the CTRL (admin) port; add \"0.0.0.0\" \"0.0.0.0\" \"DENY\" 1");
    if (decision && decision->allow && decision->net.matches_everything())
      s.at(severity::warning, decision->src, 0, "ctrl-open",
           "every address may connect to the CTRL (admin) port: allow only trusted networks such as 127.0.0.0/8");
  }

  for (auto& c : m.ctrl_accounts())
    check_encoded_password(s, c.src, 1, c.password, c.name, {}, [&] { return "CTRL account '" + c.name + "'"; });
  for (auto& e : m.smtpauth())  // smtpauth.tab keeps passwords in clear (manual: SMTPAUTH.TAB)
    if (auto why = weak_password(e.password, e.user, {}))
      s.at(severity::warning, e.src, 1, "weak-password", "the password of smtpauth.tab user '" + e.user + "' " + *why);
}

// userdef.tab at the root: defaults copied into each new account's user.tab.
void check_root_userdef(state& s) {
  auto file = tab_file::load(s.root, "userdef.tab", s.diags);
  if (!file) return;
  s.read(file.get());
  check_user_variables(s, variable_table::from(file.get(), s.diags));
}

}  // namespace

std::string address_of(std::string_view user, std::string_view domain) {
  std::string a(user);
  a += '@';
  a += domain;
  return a;
}

void check_user_variables(state& s, const variable_table& vars) {
  std::vector<std::string_view> names;
  for (auto& d : user_variable_descriptors()) names.push_back(d.name);
  for (auto& v : vars.all()) {
    if (vars.find(v.name) != &v) {
      s.at(severity::warning, v.src, 0, "duplicate-variable",
           "'" + v.name + "' is set again: XMail uses " + where(vars.find(v.name)->src) + " and ignores this line");
      continue;
    }
    auto* d = find_user_variable(v.name);
    if (!d) {
      s.at(severity::warning, v.src, 0, "unknown-user-variable",
           "unknown user variable '" + v.name + "': XMail ignores it" + did_you_mean(v.name, names));
      continue;
    }
    if (auto why = check_variable_value(*d, v.value)) s.at(severity::error, v.src, 1, "bad-value", v.name + ": " + *why);
  }
}

void run_table_checks(state& s) {
  check_server_variables(s);
  check_domains(s);
  check_accounts(s);
  check_aliases(s);
  check_alias_domains(s);
  check_ext_aliases(s);
  check_pop3links(s);
  check_security(s);
  check_root_userdef(s);
}

}  // namespace mailflow::verify
