// mailflow bench NAME: the speed measurements behind PRODUCT.md's quality
// bars. Each benchmark times its work against a baseline measured in the
// same run (so numbers compare across machines) and never asserts a time.
// To add one, write its run function and add a row to `benchmarks`.
#include <sys/stat.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string_view>

#include "bench.hpp"
#include "cli/args.hpp"
#include "commands.hpp"
#include "core/text.hpp"
#include "cli/verify_bench_mailroot.hpp"
#include "verify/summary.hpp"
#include "verify/verify.hpp"

namespace mailflow::cli {

namespace {

struct benchmark {
  std::string_view name;
  int (*run)(int, char**);
  std::string_view summary;
};

int run_verify_bench(int argc, char** argv);

constexpr benchmark benchmarks[] = {
    {"verify", run_verify_bench, "parse, index and check a generated MailRoot (--accounts N)"},
    {"smtp", run_smtp_bench, "simple SMTP sessions through smtp_session in memory (--sessions N)"},
    {"replay", run_replay_bench, "scenarios per second for a suite, sessions per second for a simple scenario"},
};

void print_usage(std::ostream& out) {
  out << "usage: mailflow bench BENCHMARK [options]\n\nbenchmarks:\n";
  for (auto& b : benchmarks) {
    std::string name(b.name);
    name.resize(10, ' ');
    out << "  " << name << b.summary << "\n";
  }
  out << "\n'mailflow bench BENCHMARK --help' describes its options.\n";
}


void row(std::string phase, double wall, double cpu, std::string baseline = {}, double base_wall = 0) {
  phase.resize(18, ' ');
  std::cout << phase << std::setw(10) << seconds(wall) << std::setw(11) << seconds(cpu);
  if (!baseline.empty()) {
    baseline.resize(20, ' ');
    std::cout << "   " << baseline << std::setw(10) << seconds(base_wall) << std::setw(9) << ratio(wall, base_wall);
  }
  std::cout << "\n";
}

// Baseline for parsing: read the two big tables and split them into lines.
std::size_t read_and_split(const std::filesystem::path& root) {
  std::size_t lines = 0;
  for (auto name : {"mailusers.tab", "aliases.tab"}) {
    std::ifstream in(root / name, std::ios::binary);
    std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (const char* p = content.data(); (p = static_cast<const char*>(
                                                std::memchr(p, '\n', content.data() + content.size() - p)));
         ++p)
      ++lines;
  }
  return lines;
}

// Baseline for the folder checks: one stat() of each account folder.
std::size_t stat_account_folders(const std::filesystem::path& root, const bench_mailroot_options& o) {
  std::size_t folders = 0;
  const std::string base = root.string() + "/";
  struct stat st;
  for (std::size_t i = 0; i < o.accounts; ++i)
    folders += ::stat((base + bench_account_folder(i, o)).c_str(), &st) == 0 && S_ISDIR(st.st_mode);
  return folders;
}

int run_verify_bench(int argc, char** argv) {
  arg_parser p("bench verify", "[options]",
               "Generates a MailRoot with N accounts and N aliases (and their folders) in a temporary\n"
               "folder, then times `verify` on it: parsing and indexing the tables, the table checks,\n"
               "and the folder checks, each against a baseline measured in the same run.\n"
               "PRODUCT.md's bar: 1,000,000 accounts and aliases verified in under 2 s.\n"
               "Tip: --dir /dev/shm keeps a million folders in memory instead of on disk.");
  p.option({"accounts", "", true, false, "N", "accounts, and as many aliases (default 100000)"});
  p.option({"domains", "", true, false, "N", "domains the accounts are spread over (default 100)"});
  p.option({"layout", "", true, false, "LAYOUT", "mailbox (default: 2 folders per account) or maildir (5)"});
  p.option({"dir", "", true, false, "PATH", "where to make the temporary MailRoot (default: the temp folder)"});
  p.option({"keep", "", false, false, "", "keep the generated MailRoot"});
  bool help = false;
  auto args = p.parse(argc, argv, help);
  if (!args) return 2;
  if (help) return 0;
  if (!args->positional().empty()) return p.usage_error("unexpected argument '" + args->positional()[0] + "'");

  bench_mailroot_options o;
  auto number = [&](const char* name, std::size_t& out) {
    auto v = args->get(name);
    if (!v) return true;
    auto n = parse_int(*v);
    if (!n || *n < 1 || *n > 100000000) return false;
    out = static_cast<std::size_t>(*n);
    return true;
  };
  if (!number("accounts", o.accounts)) return p.usage_error("--accounts needs a number from 1 to 100000000");
  if (!number("domains", o.domains)) return p.usage_error("--domains needs a number from 1 to 100000000");
  auto layout = args->get("layout").value_or("mailbox");
  if (layout != "mailbox" && layout != "maildir") return p.usage_error("--layout is mailbox or maildir");
  o.maildir = layout == "maildir";

  std::error_code ec;
  std::filesystem::path parent = args->get("dir").value_or(std::filesystem::temp_directory_path(ec).string());
  std::string tmpl = (parent / "mailflow-bench-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) {
    std::cerr << "mailflow bench verify: cannot make a folder in " << parent << ": " << std::strerror(errno) << "\n";
    return 2;
  }
  const std::filesystem::path root = tmpl;
  struct cleanup {
    std::filesystem::path root;
    bool keep;
    ~cleanup() {
      if (keep) return;
      std::error_code ignored;
      std::filesystem::remove_all(root, ignored);
    }
  } remove_later{root, args->has("keep")};

  std::cout << "mailflow bench verify: " << o.accounts << " accounts, " << o.accounts << " aliases, " << o.domains
            << " domains, " << layout << " layout\n";
  try {
    stopwatch gen;
    write_bench_mailroot(root, o);
    std::cout << "MailRoot " << root.string() << " generated in " << seconds(gen.wall()) << "\n\n";
  } catch (const std::exception& e) {
    std::cerr << "mailflow bench verify: " << e.what() << "\n";
    return 2;
  }

  std::cout << "phase                   wall        cpu   baseline                  wall    ratio\n";
  stopwatch base_parse;
  read_and_split(root);
  double base_parse_wall = base_parse.wall();

  verify::verifier v(root);
  stopwatch load;
  v.load();
  double load_wall = load.wall(), load_cpu = load.cpu();
  row("parse+index", load_wall, load_cpu, "read+split lines", base_parse_wall);

  stopwatch tables;
  v.check_tables();
  double tables_wall = tables.wall(), tables_cpu = tables.cpu();
  row("table checks", tables_wall, tables_cpu);

  stopwatch base_stat;
  stat_account_folders(root, o);
  double base_stat_wall = base_stat.wall();
  stopwatch tree;
  v.check_tree();
  double tree_wall = tree.wall(), tree_cpu = tree.cpu();
  row("folder checks", tree_wall, tree_cpu, "stat each folder", base_stat_wall);
  auto report = v.finish();
  row("verify total", load_wall + tables_wall + tree_wall, load_cpu + tables_cpu + tree_cpu);

  std::cout << "\nparse+index+table checks: " << seconds(load_wall + tables_wall)
            << " (PRODUCT.md: under 2 s for 1,000,000 accounts and aliases)\n";
  auto c = verify::count(report.diags);
  std::cout << "diagnostics: " << verify::summary_line(c) << "\n";
  if (c.errors == 0 && c.warnings == 0) return 0;
  // The generated MailRoot is meant to be clean: show what is wrong with it.
  std::size_t shown = 0;
  for (auto& d : report.diags.items())
    if (shown++ < 10) std::cout << "  " << format_diagnostic(d) << "\n";
  return 1;
}

}  // namespace

int run_bench(int argc, char** argv) {
  if (argc < 1) {
    print_usage(std::cerr);
    return 2;
  }
  std::string_view name = argv[0];
  if (name == "--help" || name == "-h") {
    print_usage(std::cout);
    return 0;
  }
  for (auto& b : benchmarks)
    if (b.name == name) return b.run(argc - 1, argv + 1);
  std::cerr << "mailflow bench: unknown benchmark '" << name << "'\n";
  print_usage(std::cerr);
  return 2;
}

}  // namespace mailflow::cli
