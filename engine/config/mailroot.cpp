#include "mailroot.hpp"

#include <algorithm>
#include <exception>
#include <fstream>
#include <unordered_set>
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
  auto n = parse_int(trim(*v));
  return n ? *n : fallback;
}

bool account_files::flag(std::string_view name, bool fallback) const {
  auto v = vars.get(name);
  if (!v) return fallback;
  auto n = parse_int(trim(*v));
  return n ? *n != 0 : fallback;
}

const tab_file* mailroot::keep(std::unique_ptr<tab_file> f) {
  if (!f) return nullptr;
  auto* p = f.get();
  files_[p->path()] = std::move(f);
  return p;
}

void mailroot::index_accounts() {
  account_index_.reserve(accounts_.size());
  for (std::size_t i = 0; i < accounts_.size(); ++i) {
    auto& a = accounts_[i];
    auto kept = account_index_.insert(hash_lower(a.name, a.domain), i, [&](std::size_t j) {
      return iequals(accounts_[j].name, a.name) && iequals(accounts_[j].domain, a.domain);
    });
    if (kept != i) duplicate_accounts_.emplace_back(i, kept);
  }
}

void mailroot::index_aliases() {
  alias_exact_.reserve(aliases_.size());
  for (std::size_t i = 0; i < aliases_.size(); ++i) {
    auto& a = aliases_[i];
    if (has_wildcards(a.domain) || has_wildcards(a.alias)) {
      alias_wild_.push_back(i);
    } else {
      auto kept = alias_exact_.insert(hash_lower(a.domain, a.alias), i, [&](std::size_t j) {
        return iequals(aliases_[j].domain, a.domain) && iequals(aliases_[j].alias, a.alias);
      });
      if (kept != i) duplicate_aliases_.emplace_back(i, kept);
    }
  }
  std::stable_sort(alias_wild_.begin(), alias_wild_.end(), [&](auto x, auto y) {
    auto& a = aliases_[x];
    auto& b = aliases_[y];
    if (a.alias.size() != b.alias.size()) return a.alias.size() > b.alias.size();
    return a.domain.size() > b.domain.size();
  });
}

std::unique_ptr<mailroot> mailroot::load(const std::filesystem::path& root, diagnostic_list& diags) {
  std::unique_ptr<mailroot> m(new mailroot());
  m->root_ = root;
  // One directory listing tells which of the forty-odd root files exist, so
  // absent ones cost no system call (a harness loads a MailRoot per scenario).
  std::unordered_set<std::string> present;
  std::error_code list_error;
  for (auto it = std::filesystem::directory_iterator(root, list_error);
       !list_error && it != std::filesystem::directory_iterator(); it.increment(list_error))
    present.insert(it->path().filename().string());
  auto read = [&](const char* name) -> const tab_file* {
    if (!list_error && !present.count(name)) return nullptr;
    return m->keep(tab_file::load(root, name, diags));
  };

  m->server_ = server_config::from(variable_table::from(read("server.tab"), diags), diags);

  m->domains_ = parse_domains(read("domains.tab"), diags);
  m->domain_index_.reserve(m->domains_.size());
  for (std::size_t i = 0; i < m->domains_.size(); ++i) {
    auto& name = m->domains_[i].name;
    auto kept =
        m->domain_index_.insert(hash_lower(name), i, [&](std::size_t j) { return iequals(m->domains_[j].name, name); });
    if (kept != i) m->duplicate_domains_.emplace_back(i, kept);
  }

  m->alias_domains_ = parse_alias_domains(read("aliasdomain.tab"), diags);
  for (std::size_t i = 0; i < m->alias_domains_.size(); ++i) {
    auto& e = m->alias_domains_[i];
    if (has_wildcards(e.pattern)) {
      m->alias_domain_wild_.push_back(i);
    } else {
      m->alias_domain_exact_.insert(hash_lower(e.pattern), i,
                                    [&](std::size_t j) { return iequals(m->alias_domains_[j].pattern, e.pattern); });
    }
  }
  std::stable_sort(m->alias_domain_wild_.begin(), m->alias_domain_wild_.end(), [&](auto a, auto b) {
    return m->alias_domains_[a].pattern.size() > m->alias_domains_[b].pattern.size();
  });

  // aliases.tab is the other big table: on a large MailRoot it is read and
  // indexed on a second thread while mailusers.tab is; the results and the
  // order of the diagnostics are the same either way.
  diagnostic_list alias_diags;
  std::unique_ptr<tab_file> alias_file;
  std::exception_ptr alias_error;
  auto load_aliases = [&] {
    try {
      alias_file = tab_file::load(root, "aliases.tab", alias_diags);
      m->aliases_ = parse_aliases(alias_file.get(), alias_diags);
      m->index_aliases();
    } catch (...) {
      alias_error = std::current_exception();
    }
  };
  std::error_code size_error;
  auto alias_bytes = std::filesystem::file_size(root / "aliases.tab", size_error);
  std::jthread alias_thread;
  if (!size_error && alias_bytes >= parallel_load_bytes) alias_thread = std::jthread(load_aliases);

  m->accounts_ = parse_accounts(read("mailusers.tab"), diags);
  m->index_accounts();

  if (alias_thread.joinable()) {
    alias_thread.join();
  } else {
    load_aliases();
  }
  if (alias_error) std::rethrow_exception(alias_error);
  m->keep(std::move(alias_file));
  diags.append(alias_diags);

  m->ext_aliases_ = parse_ext_aliases(read("extaliases.tab"), diags);
  m->ctrl_accounts_ = parse_ctrl_accounts(read("ctrlaccounts.tab"), diags);
  m->smtpauth_ = parse_smtpauth(read("smtpauth.tab"), diags);
  m->extauth_ = parse_extauth(read("smtpextauth.tab"), diags);
  m->relay_ = parse_relay(read("smtprelay.tab"), diags);
  m->spammers_ = parse_spammers(read("spammers.tab"), diags);
  for (auto k : {ipmap_kind::smtp, ipmap_kind::pop3, ipmap_kind::ctrl, ipmap_kind::finger})
    m->ipmaps_[static_cast<int>(k)] = parse_ipmap(read(ipmap_file_name(k)), diags);
  m->ipprop_ = parse_ipprop(read("smtp.ipprop.tab"), diags);
  m->hnprop_ = parse_hnprop(read("smtp.hnprop.tab"), diags);
  m->spam_addresses_ = parse_spam_addresses(read("spam-address.tab"), diags);
  m->smtpgw_ = parse_routes(read("smtpgw.tab"), diags);
  m->smtpfwd_ = parse_routes(read("smtpfwd.tab"), diags);
  m->pop3links_ = parse_pop3links(read("pop3links.tab"), diags);
  m->filters_in_ = parse_filter_selection(read("filters.in.tab"), diags);
  m->filters_out_ = parse_filter_selection(read("filters.out.tab"), diags);
  for (auto h : {smtp_filter_hook::post_rcpt, smtp_filter_hook::pre_data, smtp_filter_hook::post_data})
    m->smtp_filters_[static_cast<int>(h)] = parse_filter_commands(read(smtp_filter_file_name(h)), diags);

  std::ifstream id_in(root / "message.id", std::ios::binary);
  if (id_in) {
    std::string text((std::istreambuf_iterator<char>(id_in)), std::istreambuf_iterator<char>());
    auto n = parse_int(trim(text));
    if (n && *n >= 0) {
      m->message_id_ = static_cast<std::uint64_t>(*n);
    } else {
      diags.error("message.id", 1, 1, "bad-message-id", "message.id must hold a number");
    }
  }
  return m;
}

bool mailroot::has_file(std::string_view rel_path) const { return files_.find(rel_path) != files_.end(); }

const tab_file* mailroot::file(std::string_view rel_path) const {
  auto it = files_.find(rel_path);
  return it == files_.end() ? nullptr : it->second.get();
}

std::vector<const tab_file*> mailroot::files() const {
  std::vector<const tab_file*> out;
  for (auto& [name, f] : files_) out.push_back(f.get());
  return out;
}

const domain_entry* mailroot::find_domain(std::string_view domain) const {
  auto i = domain_index_.find(hash_lower(domain), [&](std::size_t j) { return iequals(domains_[j].name, domain); });
  return i ? &domains_[*i] : nullptr;
}

const alias_domain_entry* mailroot::find_alias_domain(std::string_view domain) const {
  auto i = alias_domain_exact_.find(hash_lower(domain),
                                    [&](std::size_t j) { return iequals(alias_domains_[j].pattern, domain); });
  if (i) return &alias_domains_[*i];
  for (auto i : alias_domain_wild_)
    if (wildcard_match(alias_domains_[i].pattern, domain)) return &alias_domains_[i];
  return nullptr;
}

const account* mailroot::find_account(std::string_view user, std::string_view domain) const {
  auto i = account_index_.find(hash_lower(user, domain), [&](std::size_t j) {
    return iequals(accounts_[j].name, user) && iequals(accounts_[j].domain, domain);
  });
  return i ? &accounts_[*i] : nullptr;
}

void mailroot::find_accounts(std::span<const account_key> keys, std::span<const account*> out) const {
  constexpr std::size_t batch = 16;
  std::uint64_t hashes[batch];
  for (std::size_t start = 0; start < keys.size(); start += batch) {
    std::size_t n = std::min(batch, keys.size() - start);
    for (std::size_t k = 0; k < n; ++k) {
      hashes[k] = hash_lower(keys[start + k].first, keys[start + k].second);
      account_index_.prefetch(hashes[k]);
    }
    for (std::size_t k = 0; k < n; ++k) {
      auto [user, domain] = keys[start + k];
      auto i = account_index_.find(hashes[k], [&](std::size_t j) {
        return iequals(accounts_[j].name, user) && iequals(accounts_[j].domain, domain);
      });
      out[start + k] = i ? &accounts_[*i] : nullptr;
    }
  }
}

const account* mailroot::find_account(std::string_view address) const {
  auto at = address.rfind('@');
  if (at == std::string_view::npos) return nullptr;
  return find_account(address.substr(0, at), address.substr(at + 1));
}

const alias_entry* mailroot::find_alias(std::string_view user, std::string_view domain) const {
  auto i = alias_exact_.find(hash_lower(domain, user), [&](std::size_t j) {
    return iequals(aliases_[j].domain, domain) && iequals(aliases_[j].alias, user);
  });
  if (i) return &aliases_[*i];
  for (auto i : alias_wild_) {
    auto& a = aliases_[i];
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
  for (auto& e : ext_aliases_)
    if (iequals(e.ext_account, user) && iequals(e.ext_domain, domain)) return &e;
  return nullptr;
}

const smtpauth_entry* mailroot::find_smtpauth(std::string_view user) const {
  for (auto& e : smtpauth_)
    if (e.user == user) return &e;
  return nullptr;
}

const extauth_entry* mailroot::find_extauth(std::string_view mechanism) const {
  for (auto& e : extauth_)
    if (iequals(e.name, mechanism)) return &e;
  return nullptr;
}

const network_entry* mailroot::find_relay(const ip_address& a) const {
  for (auto& e : relay_)
    if (e.net.contains(a)) return &e;
  return nullptr;
}

const spammer_entry* mailroot::find_spammer(const ip_address& a) const {
  for (auto& e : spammers_)
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
  for (auto& e : ipprop_)
    if (e.net.contains(a)) return &e;
  return nullptr;
}

const hnprop_entry* mailroot::find_hnprop(std::string_view host) const {
  for (auto& e : hnprop_) {
    if (iequals(host, e.host)) return &e;
    if (e.subdomains && host.size() > e.host.size() + 1 && iends_with(host, e.host) &&
        host[host.size() - e.host.size() - 1] == '.')
      return &e;
  }
  return nullptr;
}

const spam_address_entry* mailroot::find_spam_address(std::string_view address) const {
  for (auto& e : spam_addresses_)
    if (wildcard_match(e.pattern, address)) return &e;
  return nullptr;
}

const route_entry* mailroot::find_smtpgw(std::string_view domain) const {
  for (auto& e : smtpgw_)
    if (wildcard_match(e.domain, domain)) return &e;
  return nullptr;
}

const route_entry* mailroot::find_smtpfwd(std::string_view domain) const {
  for (auto& e : smtpfwd_)
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

std::shared_ptr<account_files> read_account_files(const std::filesystem::path& root, const account& a) {
  std::string folder = a.folder();
  auto data = std::make_shared<account_files>();
  data->user_tab = tab_file::load(root, folder + "/user.tab", data->diags);
  data->vars = variable_table::from(data->user_tab.get(), data->diags);
  if (a.type == account_type::mailing_list) {
    data->mlusers_tab = tab_file::load(root, folder + "/mlusers.tab", data->diags);
    data->members = parse_ml_members(data->mlusers_tab.get(), data->diags);
  }
  data->mailproc_tab = tab_file::load(root, folder + "/mailproc.tab", data->diags);
  data->mailproc = parse_proc_commands(data->mailproc_tab.get(), proc_context::mailproc, data->diags);
  data->pop3_ipmap_tab = tab_file::load(root, folder + "/pop3.ipmap.tab", data->diags);
  data->pop3_ipmap = parse_ipmap(data->pop3_ipmap_tab.get(), data->diags);
  return data;
}

std::shared_ptr<domain_files> read_domain_files(const std::filesystem::path& root, std::string_view domain) {
  std::string folder = "domains/" + std::string(domain);
  auto data = std::make_shared<domain_files>();
  data->userdef_tab = tab_file::load(root, folder + "/userdef.tab", data->diags);
  data->userdef = variable_table::from(data->userdef_tab.get(), data->diags);
  data->mailproc_tab = tab_file::load(root, folder + "/mailproc.tab", data->diags);
  data->mailproc = parse_proc_commands(data->mailproc_tab.get(), proc_context::mailproc, data->diags);
  return data;
}

std::shared_ptr<const account_files> mailroot::account_data(const account& a) const {
  return cached<account_files>("account:" + a.folder(), [&] { return read_account_files(root_, a); });
}

std::shared_ptr<const domain_files> mailroot::domain_data(std::string_view domain) const {
  return cached<domain_files>("domain:" + to_lower(domain), [&] { return read_domain_files(root_, domain); });
}

std::shared_ptr<const command_file> mailroot::load_command_file(const std::string& rel, proc_context ctx) const {
  return cached<command_file>("cmd:" + rel, [&]() -> std::shared_ptr<const command_file> {
    diagnostic_list diags;
    auto f = tab_file::load(root_, rel, diags);
    if (!f) return nullptr;
    auto data = std::make_shared<command_file>();
    data->diags = std::move(diags);
    data->file = std::move(f);
    data->commands = parse_proc_commands(data->file.get(), ctx, data->diags);
    return data;
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
  return cached<filter_file>("filter:" + rel, [&]() -> std::shared_ptr<const filter_file> {
    diagnostic_list diags;
    auto f = tab_file::load(root_, rel, diags);
    if (!f) return nullptr;
    auto data = std::make_shared<filter_file>();
    data->diags = std::move(diags);
    data->file = std::move(f);
    data->commands = parse_filter_commands(data->file.get(), data->diags);
    return data;
  });
}

std::shared_ptr<const userauth_file> mailroot::load_userauth_file(const std::string& rel) const {
  return cached<userauth_file>("userauth:" + rel, [&]() -> std::shared_ptr<const userauth_file> {
    diagnostic_list diags;
    auto f = tab_file::load(root_, rel, diags);
    if (!f) return nullptr;
    auto data = std::make_shared<userauth_file>();
    data->diags = std::move(diags);
    data->file = std::move(f);
    data->entries = parse_userauth(data->file.get(), data->diags);
    return data;
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
  return smtp_perms::parse(server_.default_smtp_perms);
}

}  // namespace mailflow::config
