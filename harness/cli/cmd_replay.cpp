// mailflow replay: runs scenarios (harness/README.md) in-process and
// deterministically, or their client side against real servers, and writes
// the XML, JUnit and HTML reports (reports/).
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include "args.hpp"
#include "commands.hpp"
#include "core/text.hpp"
#include "replay/interrupt.hpp"
#include "replay/suite.hpp"
#include "text_escape.hpp"
#include "writers.hpp"

namespace mailflow::cli {

namespace {

bool write_file(const std::string& path, const std::function<void(std::ostream&)>& write) {
  std::error_code ec;
  auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (out) write(out);
  if (!out) {
    std::cerr << "mailflow replay: cannot write " << path << "\n";
    return false;
  }
  return true;
}

// Terminal output quotes what servers and scenarios said: every such text goes
// through reports::terminal_text, so no byte of it can drive the terminal
// (ESC sequences, CR, bidi overrides) or flood it (a long text is cut).
constexpr std::size_t heading_bytes = 300;   // a failure's "what" (checks.cpp clips a step's sent text to 200)
constexpr std::size_t line_bytes = 400;      // one line of expected/actual
constexpr std::size_t max_lines = 20;        // lines of expected/actual shown

// '\n'-separated text, one terminal line each after the first, indented to `indent`.
void print_lines(std::ostream& out, std::string_view text, std::string_view indent) {
  auto lines = reports::split_lines(text);
  if (lines.empty()) lines.emplace_back();
  for (std::size_t i = 0; i < lines.size() && i < max_lines; ++i)
    out << (i ? "\n" + std::string(indent) : "") << reports::terminal_text(lines[i], line_bytes);
  if (lines.size() > max_lines) out << "\n" << indent << "... (" << lines.size() - max_lines << " lines more)";
  out << "\n";
}

bool split_host_port(const std::string& text, std::string& host, int& port) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  auto p = parse_int(std::string_view(text).substr(colon + 1));
  if (!p || *p <= 0 || *p > 65535) return false;
  host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  port = static_cast<int>(*p);
  return true;
}

}  // namespace

int run_replay(int argc, char** argv) {
  arg_parser p("replay", "PATH... [options]",
               "Runs scenario files and folders (recursively, *.xml) in-process and deterministically, or their\n"
               "client side against real servers (--target, --server). Prints 'N passed, N failed'.\n"
               "Exit 0 when all pass, 1 when any fails, 2 on usage errors or a scenario that does not parse.");
  p.option({"jobs", "j", true, false, "N", "parallel workers (default 1)"})
      .option({"shard", "", true, false, "I/N", "run only shard I of N (1-based, over the sorted paths)"})
      .option({"filter", "", true, false, "GLOB", "run only scenarios whose path matches GLOB"})
      .option({"list", "", false, false, "", "print the selected scenario paths and exit"})
      .option({"fail-fast", "", false, false, "", "stop starting scenarios after the first failure"})
      .option({"timeout", "", true, false, "SECONDS", "give up on a scenario after SECONDS"})
      .option({"update", "", false, false, "", "rewrite the failing reply expectations from what happened"})
      .option({"report", "", true, false, "FILE.xml", "write the full decision report (reports/report.xsd)"})
      .option({"junit", "", true, false, "FILE.xml", "write JUnit XML (one testcase per scenario)"})
      .option({"html", "", true, false, "FILE.html", "write a self-contained HTML report"})
      .option({"target", "", true, false, "HOST:PORT", "replay the client side against this running server"})
      .option({"server", "", true, false, "'CMD {root} {smtp} {pop3} {ctrl}'",
               "start this server per scenario on its MailRoot copy with free loopback ports"})
      .option({"timings", "", false, false, "", "put wall-clock durations in the reports (not deterministic)"})
      .option({"allow-fixtures", "", true, true, "DIR",
               "also take fixtures from DIR (by default only from the scenario's tree: the nearest folder above "
               "it holding .git or fixtures/)"});
  bool help = false;
  auto args = p.parse(argc, argv, help);
  if (!args) return 2;
  if (help) return 0;
  if (args->positional().empty()) return p.usage_error("expected at least one scenario file or folder");

  harness::suite_options opt;
  if (auto j = args->get("jobs")) {
    auto n = parse_int(*j);
    if (!n || *n < 1 || *n > 256) return p.usage_error("-j: expected a number from 1 to 256");
    opt.jobs = static_cast<int>(*n);
  }
  std::optional<std::pair<int, int>> shard;
  if (auto s = args->get("shard")) {
    auto slash = s->find('/');
    auto i = parse_int(std::string_view(*s).substr(0, slash == std::string::npos ? 0 : slash));
    auto n = slash == std::string::npos ? std::nullopt : parse_int(std::string_view(*s).substr(slash + 1));
    if (!i || !n || *n < 1 || *i < 1 || *i > *n) return p.usage_error("--shard: expected I/N with 1 <= I <= N");
    shard = std::pair{static_cast<int>(*i), static_cast<int>(*n)};
  }
  if (auto t = args->get("timeout")) {
    auto n = parse_int(*t);
    if (!n || *n < 1) return p.usage_error("--timeout: expected a number of seconds");
    opt.run.timeout_seconds = static_cast<int>(*n);
  }
  opt.fail_fast = args->has("fail-fast");
  opt.run.confine_fixtures = true;
  for (auto& d : args->all("allow-fixtures")) opt.run.allowed_fixture_roots.emplace_back(d);
  opt.run.timings = args->has("timings");
  if (args->has("target") && args->has("server")) return p.usage_error("--target and --server exclude each other");
  if (auto t = args->get("target")) {
    opt.run.how = harness::run_options::mode::target;
    if (!split_host_port(*t, opt.run.target_host, opt.run.target_port))
      return p.usage_error("--target: expected HOST:PORT");
  }
  if (auto s = args->get("server")) {
    if (s->find("{smtp}") == std::string::npos) return p.usage_error("--server: the command must contain {smtp}");
    opt.run.how = harness::run_options::mode::server;
    opt.run.server_command = *s;
  }

  std::vector<std::string> files;
  std::string error;
  if (!harness::collect_scenarios(args->positional(), files, error)) {
    std::cerr << "mailflow replay: " << error << "\n";
    return 2;
  }
  files = harness::select_scenarios(files, args->get("filter").value_or(""), shard);
  if (args->has("list")) {
    for (auto& f : files) std::cout << f << "\n";
    return 0;
  }

  const bool tty = ::isatty(STDERR_FILENO);
  harness::interrupt_guard interrupts;  // before run_suite starts its threads
  auto run = harness::run_suite(files, opt, [&](std::size_t done, std::size_t total, const reports::scenario_result& r) {
    if (r.status == "error" || r.status == "timeout") {
      if (tty) std::cerr << "\r\033[K";
      print_lines(std::cerr, r.error, "  ");
    } else if (r.status == "failed") {
      if (tty) std::cerr << "\r\033[K";
      std::cerr << "FAIL " << reports::terminal_text(r.path) << "\n";
      for (auto& f : r.failures) {
        std::cerr << "  " << reports::terminal_text(f.where, line_bytes) << ": "
                  << reports::terminal_text(f.what, heading_bytes) << "\n";
        std::cerr << "    expected: ";
        print_lines(std::cerr, f.expected, "              ");
        std::cerr << "    actual:   ";
        print_lines(std::cerr, f.actual, "              ");
      }
    }
    if (tty) std::cerr << "\r\033[K[" << done << "/" << total << "] " << reports::terminal_text(r.path) << std::flush;
  });
  if (tty) std::cerr << "\r\033[K" << std::flush;
  harness::interrupt_guard::wait_if_interrupted();  // no reports from a run cut short

  std::size_t passed = run.passed(), failed = run.failed(), broken = 0;
  for (auto& r : run.scenarios) broken += r.status == "error";
  bool ok = true;
  if (auto f = args->get("report")) ok = write_file(*f, [&](std::ostream& o) { reports::write_xml(run, o); }) && ok;
  if (auto f = args->get("junit")) ok = write_file(*f, [&](std::ostream& o) { reports::write_junit(run, o); }) && ok;
  if (auto f = args->get("html")) ok = write_file(*f, [&](std::ostream& o) { reports::write_html(run, o); }) && ok;

  if (args->has("update")) {
    int steps = 0, scenarios = 0;
    for (auto& r : run.scenarios) {
      std::string err;
      int n = harness::update_scenario(r, err);
      if (!err.empty()) std::cerr << "mailflow replay: --update: " << reports::terminal_text(err, line_bytes) << "\n";
      if (n > 0) {
        steps += n;
        ++scenarios;
        std::cout << "updated " << reports::terminal_text(r.path) << " (" << n << " step" << (n == 1 ? "" : "s") << ")\n";
      }
    }
    std::cout << "updated " << steps << " expectation(s) in " << scenarios << " scenario(s); review with git diff\n";
  }

  std::size_t not_run = files.size() - run.scenarios.size();
  std::cout << passed << " passed, " << failed << " failed";
  if (not_run) std::cout << ", " << not_run << " not run (--fail-fast)";
  std::cout << "\n";
  if (broken) return 2;
  if (!ok) return 2;
  return failed ? 1 : 0;
}

}  // namespace mailflow::cli
