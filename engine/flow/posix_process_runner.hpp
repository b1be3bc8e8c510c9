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
// with "waitpid: ...". When the program exits in time, processes it left in
// its group are not touched.
#pragma once

#include "core/env.hpp"

namespace mailflow::flow {

class posix_process_runner final : public process_runner {
 public:
  process_result run(const process_request& request) override;
};

}  // namespace mailflow::flow
