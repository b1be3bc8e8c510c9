// libFuzzer target: the one TAB reader and every typed table on arbitrary
// file text (server.tab and user.tab numbers included). The input's first
// byte picks the file name (credential tables mask differently, server.tab
// and user.tab are variables). Invariants:
//  - parsing never crashes and every diagnostic cites this file, a line
//    within it and a known severity;
//  - every record's line is within the file and its fields hold no CR or LF;
//  - a rule quoted from a credential table never shows its password field.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "config/tab_file.hpp"
#include "core/text.hpp"
#include "config/tables.hpp"
#include "config/variables.hpp"

namespace {

using namespace mailflow;
using namespace mailflow::config;

[[noreturn]] void violated(const char* what, const std::string& detail) {
  std::fprintf(stderr, "invariant violated: %s\n%s\n", what, detail.substr(0, 2000).c_str());
  std::abort();
}

const char* const names[] = {"server.tab",    "mailusers.tab",      "aliases.tab",      "domains.tab",
                             "aliasdomain.tab", "extaliases.tab",   "smtpauth.tab",     "ctrlaccounts.tab",
                             "smtprelay.tab", "smtpgw.tab",         "smtpfwd.tab",      "spammers.tab",
                             "spam-address.tab", "smtp.ipmap.tab",  "smtp.ipprop.tab",  "smtp.hnprop.tab",
                             "pop3links.tab", "filters.in.tab",     "filters/f.tab",    "domains/d/u/user.tab",
                             "domains/d/u/mailproc.tab", "cmdaliases/d/c.tab", "domains/d/u/mlusers.tab",
                             "smtpextauth.tab", "userauth/smtp/d.tab"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string name = names[data[0] % (sizeof names / sizeof names[0])];
  std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  const std::size_t lines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
  diagnostic_list diags;
  auto file = tab_file::parse(name, text, diags);
  if (!file) violated("parse returned nothing", name);
  for (auto& r : file->records()) {
    if (r.line < 1 || r.line > lines) violated("a record's line is outside the file", std::to_string(r.line));
    for (std::size_t i = 0; i < r.size(); ++i)
      if (r[i].find_first_of("\r\n") != std::string_view::npos) violated("a field holds CR or LF", std::string(r[i]));
  }
  // every typed table, whatever the name: the parsers must stand any records
  const tab_file* f = file.get();
  (void)parse_domains(f, diags);
  (void)parse_alias_domains(f, diags);
  (void)parse_aliases(f, diags);
  (void)parse_ext_aliases(f, diags);
  (void)parse_accounts(f, diags);
  (void)parse_ctrl_accounts(f, diags);
  (void)parse_relay(f, diags);
  (void)parse_smtpauth(f, diags);
  (void)parse_extauth(f, diags);
  (void)parse_routes(f, diags);
  (void)parse_spammers(f, diags);
  (void)parse_spam_addresses(f, diags);
  (void)parse_ipmap(f, diags);
  (void)parse_ipprop(f, diags);
  (void)parse_hnprop(f, diags);
  (void)parse_pop3links(f, diags);
  (void)parse_filter_selection(f, diags);
  (void)parse_filter_commands(f, diags);
  for (auto ctx : {proc_context::mailproc, proc_context::cmdalias, proc_context::custdomain})
    (void)parse_proc_commands(f, ctx, diags);
  (void)parse_ml_members(f, diags);
  auto cfg = server_config::from(variable_table::from(f, diags), diags);
  if (cfg.max_message_size_kb < 0 || cfg.max_message_size_kb > max_kilobytes)
    violated("MaxMessageSize outside its range", std::to_string(cfg.max_message_size_kb));
  for (auto& d : diags.items()) {
    if (d.file != name) violated("a diagnostic cites another file", d.file + " for " + name);
    if (d.line > lines) violated("a diagnostic cites a line past the end", std::to_string(d.line));
  }
  // a quoted credential rule never shows the password
  if (auto pw = password_field(name))
    for (auto& r : file->records()) {
      if (r.size() <= *pw || r[*pw].empty() || r[*pw] == "***") continue;
      std::string quoted = file->rule(r).text;
      diagnostic_list ignored;
      // after a comment line, so a byte order mark the rule starts with is not the file's
      auto again = tab_file::parse(name, "#\n" + quoted + "\n", ignored);
      if (!again || again->records().empty() || again->records()[0].size() <= *pw ||
          again->records()[0][*pw] != "***")
        violated("a quoted rule shows the password field", quoted);
    }
  return 0;
}
