// Shared by the benchmarks of `mailflow bench`: timing and the ratio against
// a baseline measured in the same run.
#pragma once

#include <time.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <iomanip>
#include <memory>
#include <sstream>
#include <string>

namespace mailflow::config {
class mailroot;
}

namespace mailflow::cli {

// Wall and CPU time of one phase (CPU counts every thread of the process).
class stopwatch {
 public:
  stopwatch() : wall_(std::chrono::steady_clock::now()), cpu_(cpu_now()) {}
  double wall() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_).count(); }
  double cpu() const { return cpu_now() - cpu_; }

 private:
  static double cpu_now() {
    timespec ts{};
    ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
  }
  std::chrono::steady_clock::time_point wall_;
  double cpu_;
};

inline std::string seconds(double s) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(3) << s << " s";
  return out.str();
}

inline std::string ratio(double value, double baseline) {
  if (baseline <= 0) return "-";
  std::ostringstream out;
  double r = value / baseline;
  out << std::fixed << std::setprecision(r < 0.1 ? 4 : r < 10 ? 2 : 1) << r << "x";
  return out.str();
}

// A small MailRoot (hunet.jp, soopoo.jp, cop and love) for the engine benchmarks.
void write_bench_mailroot(const std::filesystem::path& root);

// The simple session of the engine benchmarks: EHLO, MAIL, RCPT to a local account, DATA, QUIT.
inline constexpr const char* bench_session_script =
    "EHLO client.test\r\nMAIL FROM:<love@soopoo.jp>\r\nRCPT TO:<cop@hunet.jp>\r\nDATA\r\n"
    "From: love@soopoo.jp\r\nTo: cop@hunet.jp\r\nSubject: bench\r\n\r\nHello.\r\n.\r\nQUIT\r\n";

struct engine_counts {
  std::size_t reply_bytes = 0, events = 0, messages = 0;
};
// Runs n bench sessions straight through smtp_session (no harness); returns the CPU seconds.
double run_engine_sessions(std::shared_ptr<const mailflow::config::mailroot> root,
                           const std::filesystem::path& root_path, std::int64_t n, engine_counts* counts = nullptr);

int run_smtp_bench(int argc, char** argv);
int run_replay_bench(int argc, char** argv);

}  // namespace mailflow::cli
