// mailflow bench replay: the harness's speed (PRODUCT.md: a simple session
// at 50,000 per second per core, a 1,000-scenario suite under 2 s), each
// measured against a baseline in the same run:
//  - sessions/s of one scenario holding many simple sessions, against the
//    same bytes driven straight through smtp_session (the harness's overhead);
//  - scenarios/s of a suite (a generated one of simple scenarios, and any
//    PATH given), against copying each scenario's fixture MailRoot (the floor
//    of running every scenario in a private copy).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>

#include "bench.hpp"
#include "cli/args.hpp"
#include "config/mailroot.hpp"
#include "core/text.hpp"
#include "replay/mailroot_copy.hpp"
#include "replay/suite.hpp"
#include "smtp/smtp_session.hpp"

namespace mailflow::cli {

namespace {

namespace fs = std::filesystem;


// One simple session as scenario steps, with the expectations a suite would have.
std::string session_xml() {
  return "  <session>\n"
         "    <greeting code=\"220\"/>\n"
         "    <send line=\"EHLO client.test\" code=\"250\"/>\n"
         "    <send line=\"MAIL FROM:&lt;love@soopoo.jp&gt;\" reply=\"250 OK\"/>\n"
         "    <send line=\"RCPT TO:&lt;cop@hunet.jp&gt;\" reply=\"250 OK\"/>\n"
         "    <send line=\"DATA\" code=\"354\"/>\n"
         "    <raw bytes=\"From: love@soopoo.jp\\r\\nTo: cop@hunet.jp\\r\\nSubject: bench\\r\\n\\r\\nHello.\\r\\n.\\r\\n\" "
         "match=\"250 OK &lt;S[0-9A-F]+&gt;\"/>\n"
         "    <send line=\"QUIT\" code=\"221\" closed=\"true\"/>\n"
         "  </session>\n";
}

void write_scenario(const fs::path& file, const fs::path& fixture, int sessions) {
  std::ofstream out(file, std::ios::binary);
  out << "<scenario xmlns=\"urn:mailflow:scenario:1\">\n  <mailroot fixture=\"" << fixture.string() << "\"/>\n";
  for (int i = 0; i < sessions; ++i) out << session_xml();
  out << "</scenario>\n";
}

// Copies each scenario's fixture once: the baseline of a suite.
double copy_fixtures(const std::vector<fs::path>& fixtures, const fs::path& scratch) {
  stopwatch w;
  int i = 0;
  for (auto& f : fixtures) {
    auto to = scratch / std::to_string(i++);
    std::error_code ec;
    fs::copy(f, to, fs::copy_options::recursive, ec);
    fs::remove_all(to, ec);
  }
  return w.wall();
}

void line(const std::string& what, double rate, const std::string& unit, double secs) {
  std::cout << "  " << std::left << std::setw(34) << what << std::right << std::setw(10) << std::fixed
            << std::setprecision(0) << rate << " " << unit << " (" << seconds(secs) << ")\n";
}

}  // namespace

int run_replay_bench(int argc, char** argv) {
  arg_parser p("bench replay", "[PATH...] [--sessions N] [--scenarios N] [-j N]",
               "Measures the replay harness against baselines in the same run: sessions per second of a\n"
               "simple scenario replayed N times (vs. the same bytes straight through smtp_session), and\n"
               "scenarios per second of a generated suite of N simple scenarios and of the scenarios under\n"
               "PATH (vs. copying each scenario's fixture MailRoot). Never asserts a time.");
  p.option({"sessions", "", true, false, "N", "times the simple scenario's session is replayed (default 20000)"})
      .option({"scenarios", "", true, false, "N", "scenarios in the generated suite (default 1000)"})
      .option({"jobs", "j", true, false, "N", "workers for the suites (default 1)"});
  bool help = false;
  auto args = p.parse(argc, argv, help);
  if (!args) return 2;
  if (help) return 0;
  auto sessions = parse_int(args->get("sessions").value_or("20000"));
  auto scenarios = parse_int(args->get("scenarios").value_or("1000"));
  auto jobs = parse_int(args->get("jobs").value_or("1"));
  if (!sessions || *sessions < 1 || *sessions > 10000000) return p.usage_error("--sessions: expected 1..10000000");
  if (!scenarios || *scenarios < 1 || *scenarios > 1000000) return p.usage_error("--scenarios: expected 1..1000000");
  if (!jobs || *jobs < 1 || *jobs > 256) return p.usage_error("-j: expected 1..256");

  harness::temp_folder tmp("mailflow-bench-replay");
  if (!tmp.ok()) {
    std::cerr << "mailflow bench replay: cannot create a temporary folder\n";
    return 2;
  }
  fs::path fixture = tmp.path() / "fixture";
  write_bench_mailroot(fixture);
  for (auto d : {"new", "cur", "tmp"}) fs::create_directories(fixture / "domains/soopoo.jp/love/Maildir" / d);

  // 1. the simple scenario's session replayed N times: parsed and copied once,
  //    then every run checks all its expectations and keeps its timeline
  //    until the next one (as a suite does before writing the report)
  fs::path simple = tmp.path() / "simple.xml";
  write_scenario(simple, fixture, 1);
  std::string err;
  auto sc = harness::load_scenario(simple, err);
  fs::path root = tmp.path() / "simple-root";
  fs::create_directories(root);
  auto tables = std::make_shared<config::memory_tables>();
  auto mailboxes = std::make_shared<delivery::mailbox_image>();
  if (!sc || !harness::prepare_mailroot(*sc, root, err, tables.get(), mailboxes.get())) {
    std::cerr << "mailflow bench replay: " << err << "\n";
    return 1;
  }
  harness::run_options in_process;
  std::size_t checks = 0;
  stopwatch w1;
  for (std::int64_t i = 0; i < *sessions; ++i) {
    reports::scenario_result r;
    r.path = "simple.xml";
    harness::replay_in_process(*sc, root, r, in_process, tables, mailboxes);
    if (!r.failures.empty() || !r.error.empty()) {
      std::cerr << "mailflow bench replay: the simple scenario did not pass: "
                << (r.failures.empty() ? r.error : r.failures[0].where + " " + r.failures[0].actual) << "\n";
      return 1;
    }
    checks += r.checks;
  }
  double harness_s = w1.cpu();
  fs::path copy = tmp.path() / "engine-root";
  fs::copy(fixture, copy, fs::copy_options::recursive);
  diagnostic_list diags;
  std::shared_ptr<const config::mailroot> engine_root = config::mailroot::load(copy, diags);
  double engine_s = run_engine_sessions(engine_root, copy, *sessions);
  double harness_rate = static_cast<double>(*sessions) / harness_s, engine_rate = static_cast<double>(*sessions) / engine_s;
  std::cout << "simple scenario: its session replayed " << *sessions << " times, " << checks / static_cast<std::size_t>(*sessions)
            << " checks each (one thread, CPU time)\n";
  line("harness (replay, checks)", harness_rate, "sessions/s", harness_s);
  line("baseline: smtp_session alone", engine_rate, "sessions/s", engine_s);
  std::cout << "  ratio harness/baseline:           " << ratio(harness_rate, engine_rate) << "\n";
  std::cout << "  product target 50000 sessions/s per core: " << (harness_rate >= 50000 ? "met" : "not met") << "\n";

  // 1b. one scenario holding the same session N times: the MailRoot is loaded
  //     once, so this is the per-session cost alone
  fs::path many = tmp.path() / "many.xml";
  int many_n = static_cast<int>(std::min<std::int64_t>(*sessions, 20000));
  write_scenario(many, fixture, many_n);
  stopwatch w2;
  auto many_result = harness::run_scenario(many, "many.xml", in_process);
  double many_s = w2.cpu();
  if (many_result.status != "passed") {
    std::cerr << "mailflow bench replay: the many-session scenario did not pass\n";
    return 1;
  }
  double many_rate = static_cast<double>(many_n) / many_s;
  std::cout << "one scenario with " << many_n << " such sessions (MailRoot loaded once; one thread, CPU time)\n";
  line("harness (replay, checks)", many_rate, "sessions/s", many_s);
  std::cout << "  ratio harness/baseline:           " << ratio(many_rate, engine_rate) << "\n";

  // 2. suites
  auto suite = [&](const std::string& title, const std::vector<std::string>& files) {
    std::vector<fs::path> fixtures;
    for (auto& f : files) {
      std::string err;
      if (auto sc = harness::load_scenario(f, err)) fixtures.push_back(sc->fixture_path);
    }
    harness::suite_options opt;
    opt.jobs = static_cast<int>(*jobs);
    stopwatch w;
    auto run = harness::run_suite(files, opt, nullptr);
    double secs = w.wall();
    std::size_t passed = 0;
    for (auto& s : run.scenarios) passed += s.status == "passed";
    fs::create_directories(tmp.path() / "scratch");
    double base = copy_fixtures(fixtures, tmp.path() / "scratch");
    double rate = static_cast<double>(files.size()) / secs, base_rate = static_cast<double>(fixtures.size()) / base;
    std::cout << title << ": " << files.size() << " scenarios (" << passed << " passed), -j" << *jobs
              << ", wall time\n";
    line("harness (replay)", rate, "scenarios/s", secs);
    line("baseline: copy each fixture", base_rate, "scenarios/s", base);
    std::cout << "  ratio harness/baseline:           " << ratio(rate, base_rate) << "\n";
    return secs;
  };
  fs::path gen = tmp.path() / "suite";
  fs::create_directories(gen);
  std::vector<std::string> files;
  for (std::int64_t i = 0; i < *scenarios; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "s%06lld.xml", static_cast<long long>(i));
    write_scenario(gen / name, fixture, 1);
    files.push_back((gen / name).string());
  }
  double gen_s = suite("generated suite", files);
  // 1,000 scenarios under 2 s is 500 scenarios per second.
  std::cout << "  product target: 1000 scenarios under 2 s (500/s): "
            << (static_cast<double>(*scenarios) / gen_s >= 500 ? "met" : "not met") << "\n";
  if (!args->positional().empty()) {
    std::vector<std::string> given;
    std::string err;
    if (!harness::collect_scenarios(args->positional(), given, err)) {
      std::cerr << "mailflow bench replay: " << err << "\n";
      return 2;
    }
    suite("suite " + args->positional()[0], given);
  }
  return 0;
}

}  // namespace mailflow::cli
