// Helpers for tests that run real processes: /bin/sh scripts written at test
// time, and a few probes of what those processes left behind.
#pragma once

#include <signal.h>
#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "config/tests/temp_dir.hpp"

namespace mailflow::testing {

// Writes `dir/name` as an executable /bin/sh script and returns its path.
inline std::string write_script(const std::filesystem::path& dir, const std::string& name, const std::string& body) {
  auto p = dir / name;
  std::filesystem::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << "#!/bin/sh\n" << body;
  ::chmod(p.c_str(), 0755);
  return p.string();
}

inline std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

inline std::vector<std::string> read_lines(const std::filesystem::path& p) {
  std::vector<std::string> out;
  std::istringstream in(read_text(p));
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// True once `pid` is gone or a zombie nobody reaped yet (it no longer runs).
inline bool process_ended(pid_t pid, std::chrono::milliseconds within) {
  const auto until = std::chrono::steady_clock::now() + within;
  for (;;) {
    if (::kill(pid, 0) != 0 && errno == ESRCH) return true;
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    auto paren = text.rfind(')');
    if (paren != std::string::npos && paren + 2 < text.size() && (text[paren + 2] == 'Z' || text[paren + 2] == 'X'))
      return true;
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace mailflow::testing
