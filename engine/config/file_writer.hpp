// Replacing a file so that it is never torn: the new text goes to a temporary
// file in the same folder, which is fsynced, renamed over the old file, and
// then the folder is fsynced so the rename itself survives a crash. A reader
// (or a crash) at any moment finds the old file or the new one, whole.
//
// The system calls go through file_ops so tests can fail each one in turn.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <sys/types.h>

namespace mailflow::config {

class file_ops {
 public:
  virtual ~file_ops() = default;
  // Each returns -1 (and sets errno) on failure, like the call it stands for.
  virtual int open_new(const std::filesystem::path& p, mode_t mode) = 0;  // O_CREAT|O_EXCL|O_WRONLY
  virtual ssize_t write(int fd, const char* data, std::size_t size) = 0;
  virtual int fsync(int fd) = 0;
  virtual int close(int fd) = 0;
  virtual int rename(const std::filesystem::path& from, const std::filesystem::path& to) = 0;
  virtual int fsync_dir(const std::filesystem::path& dir) = 0;
  virtual int unlink(const std::filesystem::path& p) = 0;
};

// The real calls.
class posix_file_ops final : public file_ops {
 public:
  int open_new(const std::filesystem::path& p, mode_t mode) override;
  ssize_t write(int fd, const char* data, std::size_t size) override;
  int fsync(int fd) override;
  int close(int fd) override;
  int rename(const std::filesystem::path& from, const std::filesystem::path& to) override;
  int fsync_dir(const std::filesystem::path& dir) override;
  int unlink(const std::filesystem::path& p) override;
};
file_ops& default_file_ops();

struct write_outcome {
  bool replaced = false;  // the new text is what `target` holds now
  bool durable = false;   // ... and the folder was synced too
  std::string error;      // what failed ("fsync: No space left on device"); empty on success
  bool ok() const { return replaced && durable; }
};

// Replaces (or creates) `target` with `text`. The new file keeps the old
// one's permission bits (mailusers.tab holds passwords); a new file gets
// 0600. On any failure before the rename the old file is untouched and the
// temporary one removed; a failure after it (the folder's fsync) leaves the
// new file in place, not yet durable.
write_outcome replace_file(file_ops& ops, const std::filesystem::path& target, std::string_view text);

}  // namespace mailflow::config
