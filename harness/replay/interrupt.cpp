#include "replay/interrupt.hpp"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>

#include "flow/posix_process_runner.hpp"
#include "replay/mailroot_copy.hpp"

namespace mailflow::harness {

namespace {

// The stop signals this process is not told to ignore: a shell starts a
// background job with SIGINT ignored, and nohup ignores SIGHUP; both stay so.
sigset_t stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
    struct sigaction now {};
    if (sigaction(sig, nullptr, &now) == 0 && now.sa_handler == SIG_IGN) continue;
    sigaddset(&set, sig);
  }
  return set;
}

std::atomic<bool> stopping{false};

}  // namespace

bool interrupt_guard::interrupted() { return stopping.load(); }

void interrupt_guard::wait_if_interrupted() {
  // The watcher ends the process; nothing more may be written meanwhile.
  while (stopping.load()) std::this_thread::sleep_for(std::chrono::seconds(1));
}

interrupt_guard::interrupt_guard() {
  flow::become_subreaper();
  sigset_t set = stop_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread([set] {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) return;
    stopping = true;
    flow::kill_started_process_groups();
    flow::kill_adopted_orphans();
    // A worker whose filter was just killed may still write into its copy
    // for a moment (the rest of the step): remove, let it finish, remove again.
    remove_live_temp_folders(false);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    remove_live_temp_folders(true);
    std::fprintf(stderr, "\nmailflow: interrupted (signal %d): filters stopped, temporary folders removed\n", sig);
    std::fflush(stderr);
    _exit(128 + sig);
  }).detach();
}

interrupt_guard::~interrupt_guard() {
  wait_if_interrupted();
  flow::kill_adopted_orphans();
}

}  // namespace mailflow::harness
