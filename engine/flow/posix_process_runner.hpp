// The real process_runner: fork/exec without a shell, stdin from /dev/null,
// stdout/stderr to /dev/null, every other descriptor closed (a filter never
// inherits a client socket), the child in its own process group, and the
// whole group killed with SIGKILL when the timeout expires.
#pragma once

#include "core/env.hpp"

namespace mailflow::flow {

class posix_process_runner final : public process_runner {
 public:
  process_result run(const process_request& request) override;
};

}  // namespace mailflow::flow
