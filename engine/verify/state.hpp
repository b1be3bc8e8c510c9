// What the verify phases share (internal to engine/verify).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/mailroot.hpp"
#include "verify.hpp"

namespace mailflow::verify {

struct verifier::state {
  std::filesystem::path root;
  std::string root_text;                   // the MailRoot's absolute path, what {root} stands for
  std::unique_ptr<config::mailroot> mr;
  diagnostic_list diags;
  std::vector<std::string> files;          // files read (MailRoot-relative); sorted in finish()

  void read(const config::tab_file* f) {
    if (f) files.push_back(f->path());
  }
  // A diagnostic about field `field` of a table line.
  void at(severity level, const config::source& src, std::size_t field, std::string code, std::string message);
  // A diagnostic about a whole file or folder.
  void about(severity level, std::string path, std::string code, std::string message);
};

using state = verifier::state;

void run_table_checks(state& s);
void run_tree_checks(state& s);

// Variables of a user.tab or userdef.tab: unknown names, bad values, names set twice.
void check_user_variables(state& s, const config::variable_table& vars);

// A program a table line runs (field `field` of its record): it must exist and
// be executable. Paths holding a macro ($(NAME), @@NAME) are left alone;
// `{root}` stands for the MailRoot; a bare name is looked up in PATH and a
// relative path is taken from the MailRoot. `consequence` says what happens
// when it cannot run.
void check_program(state& s, const config::source& src, std::size_t field, std::string_view program,
                   std::string_view consequence);

std::string address_of(std::string_view user, std::string_view domain);

}  // namespace mailflow::verify
