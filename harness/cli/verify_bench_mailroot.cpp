#include "cli/verify_bench_mailroot.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <fstream>
#include <system_error>

#include "core/codec.hpp"

namespace mailflow::cli {

namespace {

void make_folder(const std::string& path) {
  if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST)
    throw std::system_error(errno, std::generic_category(), "cannot make folder " + path);
}

void write_file(const std::filesystem::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
  if (!out.flush()) throw std::system_error(errno, std::generic_category(), "cannot write " + path.string());
}

std::string domain_name(std::size_t d) { return "d" + std::to_string(d) + ".test"; }

std::string quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

}  // namespace

std::string bench_account_folder(std::size_t i, const bench_mailroot_options& options) {
  return "domains/" + domain_name(i % options.domains) + "/u" + std::to_string(i);
}

void write_bench_mailroot(const std::filesystem::path& root, const bench_mailroot_options& options) {
  const std::string r = root.string();
  std::filesystem::create_directories(root);
  for (auto folder : {"bin", "cmdaliases", "custdomains", "dnscache", "dnscache/mx", "dnscache/ns", "domains",
                      "filters", "logs", "msgsync", "pop3linklocks", "pop3links", "pop3locks", "spool", "tabindex",
                      "userauth", "userauth/pop3", "userauth/smtp"})
    make_folder(r + "/" + folder);

  const std::string first = domain_name(0);
  write_file(root / "server.tab", "\"RootDomain\"\t" + quote(first) + "\n\"SmtpServerDomain\"\t" + quote(first) +
                                      "\n\"POP3Domain\"\t" + quote(first) + "\n\"PostMaster\"\t\"postmaster@" +
                                      first + "\"\n\"RemoveSpoolErrors\"\t\"0\"\n");
  write_file(root / "ctrl.ipmap.tab", "\"0.0.0.0\"\t\"0.0.0.0\"\t\"DENY\"\t1\n\"127.0.0.0\"\t\"255.0.0.0\"\t\"ALLOW\"\t2\n");
  write_file(root / "ctrlaccounts.tab", "\"bench-admin\"\t" + quote(xmail_password_encode("k3!bench-ctrl-Secret")) + "\n");
  for (auto name : {"smtp.ipmap.tab", "pop3.ipmap.tab", "finger.ipmap.tab"})
    write_file(root / name, "\"0.0.0.0\"\t\"0.0.0.0\"\t\"ALLOW\"\t1\n");
  for (auto name : {"aliasdomain.tab", "extaliases.tab", "pop3links.tab", "smtp.ipprop.tab", "smtpauth.tab",
                    "smtpextauth.tab", "smtpfwd.tab", "smtpgw.tab", "smtprelay.tab", "spam-address.tab",
                    "spammers.tab"})
    write_file(root / name, "");
  write_file(root / "message.id", "1\n");
  write_file(root / "dnsroots", "a.root-servers.net.\n");
  write_file(root / "userdef.tab", "\"RealName\"\t\"??\"\n\"MaxMBSize\"\t\"10000\"\n\"ReceiveEnable\"\t\"1\"\n");

  std::string domains;
  for (std::size_t d = 0; d < options.domains; ++d) {
    domains += quote(domain_name(d)) + "\n";
    make_folder(r + "/domains/" + domain_name(d));
    make_folder(r + "/cmdaliases/" + domain_name(d));
  }
  write_file(root / "domains.tab", domains);

  std::ofstream users(root / "mailusers.tab", std::ios::binary);
  std::ofstream aliases(root / "aliases.tab", std::ios::binary);
  std::string user_lines, alias_lines;
  for (std::size_t i = 0; i < options.accounts; ++i) {
    const std::string domain = domain_name(i % options.domains);
    const std::string name = "u" + std::to_string(i);
    user_lines += quote(domain) + "\t" + quote(name) + "\t" +
                  quote(xmail_password_encode("bench-pw-" + std::to_string(i * 7919 + 13))) + "\t" +
                  std::to_string(i + 1) + "\t" + quote(name) + "\t\"U\"\n";
    alias_lines += quote(domain) + "\t\"a" + std::to_string(i) + "\"\t" + quote(name) + "\n";
    if (user_lines.size() > (1u << 20)) {
      users << user_lines;
      aliases << alias_lines;
      user_lines.clear();
      alias_lines.clear();
    }
    const std::string folder = r + "/" + bench_account_folder(i, options);
    make_folder(folder);
    if (!options.maildir) {
      make_folder(folder + "/mailbox");
      continue;
    }
    make_folder(folder + "/Maildir");
    for (auto sub : {"/Maildir/tmp", "/Maildir/new", "/Maildir/cur"}) make_folder(folder + sub);
  }
  users << user_lines;
  aliases << alias_lines;
  if (!users.flush() || !aliases.flush())
    throw std::system_error(errno, std::generic_category(), "cannot write mailusers.tab or aliases.tab");
}

}  // namespace mailflow::cli
