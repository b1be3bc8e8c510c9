#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <filesystem>
#include <regex>
#include <set>
#include <thread>

#include "flow/posix_process_runner.hpp"
#include "scripts.hpp"

using namespace mailflow;
using namespace mailflow::flow;
using mailflow::testing::read_lines;
using mailflow::testing::read_text;
using mailflow::testing::temp_dir;
using mailflow::testing::write_script;
using status = process_result::status;

namespace {

process_result run(std::vector<std::string> argv, int timeout = 0, std::string cwd = {},
                   std::vector<std::string> env = {"PATH=/usr/bin:/bin"}) {
  posix_process_runner runner;
  process_request r;
  r.argv = std::move(argv);
  r.timeout_seconds = timeout;
  r.working_directory = std::move(cwd);
  r.environment = std::move(env);
  return runner.run(r);
}

std::int64_t ms_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t).count();
}

// Restores a signal's disposition when the test ends.
struct saved_signal {
  int sig;
  struct sigaction old {};
  saved_signal(int s, void (*handler)(int)) : sig(s) {
    struct sigaction sa {};
    sa.sa_handler = handler;
    ::sigaction(sig, &sa, &old);
  }
  ~saved_signal() { ::sigaction(sig, &old, nullptr); }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(posix_process_runner_tests)

BOOST_AUTO_TEST_CASE(exit_codes_are_reported) {
  temp_dir d;
  auto script = write_script(d.path(), "rc.sh", "exit \"$1\"\n");
  for (int rc : {0, 3, 7, 19, 255}) {
    auto r = run({script, std::to_string(rc)});
    BOOST_TEST((r.result == status::exited));
    BOOST_TEST(r.exit_code == rc);
    BOOST_TEST(r.error.empty());
  }
}

BOOST_AUTO_TEST_CASE(arguments_reach_the_program_without_a_shell) {
  temp_dir d;
  auto out = d.path() / "args.txt";
  auto script = write_script(d.path(), "args.sh", "o=$1; shift; for a in \"$@\"; do printf '%s\\n' \"$a\"; done > \"$o\"\n");
  auto r = run({script, out.string(), "a b", "$(echo hi)", "*", "; exit 3", "", "'q'"});
  BOOST_TEST((r.result == status::exited));
  BOOST_TEST(r.exit_code == 0);
  std::vector<std::string> expected{"a b", "$(echo hi)", "*", "; exit 3", "", "'q'"};
  BOOST_TEST(read_lines(out) == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(environment_is_exactly_the_given_one) {
  temp_dir d;
  auto out = d.path() / "env.txt";
  // /proc/$$/environ is what execve handed the shell, before it adds anything.
  auto script = write_script(d.path(), "env.sh", "tr '\\0' '\\n' < /proc/$$/environ > \"$1\"\n");
  ::setenv("MAILFLOW_LEAK_CHECK", "must-not-appear", 1);
  auto r = run({script, out.string()}, 0, {}, {"PATH=/usr/bin:/bin", "A=1", "B=two words", "EMPTY="});
  ::unsetenv("MAILFLOW_LEAK_CHECK");
  BOOST_TEST((r.result == status::exited));
  std::vector<std::string> expected{"PATH=/usr/bin:/bin", "A=1", "B=two words", "EMPTY="};
  BOOST_TEST(read_lines(out) == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(no_descriptor_is_inherited) {
  temp_dir d;
  BOOST_REQUIRE(std::filesystem::exists("/usr/bin/find"));
  // Descriptors a server would hold: a client socket, a pipe, an open file,
  // one far above the usual range; none of them close-on-exec.
  int sv[2], pp[2];
  BOOST_REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
  BOOST_REQUIRE(::pipe(pp) == 0);
  d.write("secret.txt", "x");
  int file_fd = ::open((d.path() / "secret.txt").c_str(), O_RDONLY);
  BOOST_REQUIRE(file_fd >= 0);
  int high_fd = ::dup2(sv[0], 700);
  BOOST_REQUIRE(high_fd == 700);

  // find lists its own descriptors with their targets; no shell in between.
  auto out = d.path() / "fds.txt";
  auto r = run({"/usr/bin/find", "/proc/self/fd", "-mindepth", "1", "-fprintf", out.string(), "%f %l\\n"}, 10,
               d.path().string());
  for (int fd : {sv[0], sv[1], pp[0], pp[1], file_fd, high_fd}) ::close(fd);

  BOOST_TEST((r.result == status::exited));
  BOOST_TEST(r.exit_code == 0);
  auto lines = read_lines(out);
  BOOST_REQUIRE(lines.size() >= 3u);
  const std::regex own_listing(R"(^/proc/[0-9]+/fd$)");
  const auto cwd = std::filesystem::canonical(d.path()).string();
  std::set<int> seen;
  for (const auto& line : lines) {
    auto space = line.find(' ');
    BOOST_REQUIRE(space != std::string::npos);
    int fd = std::stoi(line.substr(0, space));
    std::string target = line.substr(space + 1);
    seen.insert(fd);
    BOOST_TEST_CONTEXT("fd " << fd << " -> " << target) {
      if (fd <= 2) {
        BOOST_TEST(target == "/dev/null");  // stdin, stdout and stderr
        continue;
      }
      // Anything else must be find's own: its output file, the listed folder, its working folder.
      bool own = target == out.string() || target == cwd || std::regex_match(target, own_listing);
      BOOST_TEST(own);
    }
  }
  BOOST_TEST(seen.count(0) == 1u);
  BOOST_TEST(seen.count(1) == 1u);
  BOOST_TEST(seen.count(2) == 1u);
  BOOST_TEST(seen.count(700) == 0u);
}

BOOST_AUTO_TEST_CASE(working_directory_is_applied) {
  temp_dir d;
  d.mkdir("work");
  auto out = d.path() / "pwd.txt";
  auto script = write_script(d.path(), "pwd.sh", "/bin/pwd -P > \"$1\"\n");
  auto r = run({script, out.string()}, 0, (d.path() / "work").string());
  BOOST_TEST((r.result == status::exited));
  BOOST_TEST(read_text(out) == std::filesystem::canonical(d.path() / "work").string() + "\n");
}

BOOST_AUTO_TEST_CASE(timeout_kills_and_returns_promptly) {
  temp_dir d;
  auto script = write_script(d.path(), "slow.sh", "sleep 10\nexit 3\n");
  auto t0 = std::chrono::steady_clock::now();
  auto r = run({script}, 1);
  auto elapsed = ms_since(t0);
  BOOST_TEST((r.result == status::timed_out));
  BOOST_TEST(elapsed >= 950);
  BOOST_TEST(elapsed < 2500);
  BOOST_TEST(r.duration_ms >= 950);
  BOOST_TEST(r.duration_ms < 2500);
}

BOOST_AUTO_TEST_CASE(timeout_kills_background_grandchildren_too) {
  temp_dir d;
  auto pid_file = d.path() / "grandchild.pid";
  auto script = write_script(d.path(), "bg.sh", "sleep 30 &\necho $! > \"$1\"\nsleep 10\n");
  auto t0 = std::chrono::steady_clock::now();
  auto r = run({script, pid_file.string()}, 1);
  BOOST_TEST((r.result == status::timed_out));
  BOOST_TEST(ms_since(t0) < 2500);
  auto text = read_text(pid_file);
  BOOST_REQUIRE(!text.empty());
  pid_t grandchild = std::stoi(text);
  BOOST_TEST(mailflow::testing::process_ended(grandchild, std::chrono::milliseconds(2000)));
}

BOOST_AUTO_TEST_CASE(quick_exit_under_a_timeout_is_an_exit) {
  temp_dir d;
  auto script = write_script(d.path(), "quick.sh", "exit 5\n");
  auto t0 = std::chrono::steady_clock::now();
  auto r = run({script}, 30);
  BOOST_TEST((r.result == status::exited));
  BOOST_TEST(r.exit_code == 5);
  BOOST_TEST(ms_since(t0) < 1000);  // no waiting for the timeout
}

BOOST_AUTO_TEST_CASE(missing_program_fails_to_start) {
  temp_dir d;
  auto missing = (d.path() / "no-such-filter").string();
  auto r = run({missing, "x"});
  BOOST_TEST((r.result == status::failed_to_start));
  BOOST_TEST(r.exit_code == -1);  // not the 127 of a shell
  BOOST_TEST(r.error == "exec " + missing + ": No such file or directory");
}

BOOST_AUTO_TEST_CASE(non_executable_file_fails_to_start) {
  temp_dir d;
  d.write("plain.sh", "#!/bin/sh\nexit 0\n");
  auto plain = (d.path() / "plain.sh").string();
  ::chmod(plain.c_str(), 0644);
  auto r = run({plain});
  BOOST_TEST((r.result == status::failed_to_start));
  BOOST_TEST(r.error == "exec " + plain + ": Permission denied");

  auto dir = run({d.path().string()});
  BOOST_TEST((dir.result == status::failed_to_start));
  BOOST_TEST(dir.error == "exec " + d.path().string() + ": Permission denied");
}

BOOST_AUTO_TEST_CASE(bad_interpreter_and_bad_directory_fail_to_start) {
  temp_dir d;
  d.write("bad.sh", "#!/nonexistent/interpreter\nexit 0\n");
  auto bad = (d.path() / "bad.sh").string();
  ::chmod(bad.c_str(), 0755);
  auto r = run({bad});
  BOOST_TEST((r.result == status::failed_to_start));
  BOOST_TEST(r.error == "exec " + bad + ": No such file or directory");

  auto ok = write_script(d.path(), "ok.sh", "exit 0\n");
  auto missing_dir = (d.path() / "gone").string();
  auto c = run({ok}, 0, missing_dir);
  BOOST_TEST((c.result == status::failed_to_start));
  BOOST_TEST(c.error == "chdir " + missing_dir + ": No such file or directory");

  auto empty = run({});
  BOOST_TEST((empty.result == status::failed_to_start));
  BOOST_TEST(empty.error == "no program given");
}

BOOST_AUTO_TEST_CASE(death_by_signal_is_reported) {
  temp_dir d;
  auto script = write_script(d.path(), "term.sh", "kill -TERM $$\nsleep 5\n");
  auto r = run({script}, 10);
  BOOST_TEST((r.result == status::signaled));
  BOOST_TEST(r.signal == SIGTERM);
}

BOOST_AUTO_TEST_CASE(ignored_and_blocked_signals_are_not_inherited) {
  temp_dir d;
  // A server ignores SIGPIPE and may block signals in its threads; the filter
  // must still die of them as a fresh process would.
  saved_signal pipe_ignored(SIGPIPE, SIG_IGN);
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGTERM);
  ::pthread_sigmask(SIG_BLOCK, &block, &old);
  auto pipe_script = write_script(d.path(), "pipe.sh", "kill -PIPE $$\nexit 0\n");
  auto term_script = write_script(d.path(), "term.sh", "kill -TERM $$\nexit 0\n");
  auto p = run({pipe_script}, 10);
  auto t = run({term_script}, 10);
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  BOOST_TEST((p.result == status::signaled));
  BOOST_TEST(p.signal == SIGPIPE);
  BOOST_TEST((t.result == status::signaled));
  BOOST_TEST(t.signal == SIGTERM);
}

BOOST_AUTO_TEST_CASE(duration_uses_a_monotonic_measure) {
  temp_dir d;
  auto script = write_script(d.path(), "nap.sh", "sleep 0.3\n");
  auto r = run({script});
  BOOST_TEST((r.result == status::exited));
  BOOST_TEST(r.duration_ms >= 250);
  BOOST_TEST(r.duration_ms < 3000);
}

BOOST_AUTO_TEST_CASE(runs_from_several_threads_at_once) {
  temp_dir d;
  auto rc_script = write_script(d.path(), "rc.sh", "exit \"$1\"\n");
  auto slow_script = write_script(d.path(), "slow.sh", "sleep 2\nexit 9\n");
  posix_process_runner shared;  // one runner used by every thread

  // Boost.Test assertions are not thread-safe: threads record, the test checks after join().
  std::atomic<std::int64_t> slow_done_ms{0};
  process_result slow_result;
  const auto t0 = std::chrono::steady_clock::now();
  std::thread slow([&] {
    process_request r;
    r.argv = {slow_script};
    slow_result = shared.run(r);
    slow_done_ms = ms_since(t0);
  });

  constexpr int threads = 6, runs = 5;
  std::atomic<int> wrong{0};
  std::vector<std::thread> quick;
  for (int t = 0; t < threads; ++t) {
    quick.emplace_back([&, t] {
      for (int i = 0; i < runs; ++i) {
        process_request r;
        r.argv = {rc_script, std::to_string(t * 10 + i)};
        r.timeout_seconds = 30;
        auto res = shared.run(r);
        if (res.result != status::exited || res.exit_code != t * 10 + i) ++wrong;
      }
    });
  }
  for (auto& q : quick) q.join();
  const auto quick_done_ms = ms_since(t0);
  slow.join();
  BOOST_TEST((slow_result.result == status::exited));
  BOOST_TEST(slow_result.exit_code == 9);
  BOOST_TEST(wrong.load() == 0);
  // The slow child did not hold the others up: they all finished while it still slept.
  BOOST_TEST(quick_done_ms < slow_done_ms.load());
}

BOOST_AUTO_TEST_SUITE_END()
