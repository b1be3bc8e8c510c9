// mailflow verify MAILROOT: parse and lint a MailRoot (PRODUCT.md, "Verification";
// engine/verify/README.md). Exit 0 clean (warnings allowed unless --strict),
// 1 when problems are found, 2 on usage errors or an unreadable MailRoot.
#include <dirent.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>

#include "cli/args.hpp"
#include "commands.hpp"
#include "verify/codes.hpp"
#include "verify/suggest.hpp"
#include "verify/summary.hpp"
#include "verify/verify.hpp"
#include "verify_output.hpp"

namespace mailflow::cli {

namespace {

arg_parser verify_parser() {
  arg_parser p("verify", "MAILROOT [options]",
               "Parse every file of a MailRoot and report each problem as\n"
               "file:line:column: error|warning: message [code], files relative to MAILROOT.\n"
               "Exit status: 0 no errors (warnings allowed unless --strict), 1 problems found,\n"
               "2 usage error or unreadable MAILROOT.");
  p.option({"format", "", true, false, "FORMAT", "text (default), xml, junit or sarif"});
  p.option({"output", "o", true, false, "FILE", "write the report to FILE instead of standard output"});
  p.option({"ignore", "", true, true, "CODE", "leave out diagnostics with this code"});
  p.option({"strict", "", false, false, "", "warnings fail too (exit 1)"});
  p.option({"list-codes", "", false, false, "", "list every diagnostic code with its severity and meaning"});
  return p;
}

void list_codes(std::ostream& out) {
  for (auto& c : verify::diagnostic_codes()) {
    std::string code(c.code), level = severity_name(c.level);
    code.resize(28, ' ');
    level.resize(9, ' ');
    out << code << level << c.summary << "\n";
  }
}

}  // namespace

int run_verify(int argc, char** argv) {
  auto parser = verify_parser();
  bool help = false;
  auto args = parser.parse(argc, argv, help);
  if (!args) return 2;
  if (help) return 0;
  if (args->has("list-codes")) {
    list_codes(std::cout);
    return 0;
  }
  if (args->positional().size() != 1) return parser.usage_error("expected one MAILROOT");

  auto format = verify::parse_output_format(args->get("format").value_or("text"));
  if (!format) return parser.usage_error("unknown format '" + *args->get("format") + "' (text, xml, junit, sarif)");

  std::set<std::string, std::less<>> ignored;
  std::vector<std::string_view> known;
  for (auto& c : verify::diagnostic_codes()) known.push_back(c.code);
  for (auto& code : args->all("ignore")) {
    if (!verify::find_code(code))
      return parser.usage_error("unknown diagnostic code '" + code + "'" + verify::did_you_mean(code, known) +
                                "; 'mailflow verify --list-codes' lists them");
    ignored.insert(code);
  }

  const std::string mailroot = args->positional()[0];
  DIR* dir = ::opendir(mailroot.c_str());
  if (!dir) {
    std::cerr << "mailflow verify: cannot read MailRoot '" << mailroot << "': " << std::strerror(errno) << "\n";
    return 2;
  }
  ::closedir(dir);

  auto report = verify::verify_mailroot(mailroot);
  verify::drop_codes(report, ignored);
  verify::output_options options{mailroot, args->has("strict")};

  if (auto path = args->get("output")) {
    std::ofstream out(*path, std::ios::binary);
    if (out) verify::write_report(out, report, *format, options);
    if (!out || !out.flush()) {
      std::cerr << "mailflow verify: cannot write '" << *path << "': " << std::strerror(errno) << "\n";
      return 2;
    }
  } else {
    verify::write_report(std::cout, report, *format, options);
  }

  auto c = verify::count(report.diags);
  if (c.errors > 0 || (options.strict && c.warnings > 0)) return 1;
  return 0;
}

}  // namespace mailflow::cli
