// One report with every severity, a folder name that needs escaping and a
// message with control bytes and invalid UTF-8; shared by the summary tests
// here and the writer tests in reports/tests.
#pragma once

#include <string>

#include "verify/verify.hpp"

namespace mailflow::verify {

inline report sample_report() {
  report r;
  r.files = {"aliases.tab", "mailusers.tab", "server.tab"};
  r.diags.error("aliases.tab", 3, 24, "alias-target-missing", "alias gone@x.test points to bob@x.test, which is no account");
  r.diags.warning("mailusers.tab", 7, 23, "weak-password", "the password of account weak@x.test is a well-known password");
  r.diags.warning("my folder/odd&name.tab", 0, 0, "missing-standard-folder", "standard folder is missing");
  r.diags.note("smtpfwd.tab", 0, 0, "missing-standard-file", "standard MailRoot file is missing");
  r.diags.error("spam-address.tab", 1, 2, "bad-value", std::string("bad \x01 byte \xff and <xml> & \"quotes\""));
  r.diags.sort();
  return r;
}

}  // namespace mailflow::verify
