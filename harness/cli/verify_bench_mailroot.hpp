// A generated MailRoot for `mailflow bench verify`: N accounts spread over D
// domains, N aliases (alias I points to account I), every standard file and
// folder, and each account's folder with its mailbox. It verifies clean, so
// the benchmark measures the full work of a healthy MailRoot.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

namespace mailflow::cli {

struct bench_mailroot_options {
  std::size_t accounts = 100000;
  std::size_t domains = 100;
  // Maildir/{tmp,new,cur} (five folders per account) instead of mailbox/ (two).
  bool maildir = false;
};

// Writes the MailRoot into `root` (an empty or missing folder); throws
// std::system_error when a file or folder cannot be made.
void write_bench_mailroot(const std::filesystem::path& root, const bench_mailroot_options& options);

// The folder of account `i`, relative to the MailRoot ("domains/d7.test/u107").
std::string bench_account_folder(std::size_t i, const bench_mailroot_options& options);

}  // namespace mailflow::cli
