#include "delivery/mailbox_store.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>

namespace mailflow::delivery {

namespace {

template <class T = std::monostate>
mailbox_result<T> failure(mailbox_errc code, std::string error) {
  mailbox_result<T> r;
  r.code = code;
  r.error = std::move(error);
  return r;
}

template <class T>
mailbox_result<T> success(T value) {
  mailbox_result<T> r;
  r.value = std::move(value);
  return r;
}

template <class T, class U>
mailbox_result<T> pass_on(const mailbox_result<U>& r) {
  return failure<T>(r.code, r.error);
}

// "domains/a.net/u" -> "domains/a.net"; "x" -> "".
std::string parent_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

std::string maildir(const std::string& account_folder) { return account_folder + "/Maildir"; }
std::string mailbox(const std::string& account_folder) { return account_folder + "/mailbox"; }

// A file name that list() shows: what XMail's POP3 filter keeps (no leading
// '.'), and what an id may be (so every listed message can be read back).
bool listable(const std::string& name) { return valid_message_id(name); }

// A generated name may be taken (a fixture, a restart within one
// millisecond): the next one is tried, this many times.
constexpr int name_attempts = 64;

}  // namespace

const char* layout_folder(mailbox_layout l) { return l == mailbox_layout::maildir ? "Maildir" : "mailbox"; }

const char* errc_name(mailbox_errc c) {
  switch (c) {
    case mailbox_errc::ok: return "ok";
    case mailbox_errc::bad_folder: return "bad-folder";
    case mailbox_errc::bad_id: return "bad-id";
    case mailbox_errc::no_mailbox: return "no-mailbox";
    case mailbox_errc::not_found: return "not-found";
    case mailbox_errc::exists: return "exists";
    case mailbox_errc::too_large: return "too-large";
    case mailbox_errc::io_error: return "io-error";
  }
  return "?";
}

std::string xmail_unique_name(const unique_name_parts& p) {
  // MscUniqueFile's shape: decimal milliseconds, then hex thread, process and sequence.
  char buf[96];
  std::snprintf(buf, sizeof buf, "%" PRId64 ".%" PRIx64 ".%" PRIx64 ".%" PRIx64 ".", p.ms, p.thread_id, p.process_id,
                p.sequence);
  return buf + p.host;
}

unique_name_parts counter_name_source::next() {
  unique_name_parts p;
  p.ms = clock_.now_ms();
  p.thread_id = thread_id_;
  p.process_id = process_id_;
  p.sequence = sequence_.fetch_add(1, std::memory_order_relaxed);
  p.host = host_;
  return p;
}

unique_name_source& host_name_source() {
  static system_clock clock;
  static counter_name_source source(clock,
                                    [] {
                                      char name[256] = {};
                                      if (::gethostname(name, sizeof name - 1) != 0 || !name[0]) return std::string("localhost");
                                      return std::string(name);
                                    }(),
                                    static_cast<std::uint64_t>(::getpid()));
  return source;
}

bool valid_message_id(std::string_view id) {
  if (id.empty() || id.size() > 255 || id.front() == '.') return false;
  if (id.find("..") != std::string_view::npos) return false;
  for (unsigned char c : id)
    if (c < 0x21 || c > 0x7e || c == '/') return false;
  return true;
}

bool valid_account_folder(std::string_view folder) {
  if (folder.empty() || folder.front() == '/' || folder.find('\0') != std::string_view::npos) return false;
  std::size_t start = 0;
  while (true) {
    auto slash = folder.find('/', start);
    auto part = folder.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (part.empty() || part == "." || part == "..") return false;
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

// ---- The operations.

std::optional<mailbox_layout> mailbox_store::layout_of(const std::string& account_folder) {
  if (is_folder(maildir(account_folder))) return mailbox_layout::maildir;
  if (is_folder(mailbox(account_folder))) return mailbox_layout::mailbox;
  return std::nullopt;
}

mailbox_usage mailbox_store::usage(const std::string& account_folder, bool need_size) {
  // The SMTP session's question (MaxMBSize): kept as it was before the rest
  // of the store, so the folder is not checked here.
  auto bytes_in = [this](const std::string& folder) {
    std::uint64_t total = 0;
    auto r = files(folder);
    if (!r.ok()) return total;  // a missing new/ or cur/ holds nothing
    for (auto& f : r.value)
      if (!f.name.empty() && f.name[0] != '.') total += f.size;
    return total;
  };
  mailbox_usage u;
  auto layout = layout_of(account_folder);
  if (!layout) return u;
  u.exists = true;
  if (!need_size) return u;
  if (*layout == mailbox_layout::maildir)
    u.bytes = bytes_in(maildir(account_folder) + "/new") + bytes_in(maildir(account_folder) + "/cur");
  else
    u.bytes = bytes_in(mailbox(account_folder));
  return u;
}

mailbox_result<mailbox_layout> mailbox_store::create(const std::string& account_folder) {
  if (!valid_account_folder(account_folder))
    return failure<mailbox_layout>(mailbox_errc::bad_folder, "not an account folder: " + account_folder);
  if (auto l = layout_of(account_folder)) return success(*l);
  if (layout_ == mailbox_layout::maildir) {
    for (auto sub : {"/tmp", "/new", "/cur"})
      if (auto r = make_folders(maildir(account_folder) + sub); !r.ok()) return pass_on<mailbox_layout>(r);
  } else if (auto r = make_folders(mailbox(account_folder)); !r.ok()) {
    return pass_on<mailbox_layout>(r);
  }
  return success(layout_);
}

mailbox_result<std::string> mailbox_store::store(const std::string& account_folder, mailbox_layout layout,
                                                 const std::string& id, std::string_view message) {
  if (layout == mailbox_layout::maildir) {
    const std::string base = maildir(account_folder);
    if (exists(base + "/new/" + id) || exists(base + "/cur/" + id))
      return failure<std::string>(mailbox_errc::exists, base + "/new/" + id + ": a message with this id is stored");
    // XMail itself never writes in Maildir/tmp, so a MailRoot may lack it.
    if (!is_folder(base + "/tmp"))
      if (auto r = make_folders(base + "/tmp"); !r.ok()) return pass_on<std::string>(r);
    // tmp/ID is also the lock on the name: a second writer of ID fails there.
    auto r = publish(base + "/tmp/" + id, base + "/new/" + id, message);
    if (!r.ok()) return pass_on<std::string>(r);
    return success(id);
  }

  const std::string target = mailbox(account_folder) + "/" + id;
  if (exists(target)) return failure<std::string>(mailbox_errc::exists, target + ": a message with this id is stored");
  // XMail's local delivery: domains/DOMAIN/.tmp/ if there is one, else the MailRoot's tmp/.
  std::string temp_folder = "tmp";
  if (auto domain = parent_of(account_folder); !domain.empty() && is_folder(domain + "/.tmp"))
    temp_folder = domain + "/.tmp";
  else if (!is_folder(temp_folder))
    if (auto r = make_folders(temp_folder); !r.ok()) return pass_on<std::string>(r);
  for (int attempt = 0; attempt < name_attempts; ++attempt) {
    auto r = publish(temp_folder + "/" + xmail_unique_name(names_.next()), target, message);
    if (r.ok()) return success(id);
    // A taken temporary name is tried again under another; a taken target is the caller's.
    if (r.code != mailbox_errc::exists || exists(target)) return pass_on<std::string>(r);
  }
  return failure<std::string>(mailbox_errc::io_error, temp_folder + ": no free temporary name");
}

mailbox_result<std::string> mailbox_store::append(const std::string& account_folder, std::string_view message) {
  if (!valid_account_folder(account_folder))
    return failure<std::string>(mailbox_errc::bad_folder, "not an account folder: " + account_folder);
  auto layout = layout_of(account_folder);
  if (!layout)
    return failure<std::string>(mailbox_errc::no_mailbox, account_folder + " has neither Maildir/ nor mailbox/");
  for (int attempt = 0; attempt < name_attempts; ++attempt) {
    std::string id = xmail_unique_name(names_.next());
    if (!valid_message_id(id)) return failure<std::string>(mailbox_errc::bad_id, "the name source makes " + id);
    auto r = store(account_folder, *layout, id, message);
    if (r.code != mailbox_errc::exists) return r;
  }
  return failure<std::string>(mailbox_errc::exists, account_folder + ": no free message name");
}

mailbox_result<mailbox_layout> mailbox_store::checked_layout(const std::string& account_folder, std::string_view id) {
  if (!valid_account_folder(account_folder))
    return failure<mailbox_layout>(mailbox_errc::bad_folder, "not an account folder: " + account_folder);
  if (!valid_message_id(id)) return failure<mailbox_layout>(mailbox_errc::bad_id, "not a message id: " + std::string(id));
  auto layout = layout_of(account_folder);
  if (!layout)
    return failure<mailbox_layout>(mailbox_errc::no_mailbox, account_folder + " has neither Maildir/ nor mailbox/");
  return success(*layout);
}

mailbox_result<std::string> mailbox_store::append_as(const std::string& account_folder, std::string_view id,
                                                     std::string_view message) {
  auto layout = checked_layout(account_folder, id);
  if (!layout.ok()) return failure<std::string>(layout.code, layout.error);
  return store(account_folder, layout.value, std::string(id), message);
}

mailbox_result<std::vector<stored_message>> mailbox_store::list(const std::string& account_folder, bool scan_cur) {
  using list_result = mailbox_result<std::vector<stored_message>>;
  if (!valid_account_folder(account_folder))
    return failure<std::vector<stored_message>>(mailbox_errc::bad_folder, "not an account folder: " + account_folder);
  auto layout = layout_of(account_folder);
  if (!layout)
    return failure<std::vector<stored_message>>(mailbox_errc::no_mailbox,
                                                account_folder + " has neither Maildir/ nor mailbox/");
  list_result out;
  // One folder's messages in name order; a missing Maildir/new or cur holds none (XMail: no error).
  auto take = [&](const std::string& folder, const std::set<std::string>* shadowing) -> bool {
    if (!is_folder(folder)) return true;
    auto r = files(folder);
    if (!r.ok()) {
      out.code = r.code;
      out.error = r.error;
      return false;
    }
    std::sort(r.value.begin(), r.value.end(), [](auto& a, auto& b) { return a.name < b.name; });
    for (auto& f : r.value) {
      if (!listable(f.name)) continue;
      if (shadowing && shadowing->count(f.name)) continue;
      out.value.push_back({f.name, f.size});
    }
    return true;
  };
  if (*layout == mailbox_layout::mailbox) {
    take(mailbox(account_folder), nullptr);
  } else if (take(maildir(account_folder) + "/new", nullptr) && scan_cur) {
    std::set<std::string> from_new;
    for (auto& m : out.value) from_new.insert(m.id);
    take(maildir(account_folder) + "/cur", &from_new);
  }
  if (!out.ok()) out.value.clear();
  return out;
}

mailbox_result<std::string> mailbox_store::locate(const std::string& account_folder, std::string_view id) {
  auto layout = checked_layout(account_folder, id);
  if (!layout.ok()) return failure<std::string>(layout.code, layout.error);
  const std::string name(id);
  if (layout.value == mailbox_layout::mailbox) {
    std::string path = mailbox(account_folder) + "/" + name;
    if (is_file(path)) return success(path);
    return failure<std::string>(mailbox_errc::not_found, path + ": no such message");
  }
  for (auto sub : {"/new/", "/cur/"})
    if (std::string path = maildir(account_folder) + sub + name; is_file(path)) return success(path);
  return failure<std::string>(mailbox_errc::not_found, maildir(account_folder) + "/new/" + name + ": no such message");
}

mailbox_result<std::string> mailbox_store::read(const std::string& account_folder, std::string_view id,
                                                std::uint64_t max_bytes) {
  auto where = locate(account_folder, id);
  if (!where.ok()) return where;
  return read_file(where.value, max_bytes);
}

mailbox_done mailbox_store::remove(const std::string& account_folder, std::string_view id) {
  auto where = locate(account_folder, id);
  if (!where.ok()) return pass_on<std::monostate>(where);
  return remove_file(where.value);
}

// ---- On disk.

namespace {

std::string errno_text(const std::string& path) { return path + ": " + std::strerror(errno); }

struct fd_guard {
  int fd = -1;
  ~fd_guard() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

bool disk_mailbox_store::is_folder(const std::string& path) {
  struct stat st {};
  return ::stat((root_ / path).c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool disk_mailbox_store::exists(const std::string& path) {
  struct stat st {};
  // Anything but a clear "no such entry" counts as taken: a name is never reused on doubt.
  return ::lstat((root_ / path).c_str(), &st) == 0 || (errno != ENOENT && errno != ENOTDIR);
}

bool disk_mailbox_store::is_file(const std::string& path) {
  struct stat st {};
  return ::lstat((root_ / path).c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

mailbox_result<std::vector<disk_mailbox_store::file_entry>> disk_mailbox_store::files(const std::string& folder) {
  DIR* d = ::opendir((root_ / folder).c_str());
  if (!d) return failure<std::vector<file_entry>>(mailbox_errc::io_error, errno_text(folder));
  std::vector<file_entry> out;
  int fd = ::dirfd(d);
  while (auto* e = ::readdir(d)) {
    struct stat st {};
    if (::fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
      out.push_back({e->d_name, static_cast<std::uint64_t>(st.st_size)});
  }
  ::closedir(d);
  return success(std::move(out));
}

mailbox_result<std::string> disk_mailbox_store::read_file(const std::string& path, std::uint64_t max_bytes) {
  fd_guard f{::open((root_ / path).c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC)};
  if (f.fd < 0)
    return failure<std::string>(errno == ENOENT || errno == ELOOP ? mailbox_errc::not_found : mailbox_errc::io_error,
                                errno_text(path));
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) return failure<std::string>(mailbox_errc::io_error, errno_text(path));
  if (!S_ISREG(st.st_mode)) return failure<std::string>(mailbox_errc::not_found, path + ": not a message file");
  auto size = static_cast<std::uint64_t>(st.st_size);
  if (size > max_bytes)
    return failure<std::string>(mailbox_errc::too_large, path + ": " + std::to_string(size) + " bytes, more than " +
                                                             std::to_string(max_bytes));
  std::string out;
  out.resize(static_cast<std::size_t>(size));
  std::size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::read(f.fd, out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return failure<std::string>(mailbox_errc::io_error, errno_text(path));
    if (n == 0) break;  // shorter than stat said: what is there
    done += static_cast<std::size_t>(n);
  }
  out.resize(done);
  return success(std::move(out));
}

mailbox_done disk_mailbox_store::make_folders(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(root_ / path, ec);
  if (ec) return failure(mailbox_errc::io_error, path + ": " + ec.message());
  return {};
}

mailbox_done disk_mailbox_store::publish(const std::string& temp, const std::string& target, std::string_view bytes) {
  // Private mail: 0600.
  auto out = config::publish_new_file(ops_, root_ / temp, root_ / target, bytes, 0600);
  if (out.ok()) return {};
  if (out.replaced) {
    // In place but not durable: whoever asked is told it failed, so it must not stay to be fetched twice.
    ops_.unlink(root_ / target);
    return failure(mailbox_errc::io_error, target + ": " + out.error);
  }
  if (out.error_number == EEXIST) return failure(mailbox_errc::exists, temp + " or " + target + ": taken");
  return failure(mailbox_errc::io_error, temp + ": " + out.error);
}

mailbox_done disk_mailbox_store::remove_file(const std::string& path) {
  if (ops_.unlink(root_ / path) != 0)
    return failure(errno == ENOENT ? mailbox_errc::not_found : mailbox_errc::io_error, errno_text(path));
  if (ops_.fsync_dir((root_ / path).parent_path()) != 0)
    return failure(mailbox_errc::io_error, errno_text(parent_of(path)) + " (removed, not yet durable)");
  return {};
}

// ---- In memory.

void mailbox_image::add_folder(const std::string& path) {
  for (std::size_t slash = 0; slash != std::string::npos;) {
    slash = path.find('/', slash + 1);
    folders.insert(path.substr(0, slash));
  }
}

void mailbox_image::put_file(const std::string& path, std::string bytes) {
  if (auto parent = parent_of(path); !parent.empty()) add_folder(parent);
  files[path] = std::move(bytes);
}

void mailbox_image::remove_tree(const std::string& path) {
  auto under = [&](const std::string& name) {
    return name == path || (name.size() > path.size() && name.compare(0, path.size(), path) == 0 && name[path.size()] == '/');
  };
  std::erase_if(folders, under);
  std::erase_if(files, [&](const auto& f) { return under(f.first); });
}

void memory_mailbox_store::add_folder(const std::string& path) {
  std::lock_guard<std::mutex> g(lock_);
  tree_.add_folder(path);
}

void memory_mailbox_store::put_file(const std::string& path, std::string bytes) {
  std::lock_guard<std::mutex> g(lock_);
  tree_.put_file(path, std::move(bytes));
}

bool memory_mailbox_store::has_file(const std::string& path) const {
  std::lock_guard<std::mutex> g(lock_);
  return tree_.files.count(path) > 0;
}

bool memory_mailbox_store::has_folder(const std::string& path) const {
  std::lock_guard<std::mutex> g(lock_);
  return tree_.folders.count(path) > 0;
}

std::vector<std::string> memory_mailbox_store::file_names(const std::string& folder) const {
  std::lock_guard<std::mutex> g(lock_);
  std::vector<std::string> out;
  const std::string prefix = folder + "/";
  for (auto it = tree_.files.lower_bound(prefix); it != tree_.files.end() && it->first.compare(0, prefix.size(), prefix) == 0;
       ++it)
    if (it->first.find('/', prefix.size()) == std::string::npos) out.push_back(it->first.substr(prefix.size()));
  return out;
}

bool memory_mailbox_store::is_folder(const std::string& path) {
  std::lock_guard<std::mutex> g(lock_);
  return path.empty() || tree_.folders.count(path) > 0;
}

bool memory_mailbox_store::exists(const std::string& path) {
  std::lock_guard<std::mutex> g(lock_);
  return tree_.folders.count(path) > 0 || tree_.files.count(path) > 0;
}

bool memory_mailbox_store::is_file(const std::string& path) {
  std::lock_guard<std::mutex> g(lock_);
  return tree_.files.count(path) > 0;
}

mailbox_result<std::vector<memory_mailbox_store::file_entry>> memory_mailbox_store::files(const std::string& folder) {
  std::lock_guard<std::mutex> g(lock_);
  if (!tree_.folders.count(folder))
    return failure<std::vector<file_entry>>(mailbox_errc::io_error, folder + ": No such file or directory");
  std::vector<file_entry> out;
  const std::string prefix = folder + "/";
  for (auto it = tree_.files.lower_bound(prefix); it != tree_.files.end() && it->first.compare(0, prefix.size(), prefix) == 0;
       ++it) {
    std::string name = it->first.substr(prefix.size());
    if (name.find('/') == std::string::npos) out.push_back({name, it->second.size()});
  }
  return success(std::move(out));
}

mailbox_result<std::string> memory_mailbox_store::read_file(const std::string& path, std::uint64_t max_bytes) {
  std::lock_guard<std::mutex> g(lock_);
  auto it = tree_.files.find(path);
  if (it == tree_.files.end()) return failure<std::string>(mailbox_errc::not_found, path + ": No such file or directory");
  if (it->second.size() > max_bytes)
    return failure<std::string>(mailbox_errc::too_large, path + ": " + std::to_string(it->second.size()) +
                                                             " bytes, more than " + std::to_string(max_bytes));
  return success(it->second);
}

mailbox_done memory_mailbox_store::make_folders(const std::string& path) {
  std::lock_guard<std::mutex> g(lock_);
  for (std::size_t slash = 0; slash != std::string::npos;) {
    slash = path.find('/', slash + 1);
    if (tree_.files.count(path.substr(0, slash))) return failure(mailbox_errc::io_error, path + ": Not a directory");
  }
  tree_.add_folder(path);
  return {};
}

mailbox_done memory_mailbox_store::publish(const std::string& temp, const std::string& target,
                                           std::string_view bytes) {
  std::lock_guard<std::mutex> g(lock_);
  auto folder_there = [&](const std::string& p) {
    auto parent = parent_of(p);
    return parent.empty() || tree_.folders.count(parent) > 0;
  };
  if (!folder_there(temp)) return failure(mailbox_errc::io_error, temp + ": open: No such file or directory");
  if (tree_.files.count(temp) || tree_.folders.count(temp)) return failure(mailbox_errc::exists, temp + " or " + target + ": taken");
  if (fail_writes) return failure(mailbox_errc::io_error, temp + ": write: No space left on device");
  if (!folder_there(target)) return failure(mailbox_errc::io_error, temp + ": rename: No such file or directory");
  if (tree_.files.count(target) || tree_.folders.count(target))
    return failure(mailbox_errc::exists, temp + " or " + target + ": taken");
  tree_.files[target] = std::string(bytes);
  return {};
}

mailbox_done memory_mailbox_store::remove_file(const std::string& path) {
  std::lock_guard<std::mutex> g(lock_);
  if (!tree_.files.erase(path)) return failure(mailbox_errc::not_found, path + ": No such file or directory");
  return {};
}

}  // namespace mailflow::delivery
