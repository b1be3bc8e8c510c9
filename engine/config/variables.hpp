// Name/value files: server.tab, userdef.tab and user.tab
// ("varname"<TAB>"varvalue"). The descriptor tables list every variable the
// manual documents (SERVER.TAB VARIABLES, USER.TAB VARIABLES) with its kind
// and XMail's default; server_config is the typed result.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/tab_file.hpp"
#include "core/ip.hpp"

namespace mailflow::config {

// One variable as written. When a name appears twice the first line wins
// (XMail scans from the top); verify reports the shadowed line.
struct variable {
  std::string name;
  std::string value;
  source src;
};

class variable_table {
 public:
  // Reads a name/value file; lines with other than two fields are diagnosed.
  static variable_table from(const tab_file* file, diagnostic_list& diags);

  const variable* find(std::string_view name) const;
  std::optional<std::string> get(std::string_view name) const;
  const std::vector<variable>& all() const { return all_; }
  const tab_file* file() const { return file_; }

 private:
  const tab_file* file_ = nullptr;
  std::vector<variable> all_;                      // file order, duplicates included
  std::map<std::string, std::size_t, std::less<>> first_;  // name -> index of the first occurrence
};

enum class variable_kind { text, flag, number, perms, address, domain, list, gateways, choice };

struct variable_descriptor {
  std::string_view name;
  variable_kind kind;
  std::string_view default_value;  // XMail's default as text ("" = unset)
  std::int64_t min = 0, max = 0;   // for numbers: the range every value must be in
  std::string_view choices;        // for choice: "normalize|reject"
  std::string_view summary;
};

std::span<const variable_descriptor> server_variable_descriptors();
std::span<const variable_descriptor> user_variable_descriptors();
// Exact (case-sensitive, as XMail) lookup; SmtpConfig-IP[,PORT] names match the SmtpConfig-* pattern.
const variable_descriptor* find_server_variable(std::string_view name);
const variable_descriptor* find_user_variable(std::string_view name);
// Checks a value against its descriptor; returns an explanation when it is not valid.
std::optional<std::string> check_variable_value(const variable_descriptor& d, std::string_view value);

// SMTP permissions (SMTPAUTH.TAB): M mail, R relay, V vrfy, T etrn, Z no size
// check, S ease TLS requirement.
struct smtp_perms {
  bool mail = false, relay = false, vrfy = false, etrn = false, no_size_limit = false, ease_tls = false;
  static smtp_perms parse(std::string_view letters);
  std::string to_string() const;
};

struct maps_entry {
  std::string root;  // DNS list zone, e.g. "dialups.mail-abuse.org."
  int code = 1;      // 1 drop, 0 flag (auth may override), -S delay S seconds
};

struct smtp_config_flags {
  bool mail_auth = false;  // MailAuth / mail-auth
  bool want_tls = false;   // WantTLS
  std::string origin;      // the variable it came from ("SmtpConfig", "SmtpConfig-127.0.0.1,25")
};

enum class bare_lf_policy { normalize, reject };

// server.tab, typed, with XMail 1.27's defaults.
struct server_config {
  std::string root_domain;
  std::string smtp_server_domain;        // defaults to RootDomain
  std::string pop3_domain;               // defaults to RootDomain
  std::string post_master;
  std::string errors_admin;
  std::string temp_errors_admin;
  std::string default_smtp_gateways;
  std::string helo_domain;
  bool check_mailer_domain = false;
  bool remove_spool_errors = false;
  int notify_msg_lines_extra = 0;
  bool notify_send_log_to_sender = false;
  std::vector<int> notify_try_pattern;
  bool allow_null_sender = true;
  bool no_sender_bounce = false;
  int max_mta_ops = 16;
  int received_hdr_type = 0;
  std::string fetch_hdr_tags = "+X-Deliver-To,To,Cc";
  int smtp_max_errors = 0;               // 0 = unlimited
  std::optional<std::string> smtp_msg_ipban_spammers;
  std::optional<std::string> smtp_msg_ipban_spam_address;
  std::optional<std::string> smtp_msg_ipban_maps;
  std::optional<std::string> smtp_msg_ipban;
  std::string custom_smtp_message;
  int smtp_ipmap_drop_code = 1;
  bool allow_smtp_vrfy = false;
  bool allow_smtp_etrn = false;
  std::int64_t smtp_min_disk_space = 0;
  std::int64_t smtp_min_virt_mem_space = 0;
  std::int64_t pop3_min_virt_mem_space = 0;
  std::string pop3_sync_error_account;
  bool enable_auth_smtp_pop3 = true;
  std::int64_t max_message_size_kb = 0;  // 0 = unlimited
  std::string default_smtp_perms = "MRVZ";
  std::vector<maps_entry> cust_maps_list;
  int smtp_rdns_check = 0;
  std::string smart_dns_host;
  bool disable_emit_auth_user = false;
  std::string smtp_gw_config;
  int pop3_log_passwd = 0;
  std::optional<std::vector<std::string>> smtp_no_tls_auths;  // unset: no restriction; empty: none allowed
  bool enable_ctrl_tls = true;
  bool enable_pop3_tls = true;
  bool enable_smtp_tls = true;
  bool ssl_use_certs_file = false;
  bool ssl_use_certs_dir = false;
  bool ssl_want_verify = false;
  bool ssl_allow_self_signed = false;
  bool ssl_want_cert = false;
  int ssl_max_certs_depth = 0;
  std::string smtp_config;                                   // "SmtpConfig"
  std::vector<std::pair<std::string, std::string>> smtp_config_endpoints;  // "IP" or "IP,PORT" -> tokens
  bare_lf_policy smtp_bare_lf = bare_lf_policy::normalize;   // mailflow: SMTP-BareLF

  variable_table vars;  // the file itself, for provenance

  // Builds the typed view; invalid values keep the default and are diagnosed.
  static server_config from(variable_table vars, diagnostic_list& diags);
  // The SmtpConfig that applies to a server endpoint: "SmtpConfig-IP,PORT", then "SmtpConfig-IP", then "SmtpConfig".
  smtp_config_flags smtp_config_for(const std::string& local_ip, int local_port) const;
  // Where a variable was set, if it was.
  source origin(std::string_view name) const;
};

}  // namespace mailflow::config
