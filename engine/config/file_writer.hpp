// Replacing a file so that it is never torn: the new text goes to a temporary
// file in the same folder, which is fsynced, renamed over the old file, and
// then the folder is fsynced so the rename itself survives a crash. A reader
// (or a crash) at any moment finds the old file or the new one, whole.
//
// Publishing a new file (publish_new_file: spool files, stored messages) is
// the same sequence with a temporary file the caller names, and a move that
// never replaces a file already there.
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
  // rename(2) that fails with EEXIST instead of replacing `to`
  // (renameat2 RENAME_NOREPLACE; link + unlink where the filesystem lacks it).
  // Not pure, so fakes that do not care keep the real call.
  virtual int rename_noreplace(const std::filesystem::path& from, const std::filesystem::path& to);
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
  int error_number = 0;   // errno of the failed call (EEXIST: publish_new_file's name is taken)
  bool ok() const { return replaced && durable; }
};

// Replaces (or creates) `target` with `text`. The new file keeps the old
// one's permission bits (mailusers.tab holds passwords); a new file gets
// 0600. On any failure before the rename the old file is untouched and the
// temporary one removed; a failure after it (the folder's fsync) leaves the
// new file in place, not yet durable.
write_outcome replace_file(file_ops& ops, const std::filesystem::path& target, std::string_view text);

// Creates `target`, which must not exist, holding `text`: written to `temp`
// (a new file, created with `mode`; same filesystem as `target`), fsynced,
// moved to `target` without replacing anything there, then `target`'s folder
// fsynced. A name already taken (temp or target) fails with error_number
// EEXIST and touches nothing, so the caller can pick another name. On any
// failure before the move, `temp` is removed and `target` does not exist; a
// failure of the folder's fsync leaves `target` in place, not yet durable.
write_outcome publish_new_file(file_ops& ops, const std::filesystem::path& temp, const std::filesystem::path& target,
                               std::string_view text, mode_t mode);

}  // namespace mailflow::config
