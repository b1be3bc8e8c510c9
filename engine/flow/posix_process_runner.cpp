#include "flow/posix_process_runner.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <cerrno>
#include <chrono>
#include <climits>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

namespace mailflow::flow {
namespace {

using steady = std::chrono::steady_clock;

// The process groups started and not reaped yet: a fixed table of atomics,
// so a signal handler may read it. More concurrent filters than slots only
// means those few are not killed on an interrupt.
std::array<std::atomic<pid_t>, 4096> live_groups{};

void register_group(pid_t pid) {
  for (auto& slot : live_groups) {
    pid_t empty = 0;
    if (slot.compare_exchange_strong(empty, pid)) return;
  }
}

void unregister_group(pid_t pid) {
  for (auto& slot : live_groups) {
    pid_t mine = pid;
    if (slot.compare_exchange_strong(mine, 0)) return;
  }
}

bool is_registered(pid_t pid) {
  for (auto& slot : live_groups)
    if (slot.load() == pid) return true;
  return false;
}

// What the child reports through the exec pipe when it cannot run the program.
enum class child_step : int { setup, chdir, exec };

struct child_report {
  child_step step;
  int error;
};

class unique_fd {
 public:
  explicit unique_fd(int fd = -1) : fd_(fd) {}
  ~unique_fd() { reset(); }
  unique_fd(const unique_fd&) = delete;
  unique_fd& operator=(const unique_fd&) = delete;
  int get() const { return fd_; }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_;
};

std::string errno_text(int err) { return std::generic_category().message(err); }

// Everything the child needs, prepared before fork(): after fork() in a
// threaded process the child may only make async-signal-safe calls.
struct child_plan {
  const char* program = nullptr;
  char* const* argv = nullptr;
  char* const* envp = nullptr;
  const char* directory = nullptr;  // null: keep the current one
  int dev_null = -1;
  int report_fd = -1;
  int max_fd = 0;                   // bound for the close() loop when close_range is missing
};

int sys_close_range(unsigned first, unsigned last) {
#ifdef SYS_close_range
  return static_cast<int>(::syscall(SYS_close_range, first, last, 0u));
#else
  (void)first;
  (void)last;
  errno = ENOSYS;
  return -1;
#endif
}

int sys_pidfd_open(pid_t pid) {
#ifdef SYS_pidfd_open
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0u));
#else
  (void)pid;
  errno = ENOSYS;
  return -1;
#endif
}

// Closes every descriptor from 3 up except `keep` (the exec report pipe, which
// is close-on-exec and so disappears at execve).
void close_inherited(int keep, int max_fd) {
  bool done = (keep == 3 || sys_close_range(3, static_cast<unsigned>(keep - 1)) == 0) &&
              sys_close_range(static_cast<unsigned>(keep + 1), UINT_MAX) == 0;
  if (done) return;
  for (int fd = 3; fd < max_fd; ++fd)
    if (fd != keep) ::close(fd);
}

[[noreturn]] void fail_child(int report_fd, child_step step, int err) {
  child_report r{step, err};
  ssize_t n;
  do {
    n = ::write(report_fd, &r, sizeof r);
  } while (n < 0 && errno == EINTR);
  ::_exit(127);
}

// The child side of fork(): async-signal-safe calls only.
[[noreturn]] void run_child(child_plan p) {
  // Keep the two descriptors we still need out of the 0..2 range we are about to overwrite.
  if (p.report_fd <= 2) {
    int fd = ::fcntl(p.report_fd, F_DUPFD_CLOEXEC, 3);
    if (fd < 0) ::_exit(127);
    p.report_fd = fd;
  }
  if (p.dev_null <= 2) {
    int fd = ::fcntl(p.dev_null, F_DUPFD_CLOEXEC, 3);
    if (fd < 0) fail_child(p.report_fd, child_step::setup, errno);
    p.dev_null = fd;
  }
  for (int target = 0; target <= 2; ++target)
    if (::dup2(p.dev_null, target) < 0) fail_child(p.report_fd, child_step::setup, errno);
  close_inherited(p.report_fd, p.max_fd);

  // The server may ignore SIGPIPE or block signals; a filter starts with the defaults.
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) ::sigaction(sig, &dfl, nullptr);
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);

  // Its own process group, so a timeout kills whatever the filter started too.
  ::setpgid(0, 0);
  if (p.directory && ::chdir(p.directory) != 0) fail_child(p.report_fd, child_step::chdir, errno);
  ::execve(p.program, p.argv, p.envp);
  fail_child(p.report_fd, child_step::exec, errno);
}

int open_fd_limit() {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) return 1 << 20;
  return static_cast<int>(std::min<rlim_t>(rl.rlim_cur, 1 << 20));
}

// Milliseconds left before `deadline` for poll(); -1 without a deadline.
int poll_wait_ms(const std::optional<steady::time_point>& deadline) {
  if (!deadline) return -1;
  auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - steady::now()).count();
  return static_cast<int>(std::clamp<long long>(left, 0, INT_MAX));
}

int wait_blocking(pid_t pid, int* status) {
  int r;
  do {
    r = ::waitpid(pid, status, 0);
  } while (r < 0 && errno == EINTR);
  return r;
}

// Waits until the child exits or the deadline passes. Returns true with
// `status` filled when it exited (and was reaped), false on timeout.
bool wait_until(pid_t pid, int pidfd, const std::optional<steady::time_point>& deadline, int* status,
                int* wait_error) {
  *wait_error = 0;
  if (pidfd >= 0) {
    for (;;) {
      pollfd pfd{pidfd, POLLIN, 0};
      int r = ::poll(&pfd, 1, poll_wait_ms(deadline));
      if (r < 0 && errno == EINTR) continue;
      if (r == 0) return false;
      break;  // readable (exited) or a poll error: waitpid tells which
    }
    if (wait_blocking(pid, status) < 0) *wait_error = errno;
    return true;
  }
  // No pidfd (Linux before 5.3): poll waitpid with a short, growing sleep.
  auto nap = std::chrono::milliseconds(1);
  for (;;) {
    int r = ::waitpid(pid, status, WNOHANG);
    if (r == pid) return true;
    if (r < 0 && errno != EINTR) {
      *wait_error = errno;
      return true;
    }
    if (deadline && steady::now() >= *deadline) return false;
    auto step = nap;
    if (deadline) step = std::min(step, std::chrono::ceil<std::chrono::milliseconds>(*deadline - steady::now()));
    std::this_thread::sleep_for(std::max(step, std::chrono::milliseconds(1)));
    nap = std::min(nap * 2, std::chrono::milliseconds(20));
  }
}

void fill_from_status(process_result& res, int status) {
  if (WIFEXITED(status)) {
    res.result = process_result::status::exited;
    res.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    res.result = process_result::status::signaled;
    res.signal = WTERMSIG(status);
  }
}

}  // namespace

bool become_subreaper() { return ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0; }

void kill_started_process_groups() {
  for (auto& slot : live_groups)
    if (pid_t pid = slot.load(); pid > 0) ::kill(-pid, SIGKILL);
}

std::size_t kill_adopted_orphans() {
  const pid_t self = ::getpid();
  std::size_t killed = 0;
  std::error_code ec;
  for (auto& e : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = e.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(e.path() / "stat");
    std::string line;
    if (!std::getline(stat, line)) continue;
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses
    auto close = line.rfind(')');
    if (close == std::string::npos) continue;
    char state = 0;
    long ppid = 0;
    if (std::sscanf(line.c_str() + close + 1, " %c %ld", &state, &ppid) != 2 || ppid != self) continue;
    const pid_t pid = static_cast<pid_t>(std::stol(name));
    if (is_registered(pid)) continue;  // a runner is waiting for it
    ::kill(pid, SIGKILL);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    ++killed;
  }
  return killed;
}

process_result posix_process_runner::run(const process_request& request) {
  const auto start = steady::now();
  process_result res;
  auto finish = [&]() -> process_result {
    res.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - start).count();
    return res;
  };
  auto fail = [&](std::string what, int err) {
    res.result = process_result::status::failed_to_start;
    res.error = std::move(what) + ": " + errno_text(err);
    return finish();
  };
  if (request.argv.empty() || request.argv[0].empty()) {
    res.error = "no program given";
    return finish();
  }

  // argv/envp as C arrays, built before fork() (the child must not allocate).
  std::vector<std::string> argv_store(request.argv), env_store(request.environment);
  std::vector<char*> argv, envp;
  for (auto& a : argv_store) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : env_store) envp.push_back(e.data());
  envp.push_back(nullptr);

  unique_fd dev_null(::open("/dev/null", O_RDWR | O_CLOEXEC));
  if (dev_null.get() < 0) return fail("open /dev/null", errno);
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return fail("pipe", errno);
  unique_fd report_read(pipe_fds[0]), report_write(pipe_fds[1]);

  child_plan plan;
  plan.program = argv_store[0].c_str();
  plan.argv = argv.data();
  plan.envp = envp.data();
  plan.directory = request.working_directory.empty() ? nullptr : request.working_directory.c_str();
  plan.dev_null = dev_null.get();
  plan.report_fd = report_write.get();
  plan.max_fd = open_fd_limit();

  const pid_t pid = ::fork();
  if (pid < 0) return fail("fork", errno);
  if (pid == 0) run_child(plan);

  // Also set here so the group exists whichever side runs first (fails
  // harmlessly once the child has exec'd).
  ::setpgid(pid, pid);
  register_group(pid);
  // Whatever the program left in its group ends with it.
  struct group_guard {
    pid_t pid;
    ~group_guard() {
      ::kill(-pid, SIGKILL);
      unregister_group(pid);
    }
  } guard{pid};
  report_write.reset();
  dev_null.reset();
  unique_fd pidfd(sys_pidfd_open(pid));

  std::optional<steady::time_point> deadline;
  if (request.timeout_seconds > 0) deadline = start + std::chrono::seconds(request.timeout_seconds);

  // Kills the whole group (the leader is not reaped yet, so its id cannot
  // have been reused), then reaps the leader.
  auto kill_and_reap = [&]() {
    ::kill(-pid, SIGKILL);
    ::kill(pid, SIGKILL);
    int status = 0;
    if (wait_blocking(pid, &status) < 0) return;
    // Exited on its own just as the time ran out: report what really happened.
    if (WIFEXITED(status) || (WIFSIGNALED(status) && WTERMSIG(status) != SIGKILL)) {
      fill_from_status(res, status);
      return;
    }
    res.result = process_result::status::timed_out;
  };

  // The report pipe closes at execve (close-on-exec) or carries the reason it failed.
  for (;;) {
    pollfd pfd{report_read.get(), POLLIN, 0};
    int r = ::poll(&pfd, 1, poll_wait_ms(deadline));
    if (r < 0 && errno == EINTR) continue;
    if (r == 0) {
      kill_and_reap();
      return finish();
    }
    break;
  }
  child_report report{};
  ssize_t got;
  do {
    got = ::read(report_read.get(), &report, sizeof report);
  } while (got < 0 && errno == EINTR);
  if (got == static_cast<ssize_t>(sizeof report)) {
    int status = 0;
    wait_blocking(pid, &status);
    switch (report.step) {
      case child_step::setup: return fail("child setup", report.error);
      case child_step::chdir: return fail("chdir " + request.working_directory, report.error);
      case child_step::exec: return fail("exec " + request.argv[0], report.error);
    }
    return fail("exec " + request.argv[0], report.error);
  }

  int status = 0, wait_error = 0;
  if (!wait_until(pid, pidfd.get(), deadline, &status, &wait_error)) {
    kill_and_reap();
    return finish();
  }
  if (wait_error != 0) {
    // Only when someone else reaps our child (SIGCHLD set to SIG_IGN, or a
    // waitpid(-1) elsewhere): the program ran but its status is lost.
    res.result = process_result::status::failed_to_start;
    res.error = "waitpid: " + errno_text(wait_error);
    return finish();
  }
  fill_from_status(res, status);
  return finish();
}

}  // namespace mailflow::flow
