// The real process_runner: fork/exec without a shell, stdin from /dev/null,
// stdout/stderr to /dev/null, every other descriptor closed (a filter never
// inherits a client socket), the child in its own process group, and the
// whole group killed with SIGKILL when the timeout expires.
//
// argv[0] is executed as given, without a PATH search (XMail uses execv). An
// exec that fails (missing program, no execute permission, bad interpreter)
// or a working directory that cannot be entered is reported as
// failed_to_start with the errno text, never as an exit code. Signals the
// server ignores or blocks are reset to their defaults in the child. run()
// may be called from several threads at once: it keeps no state, installs no
// signal handler and waits on its own child only (a pidfd on Linux 5.3+,
// else a waitpid(WNOHANG) poll). Something else reaping the child
// (SIGCHLD set to SIG_IGN, waitpid(-1)) loses the status: failed_to_start
// with "waitpid: ...". When the program ends, in time or not, whatever it
// left in its process group is killed too (issue 10.5: a filter's children
// must not outlive it).
//
// A child that leaves the group (setsid) escapes that kill. For those, the
// harness makes itself the reaper of orphans (become_subreaper): a filter's
// descendants whose parent died are re-parented to it instead of init, and
// kill_adopted_orphans() kills and reaps them at the end of a run or on an
// interrupt, as kill_started_process_groups() does the groups still running.
#pragma once

#include "core/env.hpp"

namespace mailflow::flow {

class posix_process_runner final : public process_runner {
 public:
  process_result run(const process_request& request) override;
};

// PR_SET_CHILD_SUBREAPER for this process; false when the kernel refuses.
bool become_subreaper();
// SIGKILL to every process group a runner started and has not reaped yet.
// Async-signal-safe (a fixed table of atomics), for an interrupt.
void kill_started_process_groups();
// Kills and reaps the processes re-parented to this one (see above) that no
// runner is waiting for. Not for a signal handler (it reads /proc).
std::size_t kill_adopted_orphans();

}  // namespace mailflow::flow
