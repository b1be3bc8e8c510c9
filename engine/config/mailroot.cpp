#include "mailroot.hpp"

#include <dirent.h>

#include <algorithm>
#include <exception>
#include <thread>

#include "core/text.hpp"
#include "core/wildcard.hpp"

namespace mailflow::config {

namespace {
// aliases.tab from this size on (about 60,000 lines) is read on its own thread.
constexpr std::uintmax_t parallel_load_bytes = 4u << 20;
}  // namespace

std::string expand_root(std::string_view text, const std::string& root) {
  std::string out;
  std::size_t pos = 0;
  for (auto hit = text.find("{root}"); hit != std::string_view::npos; hit = text.find("{root}", pos)) {
    out.append(text, pos, hit - pos);
    out += root;
    pos = hit + 6;
  }
  out.append(text, pos);
  return out;
}

const char* ipmap_file_name(ipmap_kind k) {
  switch (k) {
    case ipmap_kind::smtp: return "smtp.ipmap.tab";
    case ipmap_kind::pop3: return "pop3.ipmap.tab";
    case ipmap_kind::ctrl: return "ctrl.ipmap.tab";
    case ipmap_kind::finger: return "finger.ipmap.tab";
  }
  return "";
}

const char* smtp_filter_file_name(smtp_filter_hook h) {
  switch (h) {
    case smtp_filter_hook::post_rcpt: return "filters.post-rcpt.tab";
    case smtp_filter_hook::pre_data: return "filters.pre-data.tab";
    case smtp_filter_hook::post_data: return "filters.post-data.tab";
  }
  return "";
}

std::int64_t account_files::number(std::string_view name, std::int64_t fallback) const {
  auto v = vars.get(name);
  if (!v) return fallback;
  // the variable's range (verify reports a value outside it with its line)
  auto* d = find_user_variable(name);
  auto n = d ? parse_number(trim(*v), d->min, d->max) : std::nullopt;
  return n ? *n : fallback;
}

bool account_files::flag(std::string_view name, bool fallback) const {
  auto v = vars.get(name);
  if (!v) return fallback;
  auto n = parse_int(trim(*v));
  return n ? *n != 0 : fallback;
}

// ---------------------------------------------------------------- sources and the part cache

disk_tables::disk_tables(std::filesystem::path root) : root_(std::move(root)) {}

std::shared_ptr<const std::string> disk_tables::read(const std::string& name, diagnostic_list& diags) {
  // One listing tells which of the forty-odd root files exist, so absent ones
  // cost no system call (a harness loads a MailRoot per scenario).
  if (name.find('/') != std::string::npos) {
    std::string text;
    if (!read_file_text(root_, name, text, diags)) return nullptr;
    return std::make_shared<const std::string>(std::move(text));
  }
  if (!listed_) {
    listed_ = true;
    if (DIR* d = ::opendir(root_.c_str())) {
      while (auto* e = ::readdir(d)) present_.emplace_back(e->d_name);
      ::closedir(d);
      std::sort(present_.begin(), present_.end());
      if (present_.empty()) present_.emplace_back(".");  // listed, and empty
    }
  }
  if (!present_.empty() && !std::binary_search(present_.begin(), present_.end(), name))
    return nullptr;
  std::string text;
  if (!read_file_text(root_, name, text, diags)) return nullptr;
  return std::make_shared<const std::string>(std::move(text));
}

std::shared_ptr<const void> table_cache::find(const std::string& name,
                                              const std::shared_ptr<const std::string>& text) const {
  std::size_t h = std::hash<std::string_view>()(*text) ^ std::hash<std::string>()(name);
  auto [from, to] = parts_.equal_range(h);
  for (auto it = from; it != to; ++it)
    if (it->second.name == name && (it->second.text == text || *it->second.text == *text)) return it->second.part;
  return nullptr;
}

void table_cache::keep(const std::string& name, std::shared_ptr<const std::string> text,
                       std::shared_ptr<const void> part) {
  std::size_t h = std::hash<std::string_view>()(*text) ^ std::hash<std::string>()(name);
  parts_.emplace(h, entry{name, h, std::move(text), std::move(part)});
}

// ---------------------------------------------------------------- loading

namespace {

template <class Entry>
using indexed = mailroot::indexed<Entry>;

void index_domains(indexed<domain_entry>& t) {
  t.exact.reserve(t.entries.size());
  for (std::size_t i = 0; i < t.entries.size(); ++i) {
    auto& name = t.entries[i].name;
    auto kept = t.exact.insert(hash_lower(name), i, [&](std::size_t j) { return iequals(t.entries[j].name, name); });
    if (kept != i) t.duplicates.emplace_back(i, kept);
  }
}

void index_alias_domains(indexed<alias_domain_entry>& t) {
  for (std::size_t i = 0; i < t.entries.size(); ++i) {
    auto& e = t.entries[i];
    if (has_wildcards(e.pattern)) {
      t.wild.push_back(i);
    } else {
      t.exact.insert(hash_lower(e.pattern), i, [&](std::size_t j) { return iequals(t.entries[j].pattern, e.pattern); });
    }
  }
  std::stable_sort(t.wild.begin(), t.wild.end(),
                   [&](auto a, auto b) { return t.entries[a].pattern.size() > t.entries[b].pattern.size(); });
}

void index_accounts(indexed<account>& t) {
  t.exact.reserve(t.entries.size());
  for (std::size_t i = 0; i < t.entries.size(); ++i) {
    auto& a = t.entries[i];
    auto kept = t.exact.insert(hash_lower(a.name, a.domain), i, [&](std::size_t j) {
      return iequals(t.entries[j].name, a.name) && iequals(t.entries[j].domain, a.domain);
    });
    if (kept != i) t.duplicates.emplace_back(i, kept);
  }
}

void index_aliases(indexed<alias_entry>& t) {
  t.exact.reserve(t.entries.size());
  for (std::size_t i = 0; i < t.entries.size(); ++i) {
    auto& a = t.entries[i];
    if (has_wildcards(a.domain) || has_wildcards(a.alias)) {
      t.wild.push_back(i);
    } else {
      auto kept = t.exact.insert(hash_lower(a.domain, a.alias), i, [&](std::size_t j) {
        return iequals(t.entries[j].domain, a.domain) && iequals(t.entries[j].alias, a.alias);
      });
      if (kept != i) t.duplicates.emplace_back(i, kept);
    }
  }
  std::stable_sort(t.wild.begin(), t.wild.end(), [&](auto x, auto y) {
    auto& a = t.entries[x];
    auto& b = t.entries[y];
    if (a.alias.size() != b.alias.size()) return a.alias.size() > b.alias.size();
    return a.domain.size() > b.domain.size();
  });
}

// Reads, parses (or reuses) and records one root-level table.
class part_loader {
 public:
  part_loader(table_source& tables, table_cache* cache, diagnostic_list& diags,
              std::vector<std::shared_ptr<const tab_file>>& files)
      : tables_(tables), cache_(cache), diags_(diags), files_(files) {}

  // The text of `name` read now (a large file may be parsed on another thread).
  struct pending {
    std::string name;
    std::shared_ptr<const std::string> text;
    std::shared_ptr<const void> cached;
    diagnostic_list read_diags;
  };
  pending start(const char* name) {
    pending p;
    p.name = name;
    p.text = tables_.read(p.name, p.read_diags);
    if (p.text && cache_) p.cached = cache_->find(p.name, p.text);
    return p;
  }

  // make(file, diags) -> T builds the value from the parsed file (null when the file is absent).
  template <class T, class Make>
  static std::shared_ptr<const table_part<T>> build(pending& p, Make make) {
    if (p.cached) return std::static_pointer_cast<const table_part<T>>(p.cached);
    auto part = std::make_shared<table_part<T>>();
    if (p.text) part->file = tab_file::parse(p.name, *p.text, part->diags);
    part->value = make(part->file.get(), part->diags);
    return part;
  }

  template <class T>
  void finish(pending& p, const std::shared_ptr<const table_part<T>>& part) {
    diags_.append(p.read_diags);
    diags_.append(part->diags);
    if (part->file) files_.push_back(part->file);
    if (cache_ && p.text && !p.cached) cache_->keep(p.name, p.text, part);
  }

  template <class T, class Make>
  std::shared_ptr<const table_part<T>> load(const char* name, Make make) {
    auto p = start(name);
    auto part = build<T>(p, make);
    finish(p, part);
    return part;
  }

 private:
  table_source& tables_;
  table_cache* cache_;
  diagnostic_list& diags_;
  std::vector<std::shared_ptr<const tab_file>>& files_;
};

// A parser that returns a vector, as a part maker.
template <class Parse>
auto vector_of(Parse parse) {
  return [parse](const tab_file* f, diagnostic_list& d) { return parse(f, d); };
}

}  // namespace

std::unique_ptr<mailroot> mailroot::load(const std::filesystem::path& root, diagnostic_list& diags) {
  disk_tables tables(root);
  return load(root, tables, nullptr, diags);
}

std::unique_ptr<mailroot> mailroot::load(const std::filesystem::path& root, table_source& tables, table_cache* cache,
                                         diagnostic_list& diags, std::shared_ptr<table_source> files) {
  std::unique_ptr<mailroot> m(new mailroot());
  m->root_ = root;
  m->lazy_files_ = files ? std::move(files) : std::make_shared<disk_tables>(root);
  part_loader parts(tables, cache, diags, m->files_);

  m->server_ = parts.load<server_config>("server.tab", [](const tab_file* f, diagnostic_list& d) {
    return server_config::from(variable_table::from(f, d), d);
  });
  m->domains_ = parts.load<indexed<domain_entry>>("domains.tab", [](const tab_file* f, diagnostic_list& d) {
    indexed<domain_entry> t;
    t.entries = parse_domains(f, d);
    index_domains(t);
    return t;
  });
  m->alias_domains_ =
      parts.load<indexed<alias_domain_entry>>("aliasdomain.tab", [](const tab_file* f, diagnostic_list& d) {
        indexed<alias_domain_entry> t;
        t.entries = parse_alias_domains(f, d);
        index_alias_domains(t);
        return t;
      });

  // aliases.tab is the other big table: on a large MailRoot it is parsed and
  // indexed on a second thread while mailusers.tab is; the results and the
  // order of the diagnostics are the same either way.
  auto make_aliases = [](const tab_file* f, diagnostic_list& d) {
    indexed<alias_entry> t;
    t.entries = parse_aliases(f, d);
    index_aliases(t);
    return t;
  };
  auto aliases = parts.start("aliases.tab");
  part_ptr<indexed<alias_entry>> alias_part;
  std::exception_ptr alias_error;
  auto build_aliases = [&] {
    try {
      alias_part = part_loader::build<indexed<alias_entry>>(aliases, make_aliases);
    } catch (...) {
      alias_error = std::current_exception();
    }
  };
  std::jthread alias_thread;
  if (!aliases.cached && aliases.text && aliases.text->size() >= parallel_load_bytes)
    alias_thread = std::jthread(build_aliases);

  m->accounts_ = parts.load<indexed<account>>("mailusers.tab", [](const tab_file* f, diagnostic_list& d) {
    indexed<account> t;
    t.entries = parse_accounts(f, d);
    index_accounts(t);
    return t;
  });
  if (alias_thread.joinable()) {
    alias_thread.join();
  } else {
    build_aliases();
  }
  if (alias_error) std::rethrow_exception(alias_error);
  parts.finish(aliases, alias_part);
  m->aliases_ = alias_part;

  m->ext_aliases_ = parts.load<std::vector<ext_alias_entry>>("extaliases.tab", vector_of(parse_ext_aliases));
  m->ctrl_accounts_ = parts.load<std::vector<ctrl_account>>("ctrlaccounts.tab", vector_of(parse_ctrl_accounts));
  m->smtpauth_ = parts.load<std::vector<smtpauth_entry>>("smtpauth.tab", vector_of(parse_smtpauth));
  m->extauth_ = parts.load<std::vector<extauth_entry>>("smtpextauth.tab", vector_of(parse_extauth));
  m->relay_ = parts.load<std::vector<network_entry>>("smtprelay.tab", vector_of(parse_relay));
  m->spammers_ = parts.load<std::vector<spammer_entry>>("spammers.tab", vector_of(parse_spammers));
  for (auto k : {ipmap_kind::smtp, ipmap_kind::pop3, ipmap_kind::ctrl, ipmap_kind::finger})
    m->ipmaps_[static_cast<int>(k)] = parts.load<std::vector<ipmap_entry>>(ipmap_file_name(k), vector_of(parse_ipmap));
  m->ipprop_ = parts.load<std::vector<ipprop_entry>>("smtp.ipprop.tab", vector_of(parse_ipprop));
  m->hnprop_ = parts.load<std::vector<hnprop_entry>>("smtp.hnprop.tab", vector_of(parse_hnprop));
  m->spam_addresses_ =
      parts.load<std::vector<spam_address_entry>>("spam-address.tab", vector_of(parse_spam_addresses));
  m->smtpgw_ = parts.load<std::vector<route_entry>>("smtpgw.tab", vector_of(parse_routes));
  m->smtpfwd_ = parts.load<std::vector<route_entry>>("smtpfwd.tab", vector_of(parse_routes));
  m->pop3links_ = parts.load<std::vector<pop3link_entry>>("pop3links.tab", vector_of(parse_pop3links));
  m->filters_in_ =
      parts.load<std::vector<filter_select_entry>>("filters.in.tab", vector_of(parse_filter_selection));
  m->filters_out_ =
      parts.load<std::vector<filter_select_entry>>("filters.out.tab", vector_of(parse_filter_selection));
  for (auto h : {smtp_filter_hook::post_rcpt, smtp_filter_hook::pre_data, smtp_filter_hook::post_data})
    m->smtp_filters_[static_cast<int>(h)] =
        parts.load<std::vector<filter_command>>(smtp_filter_file_name(h), vector_of(parse_filter_commands));
  std::sort(m->files_.begin(), m->files_.end(), [](auto& a, auto& b) { return a->path() < b->path(); });

  if (auto text = tables.read("message.id", diags)) {
    auto n = parse_number(trim(*text), 0, INT64_MAX);
    if (n) {
      m->message_id_ = static_cast<std::uint64_t>(*n);
    } else {
      diags.error("message.id", 1, 1, "bad-message-id", "message.id must hold a number");
    }
  }
  return m;
}

const tab_file* mailroot::file(std::string_view rel_path) const {
  auto it = std::lower_bound(files_.begin(), files_.end(), rel_path,
                             [](const std::shared_ptr<const tab_file>& f, std::string_view p) { return f->path() < p; });
  return it != files_.end() && (*it)->path() == rel_path ? it->get() : nullptr;
}

bool mailroot::has_file(std::string_view rel_path) const { return file(rel_path) != nullptr; }

std::vector<const tab_file*> mailroot::files() const {
  std::vector<const tab_file*> out;
  for (auto& f : files_) out.push_back(f.get());
  return out;
}

const domain_entry* mailroot::find_domain(std::string_view domain) const {
  auto& t = domains_->value;
  auto i = t.exact.find(hash_lower(domain), [&](std::size_t j) { return iequals(t.entries[j].name, domain); });
  return i ? &t.entries[*i] : nullptr;
}

const alias_domain_entry* mailroot::find_alias_domain(std::string_view domain) const {
  auto& t = alias_domains_->value;
  auto i = t.exact.find(hash_lower(domain), [&](std::size_t j) { return iequals(t.entries[j].pattern, domain); });
  if (i) return &t.entries[*i];
  for (auto i : t.wild)
    if (wildcard_match(t.entries[i].pattern, domain)) return &t.entries[i];
  return nullptr;
}

const account* mailroot::find_account(std::string_view user, std::string_view domain) const {
  auto& t = accounts_->value;
  auto i = t.exact.find(hash_lower(user, domain), [&](std::size_t j) {
    return iequals(t.entries[j].name, user) && iequals(t.entries[j].domain, domain);
  });
  return i ? &t.entries[*i] : nullptr;
}

void mailroot::find_accounts(std::span<const account_key> keys, std::span<const account*> out) const {
  auto& t = accounts_->value;
  constexpr std::size_t batch = 16;
  std::uint64_t hashes[batch];
  for (std::size_t start = 0; start < keys.size(); start += batch) {
    std::size_t n = std::min(batch, keys.size() - start);
    for (std::size_t k = 0; k < n; ++k) {
      hashes[k] = hash_lower(keys[start + k].first, keys[start + k].second);
      t.exact.prefetch(hashes[k]);
    }
    for (std::size_t k = 0; k < n; ++k) {
      // not a structured binding: clang 14 (the fuzz build) cannot capture those
      const auto& user = keys[start + k].first;
      const auto& domain = keys[start + k].second;
      auto i = t.exact.find(hashes[k], [&](std::size_t j) {
        return iequals(t.entries[j].name, user) && iequals(t.entries[j].domain, domain);
      });
      out[start + k] = i ? &t.entries[*i] : nullptr;
    }
  }
}

const account* mailroot::find_account(std::string_view address) const {
  auto at = address.rfind('@');
  if (at == std::string_view::npos) return nullptr;
  return find_account(address.substr(0, at), address.substr(at + 1));
}

const alias_entry* mailroot::find_alias(std::string_view user, std::string_view domain) const {
  auto& t = aliases_->value;
  auto i = t.exact.find(hash_lower(domain, user), [&](std::size_t j) {
    return iequals(t.entries[j].domain, domain) && iequals(t.entries[j].alias, user);
  });
  if (i) return &t.entries[*i];
  for (auto i : t.wild) {
    auto& a = t.entries[i];
    if (wildcard_match(a.domain, domain) && wildcard_match(a.alias, user)) return &a;
  }
  return nullptr;
}

std::pair<std::string, std::string> mailroot::alias_target(const alias_entry& a, std::string_view rcpt_domain) const {
  auto [user, domain] = alias_target_view(a, rcpt_domain);
  return {std::string(user), std::string(domain)};
}

std::pair<std::string_view, std::string_view> mailroot::alias_target_view(const alias_entry& a,
                                                                          std::string_view rcpt_domain) {
  std::string_view target = a.target;
  auto at = target.rfind('@');
  if (at != std::string_view::npos) return {target.substr(0, at), target.substr(at + 1)};
  return {target, has_wildcards(a.domain) ? rcpt_domain : std::string_view(a.domain)};
}

const ext_alias_entry* mailroot::find_ext_alias(std::string_view user, std::string_view domain) const {
  for (auto& e : ext_aliases_->value)
    if (iequals(e.ext_account, user) && iequals(e.ext_domain, domain)) return &e;
  return nullptr;
}

const smtpauth_entry* mailroot::find_smtpauth(std::string_view user) const {
  for (auto& e : smtpauth_->value)
    if (e.user == user) return &e;
  return nullptr;
}

const extauth_entry* mailroot::find_extauth(std::string_view mechanism) const {
  for (auto& e : extauth_->value)
    if (iequals(e.name, mechanism)) return &e;
  return nullptr;
}

const network_entry* mailroot::find_relay(const ip_address& a) const {
  for (auto& e : relay_->value)
    if (e.net.contains(a)) return &e;
  return nullptr;
}

const spammer_entry* mailroot::find_spammer(const ip_address& a) const {
  for (auto& e : spammers_->value)
    if (e.net.contains(a)) return &e;
  return nullptr;
}

const ipmap_entry* mailroot::decide_ipmap(const std::vector<ipmap_entry>& entries, const ip_address& a) {
  const ipmap_entry* best = nullptr;
  for (auto& e : entries)
    if (e.net.contains(a) && (!best || e.precedence >= best->precedence)) best = &e;
  return best;
}

const ipprop_entry* mailroot::find_ipprop(const ip_address& a) const {
  for (auto& e : ipprop_->value)
    if (e.net.contains(a)) return &e;
  return nullptr;
}

const hnprop_entry* mailroot::find_hnprop(std::string_view host) const {
  for (auto& e : hnprop_->value) {
    if (iequals(host, e.host)) return &e;
    if (e.subdomains && host.size() > e.host.size() + 1 && iends_with(host, e.host) &&
        host[host.size() - e.host.size() - 1] == '.')
      return &e;
  }
  return nullptr;
}

const spam_address_entry* mailroot::find_spam_address(std::string_view address) const {
  for (auto& e : spam_addresses_->value)
    if (wildcard_match(e.pattern, address)) return &e;
  return nullptr;
}

const route_entry* mailroot::find_smtpgw(std::string_view domain) const {
  for (auto& e : smtpgw_->value)
    if (wildcard_match(e.domain, domain)) return &e;
  return nullptr;
}

const route_entry* mailroot::find_smtpfwd(std::string_view domain) const {
  for (auto& e : smtpfwd_->value)
    if (wildcard_match(e.domain, domain)) return &e;
  return nullptr;
}

template <class T, class Loader>
std::shared_ptr<const T> mailroot::cached(const std::string& key, Loader load) const {
  {
    std::lock_guard lock(cache_mutex_);
    auto it = cache_.find(key);
    if (it != cache_.end()) return std::static_pointer_cast<const T>(it->second);
  }
  std::shared_ptr<const T> data = load();
  std::lock_guard lock(cache_mutex_);
  auto [it, inserted] = cache_.try_emplace(key, data);
  return std::static_pointer_cast<const T>(it->second);
}

namespace {

std::unique_ptr<tab_file> load_tab(table_source& files, std::string rel, diagnostic_list& diags) {
  auto text = files.read(rel, diags);
  if (!text) return nullptr;
  return tab_file::parse(std::move(rel), *text, diags);
}

}  // namespace

std::shared_ptr<account_files> read_account_files(table_source& files, const account& a) {
  std::string folder = a.folder();
  auto data = std::make_shared<account_files>();
  data->user_tab = load_tab(files, folder + "/user.tab", data->diags);
  data->vars = variable_table::from(data->user_tab.get(), data->diags);
  if (a.type == account_type::mailing_list) {
    data->mlusers_tab = load_tab(files, folder + "/mlusers.tab", data->diags);
    data->members = parse_ml_members(data->mlusers_tab.get(), data->diags);
  }
  data->mailproc_tab = load_tab(files, folder + "/mailproc.tab", data->diags);
  data->mailproc = parse_proc_commands(data->mailproc_tab.get(), proc_context::mailproc, data->diags);
  data->pop3_ipmap_tab = load_tab(files, folder + "/pop3.ipmap.tab", data->diags);
  data->pop3_ipmap = parse_ipmap(data->pop3_ipmap_tab.get(), data->diags);
  return data;
}

std::shared_ptr<domain_files> read_domain_files(table_source& files, std::string_view domain) {
  std::string folder = "domains/" + std::string(domain);
  auto data = std::make_shared<domain_files>();
  data->userdef_tab = load_tab(files, folder + "/userdef.tab", data->diags);
  data->userdef = variable_table::from(data->userdef_tab.get(), data->diags);
  data->mailproc_tab = load_tab(files, folder + "/mailproc.tab", data->diags);
  data->mailproc = parse_proc_commands(data->mailproc_tab.get(), proc_context::mailproc, data->diags);
  return data;
}

std::shared_ptr<account_files> read_account_files(const std::filesystem::path& root, const account& a) {
  disk_tables files(root);
  return read_account_files(files, a);
}

std::shared_ptr<domain_files> read_domain_files(const std::filesystem::path& root, std::string_view domain) {
  disk_tables files(root);
  return read_domain_files(files, domain);
}

std::shared_ptr<const account_files> mailroot::account_data(const account& a) const {
  return cached<account_files>("account:" + a.folder(), [&] { return read_account_files(*lazy_files_, a); });
}

std::shared_ptr<const domain_files> mailroot::domain_data(std::string_view domain) const {
  return cached<domain_files>("domain:" + to_lower(domain), [&] { return read_domain_files(*lazy_files_, domain); });
}

template <class T, class Parse>
std::shared_ptr<const T> mailroot::cached_file(const std::string& key, const std::string& rel, Parse parse) const {
  return cached<T>(key, [&]() -> std::shared_ptr<const T> {
    diagnostic_list diags;
    auto f = load_tab(*lazy_files_, rel, diags);
    if (!f) return nullptr;
    auto data = std::make_shared<T>();
    data->diags = std::move(diags);
    data->file = std::move(f);
    parse(*data);
    return data;
  });
}

std::shared_ptr<const command_file> mailroot::load_command_file(const std::string& rel, proc_context ctx) const {
  return cached_file<command_file>("cmd:" + rel, rel, [&](command_file& d) {
    d.commands = parse_proc_commands(d.file.get(), ctx, d.diags);
  });
}

std::shared_ptr<const command_file> mailroot::cmd_alias(std::string_view user, std::string_view domain) const {
  return load_command_file("cmdaliases/" + to_lower(domain) + "/" + to_lower(user) + ".tab", proc_context::cmdalias);
}

std::vector<std::string> mailroot::custom_domain_candidates(std::string_view domain) {
  std::vector<std::string> out;
  std::string d = to_lower(domain);
  out.push_back(d + ".tab");
  std::size_t pos = 0;
  while ((pos = d.find('.', pos)) != std::string::npos) {
    out.push_back(d.substr(pos) + ".tab");
    ++pos;
  }
  out.push_back(".tab");
  return out;
}

std::shared_ptr<const command_file> mailroot::custom_domain(std::string_view domain) const {
  for (auto& name : custom_domain_candidates(domain))
    if (auto file = load_command_file("custdomains/" + name, proc_context::custdomain)) return file;
  return nullptr;
}

std::shared_ptr<const filter_file> mailroot::filter(std::string_view name) const {
  std::string rel = "filters/" + std::string(name);
  return cached_file<filter_file>("filter:" + rel, rel, [](filter_file& d) {
    d.commands = parse_filter_commands(d.file.get(), d.diags);
  });
}

std::shared_ptr<const userauth_file> mailroot::load_userauth_file(const std::string& rel) const {
  return cached_file<userauth_file>("userauth:" + rel, rel, [](userauth_file& d) {
    d.entries = parse_userauth(d.file.get(), d.diags);
  });
}

std::shared_ptr<const userauth_file> mailroot::pop3_userauth(std::string_view domain) const {
  for (std::string name : {to_lower(domain) + ".tab", std::string(".tab")})
    if (auto f = load_userauth_file("userauth/pop3/" + name)) return f;
  return nullptr;
}

std::vector<std::string> mailroot::smtp_client_auth_candidates(std::string_view host) {
  std::vector<std::string> out;
  std::string h = to_lower(host);
  std::size_t pos = 0;
  for (;;) {
    out.push_back(h.substr(pos) + ".tab");
    auto dot = h.find('.', pos);
    if (dot == std::string::npos) break;
    pos = dot + 1;
  }
  return out;
}

std::shared_ptr<const userauth_file> mailroot::smtp_client_auth(std::string_view host) const {
  for (auto& name : smtp_client_auth_candidates(host))
    if (auto f = load_userauth_file("userauth/smtp/" + name)) return f;
  return nullptr;
}

smtp_perms mailroot::perms_for(const account& a) const {
  auto data = account_data(a);
  if (auto p = data->var("SmtpPerms")) return smtp_perms::parse(*p);
  return smtp_perms::parse(server_->value.default_smtp_perms);
}

}  // namespace mailflow::config
