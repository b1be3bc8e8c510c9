// Small MailRoots for the verify tests: a clean one (every standard file and
// folder, one account with a Maildir) that each test breaks in one place.
#pragma once

#include <sys/stat.h>

#include <algorithm>
#include <string>
#include <vector>

#include "config/tests/temp_dir.hpp"
#include "core/diagnostic.hpp"
#include "verify/verify.hpp"

namespace mailflow::testing {

class mailroot_builder : public temp_dir {
 public:
  mailroot_builder() {
    write("server.tab", "\"RootDomain\"\t\"example.test\"\n\"PostMaster\"\t\"postmaster@example.test\"\n");
    write("domains.tab", "\"example.test\"\n");
    // ann's password is "An0ther-Secret"
    write("mailusers.tab", "\"example.test\"\t\"ann\"\t\"240b55110d001748360006170011\"\t1\t\"ann\"\t\"U\"\n");
    write("ctrl.ipmap.tab", "\"0.0.0.0\"\t\"0.0.0.0\"\t\"DENY\"\t1\n\"127.0.0.0\"\t\"255.0.0.0\"\t\"ALLOW\"\t2\n");
    write("ctrlaccounts.tab", "\"ops\"\t\"240b55110d001748360006170011\"\n");
    for (auto name : {"smtp.ipmap.tab", "pop3.ipmap.tab", "finger.ipmap.tab"})
      write(name, "\"0.0.0.0\"\t\"0.0.0.0\"\t\"ALLOW\"\t1\n");
    for (auto name : {"aliases.tab", "aliasdomain.tab", "extaliases.tab", "pop3links.tab", "smtp.ipprop.tab",
                      "smtpauth.tab", "smtpextauth.tab", "smtpfwd.tab", "smtpgw.tab", "smtprelay.tab",
                      "spam-address.tab", "spammers.tab"})
      write(name, "");
    write("message.id", "1\n");
    write("dnsroots", "a.root-servers.net.\n");
    write("userdef.tab", "\"RealName\"\t\"??\"\n");
    for (auto folder : {"bin", "cmdaliases/example.test", "custdomains", "dnscache/mx", "dnscache/ns", "filters",
                        "logs", "msgsync", "pop3linklocks", "pop3links", "pop3locks", "spool", "tabindex",
                        "userauth/pop3", "userauth/smtp"})
      mkdir(folder);
    maildir("domains/example.test/ann");
  }

  void maildir(const std::string& folder) const {
    for (auto sub : {"tmp", "new", "cur"}) mkdir(folder + "/Maildir/" + sub);
  }
  void remove(const std::string& rel) const { std::filesystem::remove_all(path() / rel); }
  void chmod(const std::string& rel, unsigned mode) const { ::chmod((path() / rel).c_str(), mode); }
  // A file that runs: "#!/bin/sh" with the x bits.
  void program(const std::string& rel) const {
    write(rel, "#!/bin/sh\nexit 0\n");
    chmod(rel, 0755);
  }
  void append(const std::string& rel, const std::string& text) const {
    std::ofstream(path() / rel, std::ios::binary | std::ios::app) << text;
  }

  verify::report verify() const { return verify::verify_mailroot(path()); }
  // Every diagnostic as printed.
  std::vector<std::string> lines() const {
    std::vector<std::string> out;
    auto report = verify();
    for (auto& d : report.diags.items()) out.push_back(format_diagnostic(d));
    return out;
  }
  // The codes of the diagnostics, in output order.
  std::vector<std::string> codes() const {
    std::vector<std::string> out;
    auto report = verify();
    for (auto& d : report.diags.items()) out.push_back(d.code);
    return out;
  }
};

}  // namespace mailflow::testing
