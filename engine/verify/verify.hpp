// `mailflow verify`: parse every file of a MailRoot and check it
// (PRODUCT.md, "Verification"; engine/verify/README.md lists every check).
//
// Theory of operation. A verifier runs in three phases, which the benchmark
// times separately:
//
//   load()          mailroot::load: every root table parsed and indexed;
//   check_tables()  checks that need only those tables: duplicates,
//                   aliases and their targets, domain aliases, passwords,
//                   relay and CTRL exposure, server.tab variables;
//   check_tree()    checks that walk the folders: standard files and
//                   folders, account folders and mailboxes, every per-account
//                   and per-domain file, command aliases, custom domains,
//                   filter files, userauth files, and every external program.
//
// Rules: every problem is reported, never only the first; every diagnostic
// names a MailRoot-relative file (with line and column when it is about a
// line) and a code from codes.hpp; nothing depends on directory order or on
// where the MailRoot lives, so the same MailRoot gives the same report on
// every machine. `{root}` in a program path stands for the MailRoot itself
// (fixtures are copied before they run, see README.md).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/diagnostic.hpp"

namespace mailflow::verify {

struct report {
  diagnostic_list diags;            // sorted by file, line, column
  std::vector<std::string> files;   // every file read, MailRoot-relative, sorted
};

class verifier {
 public:
  explicit verifier(std::filesystem::path root);
  ~verifier();
  verifier(const verifier&) = delete;
  verifier& operator=(const verifier&) = delete;

  void load();
  void check_tables();
  void check_tree();
  // The sorted result; the verifier is spent afterwards.
  report finish();

  struct state;

 private:
  std::unique_ptr<state> state_;
};

// All three phases.
report verify_mailroot(const std::filesystem::path& root);

}  // namespace mailflow::verify
