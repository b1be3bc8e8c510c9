// mailflow: one executable, one subcommand per job (PRODUCT.md, "The command line").
#include <cstring>
#include <malloc.h>

#include <iostream>
#include <string_view>

#include "commands.hpp"

namespace {

struct subcommand {
  std::string_view name;
  int (*run)(int, char**);
  std::string_view summary;
};

constexpr subcommand subcommands[] = {
    {"verify", mailflow::cli::run_verify, "parse and lint a MailRoot"},
    {"trace", mailflow::cli::run_trace, "run one message through the stages and show each decision"},
    {"replay", mailflow::cli::run_replay, "replay scenarios and write reports"},
    {"import", mailflow::cli::run_import, "turn a recorded session into a scenario"},
    {"serve", mailflow::cli::run_serve, "run the engine as a real server (not implemented yet)"},
    {"bench", mailflow::cli::run_bench, "measure speed against a baseline in the same run"},
};

void print_usage(std::ostream& out) {
  out << "usage: mailflow COMMAND [ARGS...]\n\ncommands:\n";
  for (auto& c : subcommands) {
    std::string name(c.name);
    name.resize(10, ' ');
    out << "  " << name << c.summary << "\n";
  }
  out << "\n'mailflow COMMAND --help' describes a command.\n";
}

}  // namespace

int main(int argc, char** argv) {
  // Replays keep every session's timeline until the report is written: let
  // the heap grow in large steps instead of a system call and fresh pages per
  // few kilobytes (a third of a replay's time on a VM, by perf).
  ::mallopt(M_TOP_PAD, 64 << 20);
  ::mallopt(M_TRIM_THRESHOLD, 256 << 20);
  if (argc < 2) {
    print_usage(std::cerr);
    return 2;
  }
  std::string_view cmd = argv[1];
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    print_usage(std::cout);
    return 0;
  }
  if (cmd == "--version") {
    std::cout << "mailflow 0.1\n";
    return 0;
  }
  for (auto& c : subcommands)
    if (c.name == cmd) return c.run(argc - 2, argv + 2);
  std::cerr << "mailflow: unknown command '" << cmd << "'\n";
  print_usage(std::cerr);
  return 2;
}
