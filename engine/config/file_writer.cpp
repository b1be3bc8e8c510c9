#include "config/file_writer.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace mailflow::config {

int posix_file_ops::open_new(const std::filesystem::path& p, mode_t mode) {
  return ::open(p.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, mode);
}
ssize_t posix_file_ops::write(int fd, const char* data, std::size_t size) { return ::write(fd, data, size); }
int posix_file_ops::fsync(int fd) { return ::fsync(fd); }
int posix_file_ops::close(int fd) { return ::close(fd); }
int posix_file_ops::rename(const std::filesystem::path& from, const std::filesystem::path& to) {
  return ::rename(from.c_str(), to.c_str());
}
int posix_file_ops::fsync_dir(const std::filesystem::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return -1;
  int rc = ::fsync(fd);
  int saved = errno;
  ::close(fd);
  errno = saved;
  return rc;
}
int posix_file_ops::unlink(const std::filesystem::path& p) { return ::unlink(p.c_str()); }

int file_ops::rename_noreplace(const std::filesystem::path& from, const std::filesystem::path& to) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return 0;
  if (errno != EINVAL && errno != ENOSYS) return -1;
  // The filesystem has no RENAME_NOREPLACE: link(2) also refuses an existing name.
  if (::link(from.c_str(), to.c_str()) != 0) return -1;
  ::unlink(from.c_str());
  return 0;
}

file_ops& default_file_ops() {
  static posix_file_ops ops;
  return ops;
}

namespace {

std::string failed(const char* call) { return std::string(call) + ": " + std::strerror(errno); }

void fail(write_outcome& out, const char* call) {
  out.error_number = errno;
  out.error = failed(call);
}

// Writes `text` into the open `fd` (a new file `temp`), fsyncs and closes it.
// On failure the descriptor is closed, `temp` removed and `out` says why.
bool write_synced(file_ops& ops, int fd, const std::filesystem::path& temp, std::string_view text,
                  write_outcome& out) {
  auto abandon = [&](const char* call) {
    fail(out, call);
    int saved = errno;
    ops.close(fd);
    ops.unlink(temp);
    errno = saved;
    return false;
  };
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ops.write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = EIO;
      return abandon("write");
    }
    done += static_cast<std::size_t>(n);
  }
  if (ops.fsync(fd) != 0) return abandon("fsync");
  if (ops.close(fd) != 0) {
    fail(out, "close");
    ops.unlink(temp);
    return false;
  }
  return true;
}

// After the move: the folder's entry is made durable.
write_outcome& sync_folder(file_ops& ops, const std::filesystem::path& dir, write_outcome& out) {
  out.replaced = true;
  if (ops.fsync_dir(dir) != 0) {
    fail(out, "fsync of the folder");
    return out;
  }
  out.durable = true;
  return out;
}

std::filesystem::path folder_of(const std::filesystem::path& p) {
  auto dir = p.parent_path();
  return dir.empty() ? std::filesystem::path(".") : dir;
}

}  // namespace

write_outcome replace_file(file_ops& ops, const std::filesystem::path& target, std::string_view text) {
  write_outcome out;
  auto dir = folder_of(target);
  // A dot-name beside the target: same filesystem (rename is atomic), and
  // never a name the MailRoot reader looks at.
  auto temp = dir / ("." + target.filename().string() + ".mailflow-new");

  mode_t mode = 0600;
  struct stat st {};
  if (::stat(target.c_str(), &st) == 0) mode = st.st_mode & 07777;

  int fd = ops.open_new(temp, mode);
  if (fd < 0 && errno == EEXIST) {
    // Left by a crash between open and rename: it was never the file.
    ops.unlink(temp);
    fd = ops.open_new(temp, mode);
  }
  if (fd < 0) {
    fail(out, "open");
    return out;
  }
  if (!write_synced(ops, fd, temp, text, out)) return out;
  if (ops.rename(temp, target) != 0) {
    fail(out, "rename");
    ops.unlink(temp);
    return out;
  }
  return sync_folder(ops, dir, out);
}

write_outcome publish_new_file(file_ops& ops, const std::filesystem::path& temp, const std::filesystem::path& target,
                               std::string_view text, mode_t mode) {
  write_outcome out;
  int fd = ops.open_new(temp, mode);
  if (fd < 0) {
    fail(out, "open");  // EEXIST: another writer holds this name
    return out;
  }
  if (!write_synced(ops, fd, temp, text, out)) return out;
  if (ops.rename_noreplace(temp, target) != 0) {
    fail(out, "rename");
    int saved = errno;
    ops.unlink(temp);
    errno = saved;
    return out;
  }
  return sync_folder(ops, folder_of(target), out);
}

}  // namespace mailflow::config
