// The MailRoot, parsed into typed tables (manual: CONFIGURATION, "MailRoot
// structure"). A `mailroot` is an immutable snapshot: root-level tables are
// read when it is loaded; the per-account and per-domain files (user.tab,
// mlusers.tab, mailproc.tab, pop3.ipmap.tab, userdef.tab), command aliases,
// custom domains, filter files and userauth files are read on first use and
// cached in the snapshot, so a MailRoot with a million accounts loads in
// linear time. Sessions pin the snapshot they connected with;
// config/mailroot_store.hpp publishes a new one after every edit.
//
// Each root-level table is a shared part (its tab_file and what was parsed
// from it). Loading through a table_cache reuses the part of any file whose
// text has not changed, so a snapshot after an edit re-parses only the edited
// file, and a suite of scenarios on one fixture parses its tables once.
//
// Lookups follow XMail (../shared/reference/xmail-behaviour.md, "Matching"):
// addresses, aliases and domains are case-insensitive with '*'/'?'
// wildcards; an exact alias beats a wildcard one and among wildcards the
// longest pattern wins whatever the file order; smtp.ipmap.tab's higher
// precedence wins, on equal precedence the later line. Users, aliases and
// domains are hash-indexed (O(1) lookups).
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/hash_index.hpp"
#include "config/tables.hpp"
#include "config/variables.hpp"
#include "core/ip.hpp"

namespace mailflow::config {

// Files of one account folder (domains/DOMAIN/DIR/).
struct account_files {
  std::unique_ptr<tab_file> user_tab;
  variable_table vars;                    // user.tab
  std::unique_ptr<tab_file> mlusers_tab;  // mailing lists only
  std::vector<ml_member> members;
  std::unique_ptr<tab_file> mailproc_tab;
  std::vector<proc_command> mailproc;
  std::unique_ptr<tab_file> pop3_ipmap_tab;
  std::vector<ipmap_entry> pop3_ipmap;
  diagnostic_list diags;                  // problems found while reading them

  std::optional<std::string> var(std::string_view name) const { return vars.get(name); }
  // A numeric variable, or `fallback` when absent or not a number.
  std::int64_t number(std::string_view name, std::int64_t fallback) const;
  bool flag(std::string_view name, bool fallback) const;
};

// Files of one domain folder (domains/DOMAIN/).
struct domain_files {
  std::unique_ptr<tab_file> userdef_tab;
  variable_table userdef;
  std::unique_ptr<tab_file> mailproc_tab;
  std::vector<proc_command> mailproc;
  diagnostic_list diags;
};

// A command file: cmdaliases/DOMAIN/USER.tab or custdomains/NAME.tab.
struct command_file {
  std::unique_ptr<tab_file> file;
  std::vector<proc_command> commands;
  diagnostic_list diags;
};

// A filter file in filters/ (named by filters.in.tab / filters.out.tab).
struct filter_file {
  std::unique_ptr<tab_file> file;
  std::vector<filter_command> commands;
  diagnostic_list diags;
};

// userauth/pop3/DOMAIN.tab (or .tab): external POP3 authentication.
struct userauth_file {
  std::unique_ptr<tab_file> file;
  std::vector<userauth_entry> entries;
  diagnostic_list diags;
};

// Read the files of one account or domain folder, uncached: verify walks
// every account once; mailroot::account_data() / domain_data() cache them.
class table_source;
std::shared_ptr<account_files> read_account_files(const std::filesystem::path& root, const account& a);
std::shared_ptr<domain_files> read_domain_files(const std::filesystem::path& root, std::string_view domain);
std::shared_ptr<account_files> read_account_files(table_source& files, const account& a);
std::shared_ptr<domain_files> read_domain_files(table_source& files, std::string_view domain);

// mailflow's portable-fixture convention: "{root}" in a program path or
// argument stands for the MailRoot (fixtures/mailroots/README.md), as in
// ../shared/conformance/ ("{root}/filters/rcpt-check.sh").
std::string expand_root(std::string_view text, const std::string& root);

// Where a snapshot's files come from: the disk (disk_tables), or in the
// harness a fixture read once per run with a scenario's overlays. Names are
// MailRoot-relative ("aliases.tab", "domains/a.net/u/user.tab"). Reads of
// names with a folder (the per-account files, read on first use) may come
// from several threads at once.
class table_source {
 public:
  virtual ~table_source() = default;
  // The text of file `name`, or null when it does not exist. A file that
  // exists but cannot be read is an error diagnostic and null.
  virtual std::shared_ptr<const std::string> read(const std::string& name, diagnostic_list& diags) = 0;
};

// The files of a MailRoot folder (root-level ones: one listing, then one read
// per file present; the others: one read each).
class disk_tables final : public table_source {
 public:
  explicit disk_tables(std::filesystem::path root);
  std::shared_ptr<const std::string> read(const std::string& name, diagnostic_list& diags) override;

 private:
  std::filesystem::path root_;
  std::vector<std::string> present_;  // sorted names in the folder; empty when the listing failed
  bool listed_ = false;
};

// Files held in memory: what a harness wrote into a scenario's private copy,
// so loading it reads nothing again. Reads are safe from many threads once
// the files are in.
class memory_tables final : public table_source {
 public:
  void put(std::string name, std::string text) {
    files_[std::move(name)] = std::make_shared<const std::string>(std::move(text));
  }
  void put(std::string name, std::shared_ptr<const std::string> text) { files_[std::move(name)] = std::move(text); }
  void clear() { files_.clear(); }
  void remove(const std::string& name) { files_.erase(name); }
  // `name` and everything under it as a folder.
  void remove_tree(const std::string& name) {
    files_.erase(name);
    auto from = files_.lower_bound(name + "/");
    auto to = from;
    while (to != files_.end() && to->first.compare(0, name.size() + 1, name + "/") == 0) ++to;
    files_.erase(from, to);
  }
  std::shared_ptr<const std::string> read(const std::string& name, diagnostic_list&) override {
    auto it = files_.find(name);
    return it == files_.end() ? nullptr : it->second;
  }

 private:
  std::map<std::string, std::shared_ptr<const std::string>, std::less<>> files_;
};

// Parsed root-level tables by file name and text, reused across loads. Not
// thread-safe: one per thread or per store.
class table_cache {
 public:
  std::shared_ptr<const void> find(const std::string& name, const std::shared_ptr<const std::string>& text) const;
  void keep(const std::string& name, std::shared_ptr<const std::string> text, std::shared_ptr<const void> part);
  std::size_t size() const { return parts_.size(); }
  void clear() { parts_.clear(); }

 private:
  struct entry {
    std::string name;
    std::size_t hash;
    std::shared_ptr<const std::string> text;
    std::shared_ptr<const void> part;
  };
  std::unordered_multimap<std::size_t, entry> parts_;
};

// One root-level table as parsed: its file (null when absent), the typed
// value and the diagnostics parsing found (reported again by every load that
// reuses the part).
template <class T>
struct table_part {
  std::shared_ptr<const tab_file> file;
  T value;
  diagnostic_list diags;
};

enum class ipmap_kind { smtp, pop3, ctrl, finger };
const char* ipmap_file_name(ipmap_kind k);

enum class smtp_filter_hook { post_rcpt, pre_data, post_data };
const char* smtp_filter_file_name(smtp_filter_hook h);

class mailroot {
 public:
  // Lines that repeat the key of an earlier line and so are never used (the
  // first line wins): each as (its index, the index of the line that wins).
  using duplicate = std::pair<std::size_t, std::size_t>;
  template <class Entry>
  struct indexed {  // a table with its hash index (exact keys) and wildcard entries
    std::vector<Entry> entries;
    hash_index exact;
    std::vector<std::size_t> wild;        // indexes, longest pattern first
    std::vector<duplicate> duplicates;
  };

  // Loads every root-level table of `root`. Problems go to `diags`; the model
  // is returned even when some lines were bad (they are left out).
  static std::unique_ptr<mailroot> load(const std::filesystem::path& root, diagnostic_list& diags);
  // The same from `tables` (files that are not tables, such as per-account
  // ones, are still read from `root`); parts found in `cache` are reused and
  // new ones kept there.
  // `files`, when given, serves the files read on first use (per-account
  // ones, command aliases, filters ...); by default they come from the disk.
  static std::unique_ptr<mailroot> load(const std::filesystem::path& root, table_source& tables, table_cache* cache,
                                        diagnostic_list& diags, std::shared_ptr<table_source> files = nullptr);

  const std::filesystem::path& root() const { return root_; }
  const server_config& server() const { return server_->value; }

  // Whether a root-level file existed when the MailRoot was loaded.
  bool has_file(std::string_view rel_path) const;
  const tab_file* file(std::string_view rel_path) const;
  std::vector<const tab_file*> files() const;  // root-level tables, sorted by path

  // domains.tab
  const std::vector<domain_entry>& domains() const { return domains_->value.entries; }
  const domain_entry* find_domain(std::string_view domain) const;
  // aliasdomain.tab: exact first, then the longest matching wildcard pattern.
  const std::vector<alias_domain_entry>& alias_domains() const { return alias_domains_->value.entries; }
  const alias_domain_entry* find_alias_domain(std::string_view domain) const;
  // mailusers.tab
  const std::vector<account>& accounts() const { return accounts_->value.entries; }
  const account* find_account(std::string_view user, std::string_view domain) const;
  const account* find_account(std::string_view address) const;  // "user@domain"
  // Many lookups at once: out[i] = find_account(keys[i].first, keys[i].second).
  // Faster than one by one on a large table (the index is fetched ahead).
  using account_key = std::pair<std::string_view, std::string_view>;  // (user, domain)
  void find_accounts(std::span<const account_key> keys, std::span<const account*> out) const;
  // aliases.tab: exact (domain, alias) first, then the longest wildcard.
  const std::vector<alias_entry>& aliases() const { return aliases_->value.entries; }
  const alias_entry* find_alias(std::string_view user, std::string_view domain) const;
  // The account an alias names: target "user" means the alias's own domain
  // (the recipient's domain when the alias domain is a pattern).
  std::pair<std::string, std::string> alias_target(const alias_entry& a, std::string_view rcpt_domain) const;
  // The same without copies; the views point into `a` and `rcpt_domain`.
  static std::pair<std::string_view, std::string_view> alias_target_view(const alias_entry& a,
                                                                         std::string_view rcpt_domain);
  // Duplicate keys found while indexing; exact aliases only (wildcard ones are not indexed).
  const std::vector<duplicate>& duplicate_domains() const { return domains_->value.duplicates; }
  const std::vector<duplicate>& duplicate_accounts() const { return accounts_->value.duplicates; }
  const std::vector<duplicate>& duplicate_aliases() const { return aliases_->value.duplicates; }
  // extaliases.tab
  const std::vector<ext_alias_entry>& ext_aliases() const { return ext_aliases_->value; }
  const ext_alias_entry* find_ext_alias(std::string_view user, std::string_view domain) const;
  // ctrlaccounts.tab, smtpauth.tab, smtpextauth.tab
  const std::vector<ctrl_account>& ctrl_accounts() const { return ctrl_accounts_->value; }
  const std::vector<smtpauth_entry>& smtpauth() const { return smtpauth_->value; }
  const smtpauth_entry* find_smtpauth(std::string_view user) const;
  const std::vector<extauth_entry>& extauth() const { return extauth_->value; }
  const extauth_entry* find_extauth(std::string_view mechanism) const;
  // Network tables
  const std::vector<network_entry>& relay() const { return relay_->value; }
  const network_entry* find_relay(const ip_address& a) const;
  const std::vector<spammer_entry>& spammers() const { return spammers_->value; }
  const spammer_entry* find_spammer(const ip_address& a) const;
  const std::vector<ipmap_entry>& ipmap(ipmap_kind k) const { return ipmaps_[static_cast<int>(k)]->value; }
  // The deciding line (highest precedence; on ties the later line), or null: no line matches = allowed.
  static const ipmap_entry* decide_ipmap(const std::vector<ipmap_entry>& entries, const ip_address& a);
  const std::vector<ipprop_entry>& ipprop() const { return ipprop_->value; }
  const ipprop_entry* find_ipprop(const ip_address& a) const;
  const std::vector<hnprop_entry>& hnprop() const { return hnprop_->value; }
  const hnprop_entry* find_hnprop(std::string_view host) const;
  // spam-address.tab
  const std::vector<spam_address_entry>& spam_addresses() const { return spam_addresses_->value; }
  const spam_address_entry* find_spam_address(std::string_view address) const;
  // smtpgw.tab, smtpfwd.tab (first matching line)
  const std::vector<route_entry>& smtpgw() const { return smtpgw_->value; }
  const std::vector<route_entry>& smtpfwd() const { return smtpfwd_->value; }
  const route_entry* find_smtpgw(std::string_view domain) const;
  const route_entry* find_smtpfwd(std::string_view domain) const;
  // pop3links.tab
  const std::vector<pop3link_entry>& pop3links() const { return pop3links_->value; }
  // filters.in.tab / filters.out.tab and the SMTP-time filter lists
  const std::vector<filter_select_entry>& filters_in() const { return filters_in_->value; }
  const std::vector<filter_select_entry>& filters_out() const { return filters_out_->value; }
  const std::vector<filter_command>& smtp_filters(smtp_filter_hook h) const {
    return smtp_filters_[static_cast<int>(h)]->value;
  }
  // message.id: the last message number used (1 on a fresh install)
  std::uint64_t message_id() const { return message_id_; }

  // Files read on first use (thread-safe; cached for the life of the snapshot).
  std::shared_ptr<const account_files> account_data(const account& a) const;
  std::shared_ptr<const domain_files> domain_data(std::string_view domain) const;
  // cmdaliases/DOMAIN/USER.tab (names lower-cased, manual: CMD ALIASES), or null.
  std::shared_ptr<const command_file> cmd_alias(std::string_view user, std::string_view domain) const;
  // custdomains lookup order: sub1.sub2.domain.net.tab, .sub2.domain.net.tab, ... .net.tab, .tab.
  std::shared_ptr<const command_file> custom_domain(std::string_view domain) const;
  static std::vector<std::string> custom_domain_candidates(std::string_view domain);
  std::shared_ptr<const filter_file> filter(std::string_view name) const;  // filters/NAME
  // userauth/pop3: DOMAIN.tab, then .tab (manual: EXTERNAL AUTHENTICATION), or null.
  std::shared_ptr<const userauth_file> pop3_userauth(std::string_view domain) const;
  // userauth/smtp: host.tab, then each parent (mail.foo.net.tab, foo.net.tab, net.tab).
  std::shared_ptr<const userauth_file> smtp_client_auth(std::string_view host) const;
  static std::vector<std::string> smtp_client_auth_candidates(std::string_view host);

  // Effective SMTP permissions of a mailusers.tab login: user.tab SmtpPerms,
  // else DefaultSmtpPerms.
  smtp_perms perms_for(const account& a) const;

 private:
  mailroot() = default;
  std::shared_ptr<const command_file> load_command_file(const std::string& rel, proc_context ctx) const;
  std::shared_ptr<const userauth_file> load_userauth_file(const std::string& rel) const;
  // Returns the cached value for `key`, loading it once with `load` (a null result is cached too).
  template <class T, class Loader>
  std::shared_ptr<const T> cached(const std::string& key, Loader load) const;
  // A file read on first use: null when absent; `parse` fills the rest of T.
  template <class T, class Parse>
  std::shared_ptr<const T> cached_file(const std::string& key, const std::string& rel, Parse parse) const;

  template <class T>
  using part_ptr = std::shared_ptr<const table_part<T>>;

  std::filesystem::path root_;
  std::shared_ptr<table_source> lazy_files_;  // where files read on first use come from
  std::vector<std::shared_ptr<const tab_file>> files_;  // root-level files present, sorted by path
  part_ptr<server_config> server_;
  part_ptr<indexed<domain_entry>> domains_;
  part_ptr<indexed<alias_domain_entry>> alias_domains_;
  part_ptr<indexed<account>> accounts_;
  part_ptr<indexed<alias_entry>> aliases_;
  part_ptr<std::vector<ext_alias_entry>> ext_aliases_;
  part_ptr<std::vector<ctrl_account>> ctrl_accounts_;
  part_ptr<std::vector<smtpauth_entry>> smtpauth_;
  part_ptr<std::vector<extauth_entry>> extauth_;
  part_ptr<std::vector<network_entry>> relay_;
  part_ptr<std::vector<spammer_entry>> spammers_;
  part_ptr<std::vector<ipmap_entry>> ipmaps_[4];
  part_ptr<std::vector<ipprop_entry>> ipprop_;
  part_ptr<std::vector<hnprop_entry>> hnprop_;
  part_ptr<std::vector<spam_address_entry>> spam_addresses_;
  part_ptr<std::vector<route_entry>> smtpgw_;
  part_ptr<std::vector<route_entry>> smtpfwd_;
  part_ptr<std::vector<pop3link_entry>> pop3links_;
  part_ptr<std::vector<filter_select_entry>> filters_in_;
  part_ptr<std::vector<filter_select_entry>> filters_out_;
  part_ptr<std::vector<filter_command>> smtp_filters_[3];
  std::uint64_t message_id_ = 1;

  mutable std::mutex cache_mutex_;
  mutable std::unordered_map<std::string, std::shared_ptr<const void>> cache_;
};

}  // namespace mailflow::config
