// Where local mail is kept, for local delivery and POP3.
//
// Layout (manual: CONFIGURATION, "MailRoot structure" and USERDEF.TAB; MkUsers):
// each account folder domains/DOMAIN/USER (MailRoot-relative) holds either
//   mailbox/                 one file per message, nothing else, or
//   Maildir/{tmp,new,cur}/   one file per message in new/ (and cur/).
// XMail picks one layout for the whole server (manual: COMMAND LINE, -MM
// 'Maildir' delivery, the Unix default; -Mm 'mailbox' delivery). Here the
// layout is found per account (Maildir/ first, then mailbox/), so a MailRoot
// made either way works; the store's own layout is what create() makes.
//
// Message names (XMail 1.27 source, read not copied): local delivery names
// the stored file after the message's spool file, which MscUniqueFile named
// "MSTIME.TID.PID.SEQ.HOST" (milliseconds in decimal; thread id, process id
// and a per-process sequence in hex; the host name), in both layouts.
// append() makes names of that shape from a unique_name_source (clock,
// process and thread values, sequence) so a harness run is deterministic;
// append_as() takes the name from the caller (the spool file's name, as XMail
// does). The name is the message's id, and its POP3 UIDL (XMail gives the
// file name without the folder).
//
// Writes are durable and never torn (config/file_writer.hpp publish_new_file):
//   Maildir: the file is written in Maildir/tmp/NAME, fsynced, moved to
//            Maildir/new/NAME, and new/ fsynced (the Maildir convention;
//            XMail's Maildir module pairs tmp/ and new/ the same way);
//   mailbox: as XMail's local delivery, the file is written under a fresh
//            unique name in domains/DOMAIN/.tmp/ when that folder exists,
//            else in the MailRoot's tmp/, fsynced, then moved to
//            mailbox/NAME, and mailbox/ fsynced.
// A move never replaces a stored message: a generated name that is taken is
// replaced by the next one; a caller's name that is taken is an error.
//
// Listing (XMail's POP3 message list): mailbox/, or Maildir/new/ and then,
// only when asked (manual: USER.TAB VARIABLES, Pop3ScanCur), Maildir/cur/.
// Names starting with '.' and anything that is not a regular file are left
// out, as XMail does. XMail takes files in readdir order, which no
// filesystem defines; here each folder is in byte order of the names, which
// for XMail's names (the time first) is the order they were stored in.
//
// Size (manual: USER.TAB VARIABLES, MaxMBSize, in KB): usage() sums the
// regular files not starting with '.' in mailbox/, or in Maildir/new/ and
// Maildir/cur/ (not tmp/, which only holds writes in progress).
//
// Ids are checked before any path is made: 1 to 255 printable ASCII
// characters (0x21-0x7E, what a POP3 UIDL may hold), no '/', no "..", not
// starting with '.'; account folders are relative, with no empty, "." or ".."
// part and no NUL. Every failure is a value (mailbox_result), never an
// exception.
//
// The store is what sessions reach through requests (core/request.hpp): the
// SMTP session asks for the usage (MaxMBSize); delivery and POP3 use the rest.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "config/file_writer.hpp"
#include "core/env.hpp"
#include "core/request.hpp"

namespace mailflow::delivery {

enum class mailbox_layout { maildir, mailbox };
const char* layout_folder(mailbox_layout l);  // "Maildir" or "mailbox"

enum class mailbox_errc {
  ok,
  bad_folder,  // the account folder is not a plain MailRoot-relative path
  bad_id,      // the id is not a plain file name (see above)
  no_mailbox,  // the account folder has neither Maildir/ nor mailbox/
  not_found,   // no message with that id
  exists,      // append_as: a message with that id is stored (or being stored)
  too_large,   // read: the message is bigger than the caller's limit
  io_error,    // the filesystem refused (full disk, permissions, ...)
};
const char* errc_name(mailbox_errc c);  // "not-found", ...

template <class T>
struct mailbox_result {
  mailbox_errc code = mailbox_errc::ok;
  std::string error;  // for a person, when !ok(): "domains/a.net/u/Maildir/new/X: not found"
  T value{};
  bool ok() const { return code == mailbox_errc::ok; }
};
using mailbox_done = mailbox_result<std::monostate>;

struct stored_message {
  std::string id;          // the file name, also the POP3 UIDL
  std::uint64_t size = 0;  // bytes on disk (what POP3 LIST and STAT show)
};

// The unique parts of a name XMail makes (MscUniqueFile).
struct unique_name_parts {
  std::int64_t ms = 0;
  std::uint64_t thread_id = 0;
  std::uint64_t process_id = 0;
  std::uint64_t sequence = 0;
  std::string host;
};
// "MSTIME.TID.PID.SEQ.HOST": "1238906842000.1.3039.0.mx.hunet.jp".
std::string xmail_unique_name(const unique_name_parts& p);

class unique_name_source {
 public:
  virtual ~unique_name_source() = default;
  virtual unique_name_parts next() = 0;  // safe to call from several threads
};

// Time from a clock, fixed thread and process values, a sequence from 0 (as
// XMail's). With a manual_clock it makes the same names on every run. Our
// sequence is atomic, so one thread value serves every thread.
class counter_name_source final : public unique_name_source {
 public:
  counter_name_source(const mailflow::clock& clock, std::string host, std::uint64_t process_id = 1,
                      std::uint64_t thread_id = 1)
      : clock_(clock), host_(std::move(host)), process_id_(process_id), thread_id_(thread_id) {}
  unique_name_parts next() override;

 private:
  const mailflow::clock& clock_;
  std::string host_;
  std::uint64_t process_id_, thread_id_;
  std::atomic<std::uint64_t> sequence_{0};
};

// The host's clock, getpid() and gethostname() (serve).
unique_name_source& host_name_source();

bool valid_message_id(std::string_view id);
bool valid_account_folder(std::string_view folder);

// The operations, shared by both stores; the stores differ only in the folder
// primitives below, so the two behave the same by construction (and the
// tests check it).
class mailbox_store {
 public:
  mailbox_store(mailbox_layout create_layout, unique_name_source& names) : layout_(create_layout), names_(names) {}
  virtual ~mailbox_store() = default;

  mailbox_layout create_layout() const { return layout_; }

  // Whether the account folder has a mailbox, and the bytes stored in it
  // (summed only when `need_size`: it costs a directory walk).
  mailbox_usage usage(const std::string& account_folder, bool need_size);

  // The layout the account folder has, if any.
  std::optional<mailbox_layout> layout_of(const std::string& account_folder);

  // Makes the account's mailbox in the store's layout (the account folder
  // too) unless it has one; answers the layout it has.
  mailbox_result<mailbox_layout> create(const std::string& account_folder);

  // Stores a message under a new name; answers the name.
  mailbox_result<std::string> append(const std::string& account_folder, std::string_view message);
  // Stores a message under the caller's name (XMail: the spool file's name).
  mailbox_result<std::string> append_as(const std::string& account_folder, std::string_view id,
                                        std::string_view message);

  // The messages, in POP3 order; `scan_cur`: Maildir/cur/ too (Pop3ScanCur).
  // A name in both new/ and cur/ is listed once, from new/.
  mailbox_result<std::vector<stored_message>> list(const std::string& account_folder, bool scan_cur);

  // A message's bytes; too_large (and nothing read) past `max_bytes`.
  mailbox_result<std::string> read(const std::string& account_folder, std::string_view id, std::uint64_t max_bytes);

  mailbox_done remove(const std::string& account_folder, std::string_view id);

 protected:
  // Folder primitives. Paths are MailRoot-relative, '/'-separated, already
  // checked. A missing file is not_found; an EEXIST on publish is exists.
  struct file_entry {
    std::string name;
    std::uint64_t size = 0;
  };
  virtual bool is_folder(const std::string& path) = 0;
  virtual bool exists(const std::string& path) = 0;   // any kind of entry
  virtual bool is_file(const std::string& path) = 0;  // a regular file, not a symlink
  // The regular files (not symlinks) directly in `folder`, any name, any order.
  virtual mailbox_result<std::vector<file_entry>> files(const std::string& folder) = 0;
  virtual mailbox_result<std::string> read_file(const std::string& path, std::uint64_t max_bytes) = 0;
  virtual mailbox_done make_folders(const std::string& path) = 0;  // and its parents
  // A new file at `target` holding `bytes`, through `temp`, durable
  // (publish_new_file); nothing at `target` unless it succeeds.
  virtual mailbox_done publish(const std::string& temp, const std::string& target, std::string_view bytes) = 0;
  virtual mailbox_done remove_file(const std::string& path) = 0;  // durable

 private:
  mailbox_result<std::string> store(const std::string& account_folder, mailbox_layout layout, const std::string& id,
                                    std::string_view message);
  // The account's layout after checking the folder and the id (bad_folder, bad_id, no_mailbox).
  mailbox_result<mailbox_layout> checked_layout(const std::string& account_folder, std::string_view id);
  // Where a message with `id` is (Maildir: new/, then cur/); not_found otherwise.
  mailbox_result<std::string> locate(const std::string& account_folder, std::string_view id);

  mailbox_layout layout_;
  unique_name_source& names_;
};

// The store on disk, under a MailRoot.
class disk_mailbox_store final : public mailbox_store {
 public:
  explicit disk_mailbox_store(std::filesystem::path mailroot, mailbox_layout create_layout = mailbox_layout::maildir,
                              unique_name_source& names = host_name_source(),
                              config::file_ops& ops = config::default_file_ops())
      : mailbox_store(create_layout, names), root_(std::move(mailroot)), ops_(ops) {}

 protected:
  bool is_folder(const std::string& path) override;
  bool exists(const std::string& path) override;
  bool is_file(const std::string& path) override;
  mailbox_result<std::vector<file_entry>> files(const std::string& folder) override;
  mailbox_result<std::string> read_file(const std::string& path, std::uint64_t max_bytes) override;
  mailbox_done make_folders(const std::string& path) override;
  mailbox_done publish(const std::string& temp, const std::string& target, std::string_view bytes) override;
  mailbox_done remove_file(const std::string& path) override;

 private:
  std::filesystem::path root_;
  config::file_ops& ops_;
};

// What a memory store starts from: MailRoot-relative folders (with all their
// parents) and files. The harness reads a fixture's message store into one
// once, and starts every replay's store from a copy.
struct mailbox_image {
  std::set<std::string> folders;
  std::map<std::string, std::string> files;
  void add_folder(const std::string& path);              // and its parents
  void put_file(const std::string& path, std::string bytes);  // its folder too
  void remove_tree(const std::string& path);                  // a file, or a folder and all in it
};

// The store in memory (harness, tests): a MailRoot-relative tree of folders
// and files that answers exactly as the disk store does.
class memory_mailbox_store final : public mailbox_store {
 public:
  explicit memory_mailbox_store(mailbox_layout create_layout, unique_name_source& names, mailbox_image start = {})
      : mailbox_store(create_layout, names), tree_(std::move(start)) {}

  // What a fixture or another program put there: a folder (and its parents),
  // a file (its folder made too).
  void add_folder(const std::string& path);
  void put_file(const std::string& path, std::string bytes);
  bool has_file(const std::string& path) const;
  bool has_folder(const std::string& path) const;
  std::vector<std::string> file_names(const std::string& folder) const;  // directly in it, in name order
  bool fail_writes = false;  // every publish fails as a full disk would

 protected:
  bool is_folder(const std::string& path) override;
  bool exists(const std::string& path) override;
  bool is_file(const std::string& path) override;
  mailbox_result<std::vector<file_entry>> files(const std::string& folder) override;
  mailbox_result<std::string> read_file(const std::string& path, std::uint64_t max_bytes) override;
  mailbox_done make_folders(const std::string& path) override;
  mailbox_done publish(const std::string& temp, const std::string& target, std::string_view bytes) override;
  mailbox_done remove_file(const std::string& path) override;

 private:
  mutable std::mutex lock_;
  mailbox_image tree_;
};

}  // namespace mailflow::delivery
