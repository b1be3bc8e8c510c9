#include "delivery/disk_spool.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "config/file_writer.hpp"
#include "core/text.hpp"

namespace mailflow::delivery {

namespace fs = std::filesystem;

namespace {

// A file descriptor closed on every path.
struct fd_guard {
  int fd = -1;
  ~fd_guard() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

disk_spool::disk_spool(fs::path mailroot, std::string host_name, const mailflow::clock& clock)
    : root_(std::move(mailroot)), host_(std::move(host_name)), clock_(clock) {}

std::uint64_t disk_spool::next_message_number() {
  // message.id holds the last number used (a fresh MailRoot has 1, so the first message is S2).
  std::lock_guard<std::mutex> g(lock_);
  fd_guard f{::open((root_ / "message.id").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644)};
  if (f.fd < 0) return ++sequence_ + 1;
  ::flock(f.fd, LOCK_EX);  // other processes on the same MailRoot
  char buf[32] = {};
  ssize_t n = ::pread(f.fd, buf, sizeof buf - 1, 0);
  std::uint64_t last = 1;
  if (n > 0)
    if (auto v = parse_int(trim(std::string_view(buf, static_cast<std::size_t>(n)))); v && *v > 0)
      last = static_cast<std::uint64_t>(*v);
  std::string next = std::to_string(last + 1) + "\n";
  if (::ftruncate(f.fd, 0) == 0 && ::pwrite(f.fd, next.data(), next.size(), 0) == static_cast<ssize_t>(next.size()))
    ::fsync(f.fd);
  ::flock(f.fd, LOCK_UN);
  return last + 1;
}

std::string disk_spool::file_text(const spool_message& m) {
  std::string out;
  out.reserve(m.size() + 256);
  for (auto* line : {&m.info_line, &m.smtp_domain, &m.message_ref, &m.mail_from, &m.rcpt_to}) out += *line + "\r\n";
  out += "<<MAIL-DATA>>\r\n";
  out += m.headers;
  if (m.body) out += *m.body;
  return out;
}

bool disk_spool::submit(const spool_message& m, std::string& where) {
  std::uint64_t seq;
  {
    std::lock_guard<std::mutex> g(lock_);
    seq = ++sequence_;
  }
  // Two levels chosen from the sequence spread files as XMail's random choice does, deterministically.
  std::string level = std::to_string(seq % 16) + "/" + std::to_string((seq / 16) % 16);
  fs::path dir = root_ / "spool" / level;
  std::error_code ec;
  fs::create_directories(dir / "temp", ec);
  fs::create_directories(dir / "mess", ec);
  std::string name = std::to_string(clock_.now_ms()) + "." + std::to_string(::getpid()) + "." + std::to_string(seq) +
                     "." + host_;
  fs::path temp = dir / "temp" / name, final_path = dir / "mess" / name;
  // temp/ then mess/, synced: the same publication the mailbox store uses (config/file_writer.hpp).
  auto out = config::publish_new_file(config::default_file_ops(), temp, final_path, file_text(m), 0644);
  if (!out.ok()) {
    if (out.replaced) {
      // In mess/ but not durable: the client is told it failed, so it must not be delivered either.
      fs::remove(final_path, ec);
      where = "cannot sync spool/" + level + "/mess: " + out.error;
    } else {
      where = "cannot create spool/" + level + "/temp/" + name + ": " + out.error;
    }
    return false;
  }
  where = "spool/" + level + "/mess/" + name;
  return true;
}

spool_commit_result disk_spool::commit(const spool_commit& c) {
  // All or nothing: a transaction whose copies cannot all be stored is not
  // acknowledged, so the copies already in mess/ are taken back out.
  spool_commit_result r;
  for (auto& m : c.messages) {
    std::string where;
    if (!submit(m, where)) {
      std::error_code ec;
      for (auto& done : r.where) fs::remove(root_ / done, ec);
      r.where.clear();
      r.error = where;
      return r;
    }
    r.where.push_back(std::move(where));
  }
  r.ok = true;
  return r;
}

}  // namespace mailflow::delivery
