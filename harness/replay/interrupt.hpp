// An interrupted replay cleans up (issue 10.5): SIGINT, SIGTERM and SIGHUP
// are blocked in every thread and taken by one watcher thread, which kills
// the filters' process groups and the orphans re-parented to us, removes the
// private MailRoot copies still alive, and exits with 128 + the signal.
// Without it a ^C left filter groups running and temp folders behind.
#pragma once

namespace mailflow::harness {

class interrupt_guard {
 public:
  // Construct before any other thread starts: threads inherit the signal mask.
  interrupt_guard();
  // The run ended: orphans a filter left (setsid children) are killed now.
  ~interrupt_guard();
  // Once a stop signal came: the run's results are not to be reported, and
  // wait_if_interrupted() blocks until the watcher has cleaned up and exited.
  static bool interrupted();
  static void wait_if_interrupted();
  interrupt_guard(const interrupt_guard&) = delete;
  interrupt_guard& operator=(const interrupt_guard&) = delete;
};

}  // namespace mailflow::harness
