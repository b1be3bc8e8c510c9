#include "replay/mailroot_copy.hpp"

#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <mutex>
#include <set>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace mailflow::harness {

namespace fs = std::filesystem;

namespace {

// Where private MailRoot copies go: $TMPDIR when set, else /dev/shm when it is
// a writable memory file system that may run programs (filters run from the
// copy), else /tmp. Copies are small and many: memory is several times faster.
const std::string& temp_base() {
  static const std::string base = [] {
    const char* env = std::getenv("TMPDIR");
    if (env && *env) return std::string(env);
    struct statvfs vfs{};
    if (::access("/dev/shm", W_OK | X_OK) == 0 && ::statvfs("/dev/shm", &vfs) == 0 && !(vfs.f_flag & ST_NOEXEC) &&
        !(vfs.f_flag & ST_RDONLY))
      return std::string("/dev/shm");
    return std::string("/tmp");
  }();
  return base;
}

}  // namespace

namespace {

std::mutex live_lock;
std::set<fs::path>& live_folders() {
  static std::set<fs::path> live;
  return live;
}

}  // namespace

temp_folder::temp_folder(const std::string& prefix) {
  std::string tmpl = (fs::path(temp_base()) / (prefix + "-XXXXXX")).string();
  if (!mkdtemp(tmpl.data())) return;
  path_ = tmpl;
  std::lock_guard g(live_lock);
  live_folders().insert(path_);
}

temp_folder::~temp_folder() {
  if (path_.empty()) return;
  {
    std::lock_guard g(live_lock);
    live_folders().erase(path_);
  }
  std::error_code ec;
  fs::remove_all(path_, ec);
}

void remove_live_temp_folders(bool forget) {
  std::lock_guard g(live_lock);
  std::error_code ec;
  for (auto& p : live_folders()) fs::remove_all(p, ec);
  if (forget) live_folders().clear();
}

std::string expand_tokens(std::string text, const std::string& root, const std::string& sink) {
  auto replace_all = [&](const std::string& from, const std::string& to) {
    for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
      text.replace(at, from.size(), to);
  };
  std::string port = sink.substr(sink.rfind(':') + 1);
  replace_all("{root}", root);
  replace_all("{sinkport}", port);
  replace_all("{sink}", sink);
  return text;
}

namespace {

bool read_file(const fs::path& p, std::string& out) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return false;
  std::stringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

bool write_file(const fs::path& p, const std::string& text, bool append) {
  std::ofstream out(p, std::ios::binary | (append ? std::ios::app : std::ios::trunc));
  out << text;
  return static_cast<bool>(out);
}

bool in_message_store(const fs::path& rel) {
  for (auto& part : rel)
    if (part == "Maildir" || part == "mailbox") return true;
  return false;
}

void make_executable(const fs::path& p) {
  std::error_code ec;
  fs::permissions(p, fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec, fs::perm_options::add,
                  ec);
}

// The folders replay.py (and XMail) expect in every MailRoot.
constexpr const char* standard_folders[] = {
    "spool", "tmp", "logs", "tabindex", "pop3locks", "pop3linklocks", "pop3links", "cmdaliases", "custdomains",
    "filters", "userauth/pop3", "userauth/smtp", "dnscache/mx", "dnscache/ns", "bin", "msgsync", "domains"};

}  // namespace

bool prepare_mailroot(const scenario& sc, const fs::path& root, std::string& error, config::memory_tables* tables,
                      delivery::mailbox_image* mailboxes) {
  // Every file the MailRoot model may read (all but stored messages and the spool)
  // goes to `tables`; stored messages go to `mailboxes`.
  auto record = [&](const fs::path& rel, const std::string& text) {
    auto name = rel.lexically_normal();
    if (name.empty() || name == "." || *name.begin() == "spool") return;
    if (in_message_store(name)) {
      if (mailboxes) mailboxes->put_file(name.generic_string(), text);
      return;
    }
    if (tables) tables->put(name.generic_string(), text);
  };
  auto record_folder = [&](const fs::path& rel) {
    auto name = rel.lexically_normal();
    if (mailboxes && !name.empty() && name != ".") mailboxes->add_folder(name.generic_string());
  };
  const std::string where = sc.file.generic_string() + ":";
  std::error_code ec;
  if (!fs::is_directory(sc.fixture_path, ec)) {
    error = where + std::to_string(sc.fixture_line) + ": the fixture '" + sc.fixture + "' is not a folder (" +
            sc.fixture_path.generic_string() + ")";
    return false;
  }
  const std::string root_text = root.string();
  // Sorted, so that any failure is reported the same way every run.
  std::vector<fs::path> entries;
  for (auto it = fs::recursive_directory_iterator(sc.fixture_path, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec))
    entries.push_back(it->path());
  if (ec) {
    error = where + std::to_string(sc.fixture_line) + ": cannot read the fixture: " + ec.message();
    return false;
  }
  std::sort(entries.begin(), entries.end());
  // Entries are under the fixture's path as iterated: their relative name is the
  // rest of the string (fs::relative per entry made deep trees quadratic).
  const std::string& base = sc.fixture_path.native();
  const std::size_t skip = base.size() + (base.ends_with('/') ? 0 : 1);
  for (auto& from : entries) {
    fs::path rel = std::string_view(from.native()).substr(skip);
    auto to = root / rel;
    auto st = fs::symlink_status(from, ec);
    if (fs::is_directory(st)) {
      fs::create_directories(to, ec);
      record_folder(rel);
      continue;
    }
    if (from.filename() == ".keep" || !fs::is_regular_file(st)) continue;
    fs::create_directories(to.parent_path(), ec);
    std::string text;
    bool ok = read_file(from, text);
    if (ok && !in_message_store(rel)) text = expand_tokens(std::move(text), root_text, sc.sink);
    if (!ok || !write_file(to, text, false)) {
      error = where + std::to_string(sc.fixture_line) + ": cannot copy " + rel.generic_string() + " from the fixture";
      return false;
    }
    record(rel, text);
    auto perms = fs::status(from, ec).permissions();
    if ((perms & fs::perms::owner_exec) != fs::perms::none || from.extension() == ".sh") make_executable(to);
  }
  for (auto f : standard_folders) {
    fs::create_directories(root / f, ec);
    record_folder(f);
  }
  for (auto& o : sc.overlays) {
    auto to = root / o.path;
    if (o.remove) {
      if (!fs::exists(to, ec)) {
        error = where + std::to_string(o.line) + ": <remove path=\"" + o.path + "\"/>: no such file in the fixture";
        return false;
      }
      fs::remove_all(to, ec);
      const std::string name = fs::path(o.path).lexically_normal().generic_string();
      if (tables) tables->remove_tree(name);
      if (mailboxes) mailboxes->remove_tree(name);
      continue;
    }
    fs::create_directories(to.parent_path(), ec);
    record_folder(fs::path(o.path).parent_path());
    std::string text = expand_tokens(o.content, root_text, sc.sink);
    if (!write_file(to, text, o.append)) {
      error = where + std::to_string(o.line) + ": cannot write " + o.path;
      return false;
    }
    if (o.append && tables) {
      // the file as it now is on disk
      std::string whole;
      if (read_file(to, whole)) text = std::move(whole);
    }
    record(fs::path(o.path), text);
    if (o.executable || to.extension() == ".sh") make_executable(to);
  }
  return true;
}

}  // namespace mailflow::harness
