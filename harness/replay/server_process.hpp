// A server started per scenario for `replay --server`, on the scenario's
// prepared MailRoot, stopped as conformance/replay.py stops one: SIGINT to
// its process group, SIGKILL after 8 s.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>

namespace mailflow::harness {

// A free loopback TCP port (bound and released).
int free_port();

class server_process {
 public:
  // Runs `command` with /bin/sh in its own process group, MAIL_ROOT={root}
  // and XMAIL_PID_DIR/XMAIL_TEMP beside it; output goes to `log`.
  server_process(const std::string& command, const std::filesystem::path& root, const std::filesystem::path& log);
  ~server_process() { stop(); }
  server_process(const server_process&) = delete;
  server_process& operator=(const server_process&) = delete;
  bool started() const { return pid_ > 0; }
  void stop();

 private:
  pid_t pid_ = -1;
};

// The last bytes of a log file, for an error message.
std::string tail_of(const std::filesystem::path& file);

}  // namespace mailflow::harness
