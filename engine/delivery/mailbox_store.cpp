#include "delivery/mailbox_store.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

namespace mailflow::delivery {

namespace {

bool is_directory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// Sum of the regular files in one folder (dot files ignored, as Maildir readers do).
std::uint64_t folder_bytes(const std::string& dir) {
  std::uint64_t total = 0;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return 0;
  int fd = ::dirfd(d);
  while (auto* e = ::readdir(d)) {
    if (e->d_name[0] == '.') continue;
    struct stat st {};
    if (::fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
      total += static_cast<std::uint64_t>(st.st_size);
  }
  ::closedir(d);
  return total;
}

}  // namespace

mailbox_usage disk_mailbox_store::usage(const std::string& account_folder, bool need_size) {
  const std::string folder = (root_ / account_folder).string();
  mailbox_usage u;
  if (is_directory(folder + "/Maildir")) {
    u.exists = true;
    if (need_size) u.bytes = folder_bytes(folder + "/Maildir/new") + folder_bytes(folder + "/Maildir/cur");
  } else if (is_directory(folder + "/mailbox")) {
    u.exists = true;
    if (need_size) u.bytes = folder_bytes(folder + "/mailbox");
  }
  return u;
}

}  // namespace mailflow::delivery
