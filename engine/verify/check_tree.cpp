// Checks that walk the MailRoot's folders: standard files and folders,
// domain and account folders with their files, command aliases, custom
// domains, filter files, userauth files and the programs the tables run.
#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <map>
#include <set>
#include <unordered_map>

#include "core/text.hpp"
#include "core/wildcard.hpp"
#include "state.hpp"

namespace mailflow::verify {

namespace {

using namespace mailflow::config;

struct dir_entry {
  std::string name;
  bool is_dir = false;
  bool is_file = false;
};

// A folder's entries sorted by name, without '.', '..' and the .keep files
// that hold empty folders in git; nullopt when it is no folder.
std::optional<std::vector<dir_entry>> list_folder(const std::string& path) {
  DIR* d = ::opendir(path.c_str());
  if (!d) return std::nullopt;
  std::vector<dir_entry> out;
  while (auto* e = ::readdir(d)) {
    std::string_view name = e->d_name;
    if (name == "." || name == ".." || name == ".keep") continue;
    dir_entry entry{std::string(name)};
    if (e->d_type == DT_DIR || e->d_type == DT_REG) {
      entry.is_dir = e->d_type == DT_DIR;
      entry.is_file = e->d_type == DT_REG;
    } else {  // a symlink, or a file system that does not tell
      struct stat st;
      if (::stat((path + "/" + entry.name).c_str(), &st) == 0) {
        entry.is_dir = S_ISDIR(st.st_mode);
        entry.is_file = S_ISREG(st.st_mode);
      }
    }
    out.push_back(std::move(entry));
  }
  ::closedir(d);
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.name < b.name; });
  return out;
}

bool is_folder(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

bool has_upper(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

const dir_entry* find_entry(const std::vector<dir_entry>& entries, std::string_view name) {
  auto it = std::lower_bound(entries.begin(), entries.end(), name, [](auto& e, std::string_view n) { return e.name < n; });
  return it != entries.end() && it->name == name ? &*it : nullptr;
}

const dir_entry* find_entry_ignoring_case(const std::vector<dir_entry>& entries, std::string_view name) {
  for (auto& e : entries)
    if (iequals(e.name, name)) return &e;
  return nullptr;
}

// --- standard files and folders (manual: CONFIGURATION, "MailRoot structure") ---

struct required_file {
  std::string_view name;
  std::string_view consequence;
};

constexpr std::array required_files = {
    required_file{"server.tab", "XMail reads its configuration from it"},
    required_file{"domains.tab", "XMail has no local domain, so every recipient is remote"},
    required_file{"mailusers.tab", "XMail has no account: no login and no local mailbox"},
    required_file{"spammers.tab",
                  "XMail refuses every SMTP connection with 421 (-19, unable to open file)"},
};

constexpr std::array standard_files = {
    "aliasdomain.tab", "aliases.tab",    "ctrl.ipmap.tab",  "ctrlaccounts.tab", "dnsroots",
    "extaliases.tab",  "finger.ipmap.tab", "message.id",    "pop3.ipmap.tab",   "pop3links.tab",
    "smtp.ipmap.tab",  "smtp.ipprop.tab", "smtpauth.tab",   "smtpextauth.tab",  "smtpfwd.tab",
    "smtpgw.tab",      "smtprelay.tab",  "spam-address.tab", "userdef.tab",
};

struct standard_folder {
  std::string_view path;
  std::string_view purpose;
};

// The folders conformance/replay.py gives every MailRoot it runs XMail on.
constexpr std::array standard_folders = {
    standard_folder{"bin", "XMail's programs live here"},
    standard_folder{"cmdaliases", "command aliases live here (manual: CMD ALIASES)"},
    standard_folder{"custdomains", "custom domain files live here (manual: CUSTOM DOMAIN MAIL PROCESSING)"},
    standard_folder{"dnscache/mx", "XMail caches MX answers here"},
    standard_folder{"dnscache/ns", "XMail caches NS answers here"},
    standard_folder{"domains", "the account folders live here"},
    standard_folder{"filters", "the filter files of filters.in.tab and filters.out.tab live here"},
    standard_folder{"logs", "XMail writes its logs here"},
    standard_folder{"msgsync", "POP3 link UIDL lists live here"},
    standard_folder{"pop3linklocks", "POP3 link sessions lock here"},
    standard_folder{"pop3links", "POP3 link state lives here"},
    standard_folder{"pop3locks", "POP3 sessions lock their mailbox here"},
    standard_folder{"spool", "XMail keeps its message queue here"},
    standard_folder{"tabindex", "XMail keeps the indexes of its indexed tables here"},
    standard_folder{"userauth/pop3", "external POP3 authentication files live here (manual: EXTERNAL AUTHENTICATION)"},
    standard_folder{"userauth/smtp", "SMTP client authentication files live here (manual: SMTP CLIENT AUTHENTICATION)"},
};

void check_standard_files(state& s) {
  for (auto& f : required_files)
    if (!exists(s.root_text + "/" + std::string(f.name)))
      s.about(severity::error, std::string(f.name), "missing-required-file",
              "required file is missing: " + std::string(f.consequence));
  for (auto name : standard_files)
    if (!exists(s.root_text + "/" + name))
      s.about(severity::note, name, "missing-standard-file", "standard MailRoot file is missing");
  if (exists(s.root_text + "/message.id")) s.files.push_back("message.id");
  for (auto& f : standard_folders) {
    std::string path(f.path);
    if (is_folder(s.root_text + "/" + path)) continue;
    s.about(severity::warning, path, "missing-standard-folder",
            std::string(exists(s.root_text + "/" + path) ? "standard folder is not a folder: "
                                                         : "standard folder is missing: ") +
                std::string(f.purpose));
  }
}

// --- programs ---------------------------------------------------------------

// The first field of a filter line is "!flags" when it starts with '!'.
std::size_t program_field(const filter_command& c) {
  return c.src.record && c.src.record->size() > 0 && !c.src.record->fields[0].value.empty() &&
                 c.src.record->fields[0].value[0] == '!'
             ? 1
             : 0;
}

void check_proc_programs(state& s, const std::vector<proc_command>& commands) {
  for (auto& c : commands)
    if ((c.keyword == proc_keyword::external || c.keyword == proc_keyword::filter) && c.args.size() >= 3)
      check_program(s, c.src, 3, c.args[2], "XMail cannot run this command");
}

void check_smtp_programs(state& s) {
  for (auto hook : {smtp_filter_hook::post_rcpt, smtp_filter_hook::pre_data, smtp_filter_hook::post_data})
    for (auto& c : s.mr->smtp_filters(hook))
      check_program(s, c.src, program_field(c), c.argv.front(),
                    "XMail counts a filter it cannot run as a pass, so this check never happens");
  for (auto& e : s.mr->extauth())
    check_program(s, e.src, 1, e.command.front(), "XMail cannot run it to check " + e.name + " logins");
}

// --- domains and accounts ---------------------------------------------------

void check_domain_folders(state& s) {
  std::set<std::string> done;
  for (auto& d : s.mr->domains()) {
    if (!done.insert(to_lower(d.name)).second) continue;
    auto data = read_domain_files(s.root, d.name);
    s.diags.append(data->diags);
    s.read(data->userdef_tab.get());
    s.read(data->mailproc_tab.get());
    check_user_variables(s, data->userdef);
    check_proc_programs(s, data->mailproc);
  }
}

void check_list_members(state& s, const account& list, const account_files& data) {
  const auto& m = *s.mr;
  for (auto& member : data.members) {
    auto at = member.address.rfind('@');
    std::string user = member.address.substr(0, at), domain = member.address.substr(at + 1);
    if (!m.find_domain(domain) || m.find_account(user, domain) || m.find_alias(user, domain) ||
        m.cmd_alias(user, domain))
      continue;
    s.at(severity::warning, member.src, 0, "ml-member-unknown",
         "member " + member.address + " of list " + list.address() +
             " is in a local domain but is no account or alias: the list's copies to it cannot be delivered");
  }
}

// The files of one account folder whose entries are `entries`.
void check_account_files(state& s, const account& a, const std::vector<dir_entry>& entries) {
  const bool list = a.type == account_type::mailing_list;
  if (!list) {
    // Manual: CONFIGURATION, "MailRoot structure": mailbox/ or Maildir/{tmp,new,cur}.
    auto* maildir = find_entry(entries, "Maildir");
    auto* mailbox = find_entry(entries, "mailbox");
    if (maildir && maildir->is_dir) {
      auto sub = list_folder(s.root_text + "/" + a.folder() + "/Maildir");
      std::string missing;
      for (auto name : {"tmp", "new", "cur"}) {
        auto* e = sub ? find_entry(*sub, name) : nullptr;
        if (!e || !e->is_dir) missing += std::string(missing.empty() ? "" : ", ") + name;
      }
      if (!missing.empty())
        s.at(severity::warning, a.src, 4, "account-no-mailbox",
             a.folder() + "/Maildir lacks " + missing + ": XMail answers 552 to every RCPT for " + a.address());
    } else if (!mailbox || !mailbox->is_dir) {
      s.at(severity::warning, a.src, 4, "account-no-mailbox",
           a.folder() + " has neither Maildir/ (tmp, new, cur) nor mailbox/: XMail answers 552 to every RCPT for " +
               a.address());
    }
  }

  bool any = find_entry(entries, "user.tab") || find_entry(entries, "mailproc.tab") ||
             find_entry(entries, "pop3.ipmap.tab") || (list && find_entry(entries, "mlusers.tab"));
  if (!any && !list) return;
  auto data = read_account_files(s.root, a);
  s.diags.append(data->diags);
  s.read(data->user_tab.get());
  s.read(data->mlusers_tab.get());
  s.read(data->mailproc_tab.get());
  s.read(data->pop3_ipmap_tab.get());
  check_user_variables(s, data->vars);
  check_proc_programs(s, data->mailproc);
  if (!list) return;
  if (!data->mlusers_tab) {
    // Manual: MLUSERS.TAB "must exist inside the user account subdirectory".
    s.at(severity::error, a.src, 5, "mlusers-missing",
         "mailing list " + a.address() + " has no " + a.folder() + "/mlusers.tab: XMail has no subscribers to send to");
    return;
  }
  check_list_members(s, a, *data);
}

void check_account_folders(state& s) {
  const auto& m = *s.mr;
  // Accounts by domain as written: the folder is domains/DOMAIN/DIR.
  std::map<std::string, std::vector<const account*>> by_domain;
  for (auto& a : m.accounts())
    if (m.find_account(a.name, a.domain) == &a) by_domain[a.domain].push_back(&a);

  std::optional<std::vector<dir_entry>> domains_folder;
  for (auto& [domain, accounts] : by_domain) {
    std::string domain_rel = "domains/" + domain;
    auto entries = list_folder(s.root_text + "/" + domain_rel);
    if (!entries) {
      if (!domains_folder) domains_folder = list_folder(s.root_text + "/domains").value_or(std::vector<dir_entry>{});
      auto* other = find_entry_ignoring_case(*domains_folder, domain);
      for (auto* a : accounts) {
        if (other && other->is_dir) {
          s.at(severity::error, a->src, 0, "account-folder-case",
               "folder " + a->folder() + " does not exist; domains/" + other->name +
                   " differs in case (XMail needs the exact name)");
          continue;
        }
        s.at(severity::error, a->src, 4, "account-folder-missing",
             "account folder " + a->folder() + " does not exist: XMail cannot store mail for " + a->address());
      }
      continue;
    }
    std::unordered_map<const dir_entry*, const account*> owner;
    for (auto* a : accounts) {
      const dir_entry* e = find_entry(*entries, a->dir);
      std::optional<std::vector<dir_entry>> account_entries;
      if (!e && a->dir.find('/') != std::string::npos && is_folder(s.root_text + "/" + a->folder())) {
        account_entries = list_folder(s.root_text + "/" + a->folder());  // a nested folder name
      } else if (!e) {
        if (auto* other = find_entry_ignoring_case(*entries, a->dir); other && other->is_dir) {
          s.at(severity::error, a->src, 4, "account-folder-case",
               "folder " + a->folder() + " does not exist; " + domain_rel + "/" + other->name +
                   " differs in case: the folder must match the mailusers.tab field exactly (manual: MAILUSERS.TAB)");
          continue;
        }
        s.at(severity::error, a->src, 4, "account-folder-missing",
             "account folder " + a->folder() + " does not exist: XMail cannot store mail for " + a->address());
        continue;
      } else if (!e->is_dir) {
        s.at(severity::error, a->src, 4, "account-folder-missing",
             "account folder " + a->folder() + " is not a folder: XMail cannot store mail for " + a->address());
        continue;
      } else {
        auto [it, first] = owner.try_emplace(e, a);
        if (!first) {  // its files were checked with the first account
          s.at(severity::warning, a->src, 4, "account-folder-shared",
               a->address() + " uses folder " + a->folder() + ", which is already the folder of " +
                   it->second->address() + " (" + it->second->src.location() + "): both share one mailbox");
          continue;
        }
        account_entries = list_folder(s.root_text + "/" + a->folder());
      }
      check_account_files(s, *a, account_entries.value_or(std::vector<dir_entry>{}));
    }
  }
}

// --- command aliases, custom domains, filters, userauth ---------------------

void check_cmdaliases(state& s) {
  auto top = list_folder(s.root_text + "/cmdaliases");
  if (!top) return;
  for (auto& d : *top) {
    if (!d.is_dir) continue;
    std::string dir_rel = "cmdaliases/" + d.name;
    bool dir_upper = has_upper(d.name);
    if (dir_upper)
      s.about(severity::warning, dir_rel, "command-file-name-case",
              "XMail looks up lower-case domain and user names only (manual: CMD ALIASES): this folder is never used");
    auto files = list_folder(s.root_text + "/" + dir_rel);
    for (auto& f : files.value_or(std::vector<dir_entry>{})) {
      if (!f.is_file || !iends_with(f.name, ".tab")) continue;
      std::string rel = dir_rel + "/" + f.name;
      std::string user = f.name.substr(0, f.name.size() - 4);
      if (!dir_upper && has_upper(f.name))
        s.about(severity::warning, rel, "command-file-name-case",
                "XMail looks up lower-case domain and user names only (manual: CMD ALIASES): this file is never used");
      auto file = tab_file::load(s.root, rel, s.diags);
      s.read(file.get());
      check_proc_programs(s, parse_proc_commands(file.get(), proc_context::cmdalias, s.diags));
      if (dir_upper || has_upper(f.name)) continue;
      const source* shadowed = nullptr;
      if (auto* a = s.mr->find_account(user, d.name)) shadowed = &a->src;
      if (auto* al = s.mr->find_alias(user, d.name);
          !shadowed && al && !has_wildcards(al->domain) && !has_wildcards(al->alias))
        shadowed = &al->src;
      if (shadowed)
        s.about(severity::warning, rel, "cmdalias-shadows-account",
                "command alias " + address_of(user, d.name) + " hides the account or alias at " +
                    shadowed->location() + ": XMail checks command aliases first");
    }
  }
}

void check_custdomains(state& s) {
  auto files = list_folder(s.root_text + "/custdomains");
  if (!files) return;
  for (auto& f : *files) {
    if (!f.is_file || !iends_with(f.name, ".tab")) continue;
    std::string rel = "custdomains/" + f.name;
    std::string domain = f.name.substr(0, f.name.size() - 4);
    auto file = tab_file::load(s.root, rel, s.diags);
    s.read(file.get());
    check_proc_programs(s, parse_proc_commands(file.get(), proc_context::custdomain, s.diags));
    if (has_upper(f.name)) {
      s.about(severity::warning, rel, "command-file-name-case",
              "XMail looks up lower-case domain names only: this file is never used");
      continue;
    }
    if (!domain.empty() && domain[0] != '.' && s.mr->find_domain(domain))
      s.about(severity::warning, rel, "custdomain-shadowed",
              domain + " is in domains.tab, and custom domain processing applies only to domains XMail does not "
                       "handle (manual: CUSTOM DOMAIN MAIL PROCESSING): this file is never used");
  }
}

void check_filter_files(state& s) {
  std::set<std::string> done;
  for (auto* selection : {&s.mr->filters_in(), &s.mr->filters_out()}) {
    for (auto& sel : *selection) {
      auto f = s.mr->filter(sel.filename);
      if (!f) {
        s.at(severity::error, sel.src, 4, "filter-file-missing",
             "filter file filters/" + sel.filename + " does not exist (manual: MESSAGE FILTERS)");
        continue;
      }
      if (!done.insert(sel.filename).second) continue;
      s.diags.append(f->diags);
      s.read(f->file.get());
      for (auto& c : f->commands) check_program(s, c.src, program_field(c), c.argv.front(), "the filter cannot run");
    }
  }
}

// userauth/pop3 (manual: EXTERNAL AUTHENTICATION) and userauth/smtp (SMTP CLIENT AUTHENTICATION).
void check_userauth(state& s) {
  static const std::array pop3_actions = {"userauth", "useradd", "useredit", "userdel", "domaindrop"};
  static const std::array smtp_types = {"PLAIN", "LOGIN", "CRAM-MD5"};
  for (std::string kind : {"pop3", "smtp"}) {
    auto files = list_folder(s.root_text + "/userauth/" + kind);
    for (auto& f : files.value_or(std::vector<dir_entry>{})) {
      if (!f.is_file || !iends_with(f.name, ".tab")) continue;
      auto file = tab_file::load(s.root, "userauth/" + kind + "/" + f.name, s.diags);
      s.read(file.get());
      for (auto& e : parse_userauth(file.get(), s.diags)) {
        if (kind == "pop3") {
          if (std::none_of(pop3_actions.begin(), pop3_actions.end(), [&](auto a) { return e.action == a; })) {
            s.at(severity::error, e.src, 0, "bad-value",
                 "unknown action '" + e.action + "' (userauth, useradd, useredit, userdel, domaindrop)");
            continue;
          }
          check_program(s, e.src, 1, e.command.front(), "external authentication cannot run");
          continue;
        }
        if (std::none_of(smtp_types.begin(), smtp_types.end(), [&](auto t) { return iequals(e.action, t); })) {
          s.at(severity::error, e.src, 0, "bad-value",
               "unknown authentication type '" + e.action + "' (PLAIN, LOGIN, CRAM-MD5)");
        } else if (e.command.size() != 2) {
          s.at(severity::error, e.src, 0, "field-count",
               "expected 3 fields (\"auth-type\" \"username\" \"password\"), found " +
                   std::to_string(e.command.size() + 1));
        }
      }
    }
  }
}

// Manual: SERVER.TAB VARIABLES, SmtpNoTLSAuths; SSL CONFIGURATION.
void check_cleartext_auth(state& s) {
  const auto& cfg = s.mr->server();
  if (!exists(s.root_text + "/server.cert") || !exists(s.root_text + "/server.key")) return;
  if (!cfg.enable_smtp_tls || cfg.smtp_no_tls_auths) return;
  std::string message =
      "server.cert and server.key are present and STARTTLS is on, but SmtpNoTLSAuths is not set: clients may send "
      "their password before STARTTLS; set SmtpNoTLSAuths to \"\" (or CRAM-MD5) to keep passwords off clear-text "
      "connections";
  if (auto origin = cfg.origin("EnableSMTP-TLS")) {
    s.at(severity::warning, origin, 0, "cleartext-auth", message);
    return;
  }
  s.about(severity::warning, "server.tab", "cleartext-auth", message);
}

}  // namespace

void check_program(state& s, const source& src, std::size_t field, std::string_view program,
                   std::string_view consequence) {
  if (program.empty() || program.find("$(") != std::string_view::npos || program.find("@@") != std::string_view::npos)
    return;
  std::string path = expand_root(program, s.root_text);
  std::string shown = "program '" + std::string(program) + "'";
  if (path.front() != '/' && path.find('/') == std::string::npos) {
    // A bare name runs from PATH.
    const char* env = std::getenv("PATH");
    std::string found;
    for (auto dir : split(env ? env : "", ':')) {
      if (dir.empty()) continue;
      std::string candidate = std::string(dir) + "/" + path;
      if (exists(candidate)) {
        found = candidate;
        break;
      }
    }
    if (found.empty()) {
      s.at(severity::error, src, field, "program-missing", shown + " is not in PATH: " + std::string(consequence));
      return;
    }
    path = found;
  } else if (path.front() != '/') {
    path = s.root_text + "/" + path;
  }
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    s.at(severity::error, src, field, "program-missing", shown + " does not exist: " + std::string(consequence));
    return;
  }
  if (!S_ISREG(st.st_mode)) {
    s.at(severity::error, src, field, "program-not-executable",
         shown + " is not a regular file: " + std::string(consequence));
    return;
  }
  // XMail runs as root, which may run a file with any execute bit.
  if ((st.st_mode & 0111) == 0)
    s.at(severity::error, src, field, "program-not-executable",
         shown + " is not executable (no x permission): " + std::string(consequence));
}

void run_tree_checks(state& s) {
  check_standard_files(s);
  check_domain_folders(s);
  check_account_folders(s);
  check_cmdaliases(s);
  check_custdomains(s);
  check_filter_files(s);
  check_userauth(s);
  check_smtp_programs(s);
  check_cleartext_auth(s);
}

}  // namespace mailflow::verify
