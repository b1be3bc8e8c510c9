// Typed entries of every MailRoot table (manual: CONFIGURATION, "MailRoot
// structure"), and one parser per file kind. Parsers check field counts and
// field values, report problems with `file:line:column`, and keep each entry's
// `source` so decisions can cite it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/tab_file.hpp"
#include "core/ip.hpp"

namespace mailflow::config {

struct domain_entry {          // domains.tab: "domain"
  std::string name;            // as written
  source src;
};

struct alias_domain_entry {    // aliasdomain.tab: "alias-domain" "real-domain" (alias may use wildcards)
  std::string pattern;
  std::string target;
  source src;
};

struct alias_entry {           // aliases.tab: "domain" "alias" "realaccount" (domain and alias may use wildcards)
  std::string domain;
  std::string alias;
  std::string target;          // "user" (same domain) or "user@domain"
  source src;
};

struct ext_alias_entry {       // extaliases.tab: "ext-domain" "ext-account" "local-domain" "local-user"
  std::string ext_domain, ext_account, local_domain, local_user;
  source src;
};

enum class account_type { user, mailing_list };

struct account {               // mailusers.tab: "domain" "account" "enc-passwd" id "dir" "U|M"
  std::string domain;
  std::string name;
  std::string password;        // XMCrypt-encoded, as stored
  std::uint32_t id = 0;
  std::string dir;             // folder under domains/DOMAIN/
  account_type type = account_type::user;
  source src;

  std::string address() const { return name + "@" + domain; }
  std::string folder() const { return "domains/" + domain + "/" + dir; }  // relative to the MailRoot
};

struct ctrl_account {          // ctrlaccounts.tab: "user" "enc-passwd"
  std::string name, password;
  source src;
};

struct network_entry {         // smtprelay.tab: "addr" "netmask" | "addr/bits"
  ip_network net;
  source src;
};

struct smtpauth_entry {        // smtpauth.tab: "user" "password" "perms"
  std::string user, password, perms;
  source src;
};

struct extauth_entry {         // smtpextauth.tab: "auth-name" "program" "arg-or-macro"...
  std::string name;            // upper-cased mechanism name
  std::vector<std::string> command;  // program then arguments
  source src;
};

struct route_entry {           // smtpgw.tab / smtpfwd.tab: "domain" "route"
  std::string domain;
  std::string route;
  source src;
};

struct spammer_entry {         // spammers.tab: "addr" "mask" ["params"] | "addr/bits" ["params"]
  ip_network net;
  int code = 1;                // >0 drop now; 0 flag (auth overrides); <0 delay |code| seconds
  bool code_given = false;
  source src;
};

struct spam_address_entry {    // spam-address.tab: "pattern"
  std::string pattern;
  source src;
};

struct ipmap_entry {           // *.ipmap.tab: "addr" "mask" "ALLOW|DENY" precedence
  ip_network net;
  bool allow = true;
  int precedence = 0;
  source src;
};

// smtp.ipprop.tab / smtp.hnprop.tab variables (manual: SMTP.IPPROP.TAB).
struct smtp_props {
  std::optional<bool> white_list, ease_tls, sender_domain_check, no_auth, enable_vrfy, enable_etrn;
};

struct ipprop_entry {          // smtp.ipprop.tab: "addr/bits" "Var=val"...
  ip_network net;
  smtp_props props;
  source src;
};

struct hnprop_entry {          // smtp.hnprop.tab: "host" | ".domain" then "Var=val"...
  std::string host;            // without the leading dot
  bool subdomains = false;     // ".domain": every sub-domain
  smtp_props props;
  source src;
};

struct pop3link_entry {        // pop3links.tab: 6 fields
  std::string local_domain, local_account, ext_domain, ext_account, password, auth;
  source src;
};

struct filter_select_entry {   // filters.in.tab / filters.out.tab
  std::string sender, recipient;
  ip_network remote, local;
  std::string filename;        // in filters/
  source src;
};

// The longest wait for a filter or mailproc command (timeo=N, the
// "external" timeout): a day. XMail takes any int; past this it is a typo.
inline constexpr std::int64_t max_filter_timeout_seconds = 86400;

struct filter_flags {          // "!aex,wlex,timeo=N"
  bool aex = false;
  bool wlex = false;
  std::optional<int> timeout_seconds;
};

struct filter_command {        // filters.post-*.tab lines and filters/* lines
  filter_flags flags;
  std::vector<std::string> argv;  // program then arguments, macros unexpanded
  source src;
};

enum class proc_keyword { external, filter, mailbox, redirect, lredirect, smtprelay, smtp };
const char* proc_keyword_name(proc_keyword k);

struct proc_command {          // mailproc.tab, cmdaliases/D/U.tab, custdomains/*.tab
  proc_keyword keyword;
  std::vector<std::string> args;  // fields after the keyword
  source src;
};

enum class proc_context { mailproc, cmdalias, custdomain };

struct ml_member {             // mlusers.tab: "address" ["perms"]
  std::string address;
  std::string perms = "RW";
  source src;
};

struct userauth_entry {        // userauth/pop3/*.tab: "action" "command" args...
  std::string action;
  std::vector<std::string> command;
  source src;
};

// Parsers: one per file kind; `file` may be null (missing file: no entries).
std::vector<domain_entry> parse_domains(const tab_file* file, diagnostic_list& diags);
std::vector<alias_domain_entry> parse_alias_domains(const tab_file* file, diagnostic_list& diags);
std::vector<alias_entry> parse_aliases(const tab_file* file, diagnostic_list& diags);
std::vector<ext_alias_entry> parse_ext_aliases(const tab_file* file, diagnostic_list& diags);
std::vector<account> parse_accounts(const tab_file* file, diagnostic_list& diags);
std::vector<ctrl_account> parse_ctrl_accounts(const tab_file* file, diagnostic_list& diags);
std::vector<network_entry> parse_relay(const tab_file* file, diagnostic_list& diags);
std::vector<smtpauth_entry> parse_smtpauth(const tab_file* file, diagnostic_list& diags);
std::vector<extauth_entry> parse_extauth(const tab_file* file, diagnostic_list& diags);
std::vector<route_entry> parse_routes(const tab_file* file, diagnostic_list& diags);
std::vector<spammer_entry> parse_spammers(const tab_file* file, diagnostic_list& diags);
std::vector<spam_address_entry> parse_spam_addresses(const tab_file* file, diagnostic_list& diags);
std::vector<ipmap_entry> parse_ipmap(const tab_file* file, diagnostic_list& diags);
std::vector<ipprop_entry> parse_ipprop(const tab_file* file, diagnostic_list& diags);
std::vector<hnprop_entry> parse_hnprop(const tab_file* file, diagnostic_list& diags);
std::vector<pop3link_entry> parse_pop3links(const tab_file* file, diagnostic_list& diags);
std::vector<filter_select_entry> parse_filter_selection(const tab_file* file, diagnostic_list& diags);
std::vector<filter_command> parse_filter_commands(const tab_file* file, diagnostic_list& diags);
std::vector<proc_command> parse_proc_commands(const tab_file* file, proc_context context, diagnostic_list& diags);
std::vector<ml_member> parse_ml_members(const tab_file* file, diagnostic_list& diags);
std::vector<userauth_entry> parse_userauth(const tab_file* file, diagnostic_list& diags);

// "addr" "mask" or "addr/bits" starting at field `i`; advances `i` past what it used.
std::optional<ip_network> parse_network_fields(const tab_file& file, const tab_record& r, std::size_t& i,
                                               diagnostic_list& diags);

}  // namespace mailflow::config
