// mailbox_store: the same behavioural checks run against the disk store and
// the memory store, in both layouts (Maildir/ and mailbox/): XMail's names,
// POP3 order, bounded reads, ids that cannot leave the account folder, the
// size MaxMBSize is checked against, and failures as values. Then what only
// the disk can show: files in their folders, symlinks, failing system calls.
#include <boost/test/unit_test.hpp>

#include <boost/mpl/list.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>

#include "../../config/tests/temp_dir.hpp"
#include "delivery/mailbox_store.hpp"

using namespace mailflow;
using namespace mailflow::delivery;
using mailflow::testing::temp_dir;
namespace fs = std::filesystem;

namespace {

constexpr std::int64_t t0 = 1238906842000;  // Sun, 5 Apr 2009 04:47:22 UTC
const std::string cop = "domains/hunet.jp/cop";

std::string name_at(std::int64_t ms, std::uint64_t seq) {
  return std::to_string(ms) + ".1.3039." + [&] {
    char b[32];
    std::snprintf(b, sizeof b, "%llx", static_cast<unsigned long long>(seq));
    return std::string(b);
  }() + ".mx.hunet.jp";
}

// A store with a MailRoot it can be inspected through.
struct disk_kind {
  static constexpr const char* name = "disk";
  temp_dir t;
  manual_clock clock{t0};
  counter_name_source names{clock, "mx.hunet.jp", 0x3039};
  std::unique_ptr<disk_mailbox_store> s;
  explicit disk_kind(mailbox_layout l) : s(std::make_unique<disk_mailbox_store>(t.path(), l, names)) {}
  mailbox_store& store() { return *s; }
  void put(const std::string& path, const std::string& bytes) { t.write(path, bytes); }
  void folder(const std::string& path) { t.mkdir(path); }
  bool has_file(const std::string& path) { return fs::is_regular_file(t.path() / path); }
  bool has_folder(const std::string& path) { return fs::is_directory(t.path() / path); }
  std::vector<std::string> files_in(const std::string& folder) {
    std::vector<std::string> out;
    std::error_code ec;
    for (auto& e : fs::directory_iterator(t.path() / folder, ec))
      if (e.is_regular_file()) out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }
};

struct memory_kind {
  static constexpr const char* name = "memory";
  manual_clock clock{t0};
  counter_name_source names{clock, "mx.hunet.jp", 0x3039};
  memory_mailbox_store s;
  explicit memory_kind(mailbox_layout l) : s(l, names) {}
  mailbox_store& store() { return s; }
  void put(const std::string& path, const std::string& bytes) { s.put_file(path, bytes); }
  void folder(const std::string& path) { s.add_folder(path); }
  bool has_file(const std::string& path) { return s.has_file(path); }
  bool has_folder(const std::string& path) { return s.has_folder(path); }
  std::vector<std::string> files_in(const std::string& folder) { return s.file_names(folder); }
};

using kinds = boost::mpl::list<disk_kind, memory_kind>;
constexpr mailbox_layout layouts[] = {mailbox_layout::maildir, mailbox_layout::mailbox};

// Where a layout keeps a new message.
std::string stored_at(mailbox_layout l, const std::string& id) {
  return cop + (l == mailbox_layout::maildir ? "/Maildir/new/" : "/mailbox/") + id;
}

std::vector<std::string> ids(const std::vector<stored_message>& v) {
  std::vector<std::string> out;
  for (auto& m : v) out.push_back(m.id);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(names_have_xmail_unique_file_shape) {
  BOOST_TEST(xmail_unique_name({t0, 1, 0x3039, 10, "mx.hunet.jp"}) == "1238906842000.1.3039.a.mx.hunet.jp");
  manual_clock clock(t0);
  counter_name_source names(clock, "mx", 7, 2);
  auto a = names.next();
  clock.advance_ms(5);
  auto b = names.next();
  BOOST_TEST(xmail_unique_name(a) == "1238906842000.2.7.0.mx");
  BOOST_TEST(xmail_unique_name(b) == "1238906842005.2.7.1.mx");
}

BOOST_AUTO_TEST_CASE(ids_and_folders_that_could_leave_the_account_are_refused) {
  for (std::string bad : {std::string(""), std::string("."), std::string(".."), std::string("../x"),
                          std::string("a/b"), std::string("a..b"), std::string(".hidden"), std::string("a\0b", 3),
                          std::string("a b"), std::string("tab\t"), std::string("\x7f"), std::string("caf\xc3\xa9"),
                          std::string(256, 'x')})
    BOOST_TEST(!valid_message_id(bad), "id " << bad);
  for (std::string good : {std::string("1238906842000.1.3039.0.mx.hunet.jp"), std::string("a"),
                           std::string("x:2,S"), std::string(255, 'x')})
    BOOST_TEST(valid_message_id(good), "id " << good);
  for (std::string bad : {std::string(""), std::string("/etc"), std::string("domains/../x"),
                          std::string("domains//u"), std::string("domains/a/u/"), std::string("./domains"),
                          std::string("domains/a/..")})
    BOOST_TEST(!valid_account_folder(bad), "folder " << bad);
  BOOST_TEST(valid_account_folder(cop));
}

BOOST_AUTO_TEST_CASE_TEMPLATE(create_makes_the_layout_or_keeps_the_one_there, K, kinds) {
  for (auto l : layouts) {
    K k(l);
    BOOST_TEST(!k.store().usage(cop, false).exists);
    auto r = k.store().create(cop);
    BOOST_REQUIRE(r.ok());
    BOOST_TEST((r.value == l));
    if (l == mailbox_layout::maildir)
      for (auto sub : {"/Maildir/tmp", "/Maildir/new", "/Maildir/cur"}) BOOST_TEST(k.has_folder(cop + sub));
    else
      BOOST_TEST(k.has_folder(cop + "/mailbox"));
    BOOST_TEST(k.store().usage(cop, true).exists);

    // An account made the other way keeps its layout.
    auto other = l == mailbox_layout::maildir ? "domains/hunet.jp/old/mailbox" : "domains/hunet.jp/old/Maildir";
    k.folder(other);
    auto kept = k.store().create("domains/hunet.jp/old");
    BOOST_REQUIRE(kept.ok());
    BOOST_TEST((kept.value != l));
    BOOST_TEST(!k.has_folder(std::string("domains/hunet.jp/old/") + layout_folder(l)));
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(append_list_read_remove, K, kinds) {
  for (auto l : layouts) {
    BOOST_TEST_CONTEXT(K::name << " " << layout_folder(l)) {
      K k(l);
      BOOST_REQUIRE(k.store().create(cop).ok());
      std::vector<std::string> stored;
      for (std::string text : {"Subject: 1\r\n\r\none\r\n", "Subject: 2\r\n\r\ntwo!\r\n", "Subject: 3\r\n\r\n3\r\n"}) {
        auto r = k.store().append(cop, text);
        BOOST_REQUIRE(r.ok());
        stored.push_back(r.value);
        BOOST_TEST(k.has_file(stored_at(l, r.value)));
        k.clock.advance_ms(1000);
      }
      // Deterministic names. A mailbox/ message also takes a name for its temporary file (as XMail's does).
      int step = l == mailbox_layout::maildir ? 1 : 2;
      BOOST_TEST(stored[0] == name_at(t0, 0));
      BOOST_TEST(stored[1] == name_at(t0 + 1000, step));
      BOOST_TEST(stored[2] == name_at(t0 + 2000, 2 * step));
      // Nothing left where the files were written.
      if (l == mailbox_layout::maildir)
        BOOST_TEST(k.files_in(cop + "/Maildir/tmp").empty());
      else
        BOOST_TEST(k.files_in("tmp").empty());

      auto listed = k.store().list(cop, false);
      BOOST_REQUIRE(listed.ok());
      BOOST_TEST(ids(listed.value) == stored);
      BOOST_TEST(listed.value[1].size == std::string("Subject: 2\r\n\r\ntwo!\r\n").size());

      auto got = k.store().read(cop, stored[1], 1 << 20);
      BOOST_REQUIRE(got.ok());
      BOOST_TEST(got.value == "Subject: 2\r\n\r\ntwo!\r\n");

      BOOST_TEST(k.store().remove(cop, stored[1]).ok());
      BOOST_TEST(!k.has_file(stored_at(l, stored[1])));
      BOOST_TEST(ids(k.store().list(cop, true).value) == (std::vector<std::string>{stored[0], stored[2]}));
      BOOST_TEST((k.store().read(cop, stored[1], 1 << 20).code == mailbox_errc::not_found));
      BOOST_TEST((k.store().remove(cop, stored[1]).code == mailbox_errc::not_found));
    }
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(list_is_pop3_order_new_then_cur, K, kinds) {
  for (auto l : layouts) {
    BOOST_TEST_CONTEXT(K::name << " " << layout_folder(l)) {
      K k(l);
      BOOST_REQUIRE(k.store().create(cop).ok());
      std::string box = cop + (l == mailbox_layout::maildir ? "/Maildir/new/" : "/mailbox/");
      for (auto n : {"1238906842300.1.1.2.mx", "1238906842100.1.1.0.mx", "1238906842200.1.1.1.mx"})
        k.put(box + n, n);
      k.put(box + ".hidden", "a dot file is not a message");
      k.put(box + "has space", "not a name XMail makes: cannot be a UIDL");
      k.folder(box + "subfolder");
      k.put(box + "subfolder/deep", "not in the list");
      std::vector<std::string> in_order{"1238906842100.1.1.0.mx", "1238906842200.1.1.1.mx", "1238906842300.1.1.2.mx"};
      BOOST_TEST(ids(k.store().list(cop, false).value) == in_order);
      if (l == mailbox_layout::maildir) {
        k.put(cop + "/Maildir/cur/1238906842000.1.1.9.mx:2,S", "read");
        k.put(cop + "/Maildir/cur/1238906842100.1.1.0.mx", "also in new/: listed once");
        k.put(cop + "/Maildir/tmp/1238906842999.1.1.8.mx", "being written");
        BOOST_TEST(ids(k.store().list(cop, false).value) == in_order);  // Pop3ScanCur 0
        auto with_cur = in_order;
        with_cur.push_back("1238906842000.1.1.9.mx:2,S");
        auto listed = k.store().list(cop, true);
        BOOST_TEST(ids(listed.value) == with_cur);
        BOOST_TEST(listed.value[0].size == std::string("1238906842100.1.1.0.mx").size());  // the one in new/
        // A message in cur/ is read and removed like one in new/.
        BOOST_TEST(k.store().read(cop, "1238906842000.1.1.9.mx:2,S", 100).value == "read");
        BOOST_TEST(k.store().remove(cop, "1238906842000.1.1.9.mx:2,S").ok());
        BOOST_TEST(ids(k.store().list(cop, true).value) == in_order);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(usage_is_what_maxmbsize_is_checked_against, K, kinds) {
  for (auto l : layouts) {
    BOOST_TEST_CONTEXT(K::name << " " << layout_folder(l)) {
      K k(l);
      BOOST_TEST(!k.store().usage(cop, true).exists);
      BOOST_REQUIRE(k.store().create(cop).ok());
      BOOST_TEST(k.store().usage(cop, true).bytes == 0u);
      auto a = k.store().append(cop, std::string(1000, 'a'));
      auto b = k.store().append(cop, std::string(24, 'b'));
      BOOST_REQUIRE((a.ok() && b.ok()));
      BOOST_TEST(k.store().usage(cop, true).bytes == 1024u);
      BOOST_TEST(k.store().usage(cop, false).bytes == 0u);  // not summed unless asked
      BOOST_TEST(k.store().usage(cop, false).exists);
      std::string box = cop + (l == mailbox_layout::maildir ? "/Maildir/new/" : "/mailbox/");
      k.put(box + ".dot", std::string(500, 'd'));  // not counted
      if (l == mailbox_layout::maildir) {
        k.put(cop + "/Maildir/cur/seen", std::string(100, 'c'));  // counted, listed or not
        k.put(cop + "/Maildir/tmp/writing", std::string(300, 't'));  // not counted
        BOOST_TEST(k.store().usage(cop, true).bytes == 1124u);
        BOOST_TEST(k.store().remove(cop, "seen").ok());
      }
      BOOST_TEST(k.store().usage(cop, true).bytes == 1024u);
      std::uint64_t listed = 0;
      for (auto& m : k.store().list(cop, true).value) listed += m.size;
      BOOST_TEST(listed == 1024u);
      BOOST_TEST(k.store().remove(cop, a.value).ok());
      BOOST_TEST(k.store().usage(cop, true).bytes == 24u);
    }
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(reads_are_bounded_by_the_caller, K, kinds) {
  for (auto l : layouts) {
    K k(l);
    BOOST_REQUIRE(k.store().create(cop).ok());
    auto id = k.store().append(cop, std::string(100, 'x')).value;
    auto big = k.store().read(cop, id, 99);
    BOOST_TEST((big.code == mailbox_errc::too_large));
    BOOST_TEST(big.value.empty());
    BOOST_TEST(big.error.find("100 bytes") != std::string::npos);
    BOOST_TEST(k.store().read(cop, id, 100).value == std::string(100, 'x'));
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(bad_ids_and_folders_touch_nothing, K, kinds) {
  for (auto l : layouts) {
    BOOST_TEST_CONTEXT(K::name << " " << layout_folder(l)) {
      K k(l);
      BOOST_REQUIRE(k.store().create(cop).ok());
      k.put("domains/hunet.jp/secret", "outside the account");
      k.put(cop + "/user.tab", "\"MaxMBSize\"\t\"10\"\n");
      for (std::string bad : {std::string("../secret"), std::string("../../hunet.jp/secret"), std::string(".."),
                              std::string("../user.tab"), std::string("new/x"), std::string("a\0b", 3),
                              std::string("")}) {
        BOOST_TEST((k.store().read(cop, bad, 1 << 20).code == mailbox_errc::bad_id));
        BOOST_TEST((k.store().remove(cop, bad).code == mailbox_errc::bad_id));
        BOOST_TEST((k.store().append_as(cop, bad, "x").code == mailbox_errc::bad_id));
      }
      BOOST_TEST(k.has_file("domains/hunet.jp/secret"));
      BOOST_TEST(k.has_file(cop + "/user.tab"));
      for (std::string bad : {std::string("domains/hunet.jp/cop/.."), std::string("/tmp"), std::string("")}) {
        BOOST_TEST((k.store().append(bad, "x").code == mailbox_errc::bad_folder));
        BOOST_TEST((k.store().list(bad, true).code == mailbox_errc::bad_folder));
        BOOST_TEST((k.store().read(bad, "x", 10).code == mailbox_errc::bad_folder));
        BOOST_TEST((k.store().remove(bad, "x").code == mailbox_errc::bad_folder));
        BOOST_TEST((k.store().create(bad).code == mailbox_errc::bad_folder));
      }
      BOOST_TEST(k.store().list(cop, true).value.empty());
    }
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(an_account_without_a_mailbox_says_so, K, kinds) {
  K k(mailbox_layout::maildir);
  k.folder(cop);
  auto a = k.store().append(cop, "x");
  BOOST_TEST((a.code == mailbox_errc::no_mailbox));
  BOOST_TEST(a.error == cop + " has neither Maildir/ nor mailbox/");
  BOOST_TEST((k.store().list(cop, false).code == mailbox_errc::no_mailbox));
  BOOST_TEST((k.store().read(cop, "x", 1).code == mailbox_errc::no_mailbox));
  BOOST_TEST((k.store().remove(cop, "x").code == mailbox_errc::no_mailbox));
  BOOST_TEST((k.store().append_as(cop, "x", "x").code == mailbox_errc::no_mailbox));
  BOOST_TEST(k.files_in(cop).empty());
}

BOOST_AUTO_TEST_CASE_TEMPLATE(a_callers_name_is_kept_and_never_stored_twice, K, kinds) {
  for (auto l : layouts) {
    BOOST_TEST_CONTEXT(K::name << " " << layout_folder(l)) {
      K k(l);
      BOOST_REQUIRE(k.store().create(cop).ok());
      const std::string spool_name = "1238906842000.7f3a.3039.0.mx.hunet.jp";
      auto r = k.store().append_as(cop, spool_name, "first");
      BOOST_REQUIRE(r.ok());
      BOOST_TEST(r.value == spool_name);
      auto again = k.store().append_as(cop, spool_name, "second");
      BOOST_TEST((again.code == mailbox_errc::exists));
      BOOST_TEST(k.store().read(cop, spool_name, 100).value == "first");
      if (l == mailbox_layout::maildir) {
        k.put(cop + "/Maildir/cur/seen-already", "in cur/");
        BOOST_TEST((k.store().append_as(cop, "seen-already", "x").code == mailbox_errc::exists));
        BOOST_TEST(k.files_in(cop + "/Maildir/new") == std::vector<std::string>{spool_name});
      }
    }
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(a_taken_generated_name_gives_way_to_the_next, K, kinds) {
  for (auto l : layouts) {
    BOOST_TEST_CONTEXT(K::name << " " << layout_folder(l)) {
      K k(l);
      BOOST_REQUIRE(k.store().create(cop).ok());
      k.put(stored_at(l, name_at(t0, 0)), "there before");
      if (l == mailbox_layout::maildir) k.put(cop + "/Maildir/tmp/" + name_at(t0, 1), "being written by another");
      auto r = k.store().append(cop, "mine");
      BOOST_REQUIRE(r.ok());
      BOOST_TEST(r.value == name_at(t0, l == mailbox_layout::maildir ? 2 : 1));
      BOOST_TEST(k.store().read(cop, name_at(t0, 0), 100).value == "there before");
      BOOST_TEST(k.store().read(cop, r.value, 100).value == "mine");
    }
  }
}

BOOST_AUTO_TEST_CASE_TEMPLATE(writes_go_where_xmail_puts_them, K, kinds) {
  // Maildir: a missing tmp/ is made (XMail itself never writes there).
  {
    K k(mailbox_layout::maildir);
    k.folder(cop + "/Maildir/new");
    BOOST_TEST(k.store().append(cop, "x").ok());
    BOOST_TEST(k.has_folder(cop + "/Maildir/tmp"));
    // ... but without new/ the message has nowhere to go, and nothing is left behind.
    k.folder("domains/hunet.jp/nonew/Maildir/tmp");
    auto r = k.store().append("domains/hunet.jp/nonew", "x");
    BOOST_TEST((r.code == mailbox_errc::io_error));
    BOOST_TEST(k.files_in("domains/hunet.jp/nonew/Maildir/tmp").empty());
  }
  // mailbox/: the domain's .tmp/ when there is one, else the MailRoot's tmp/.
  {
    K k(mailbox_layout::mailbox);
    BOOST_REQUIRE(k.store().create(cop).ok());
    BOOST_TEST(!k.has_folder("tmp"));
    BOOST_TEST(k.store().append(cop, "x").ok());
    BOOST_TEST(k.has_folder("tmp"));
    BOOST_TEST(k.files_in("tmp").empty());
    K d(mailbox_layout::mailbox);
    BOOST_REQUIRE(d.store().create(cop).ok());
    d.folder("domains/hunet.jp/.tmp");
    BOOST_TEST(d.store().append(cop, "x").ok());
    BOOST_TEST(!d.has_folder("tmp"));
    BOOST_TEST(d.files_in("domains/hunet.jp/.tmp").empty());
  }
}

// ---- The memory store's full disk; the disk store's own cases.

BOOST_AUTO_TEST_CASE(a_full_memory_store_fails_as_a_value) {
  memory_kind k(mailbox_layout::maildir);
  BOOST_REQUIRE(k.store().create(cop).ok());
  k.s.fail_writes = true;
  auto r = k.store().append(cop, "x");
  BOOST_TEST((r.code == mailbox_errc::io_error));
  BOOST_TEST(r.error.find("No space left on device") != std::string::npos);
  BOOST_TEST(k.store().list(cop, true).value.empty());
  BOOST_TEST(k.store().usage(cop, true).bytes == 0u);
}

namespace {

// Fails one kind of call with ENOSPC.
class failing_ops final : public config::file_ops {
 public:
  enum class call { none, write, fsync, rename, fsync_dir, unlink };
  explicit failing_ops(call which) : which_(which) {}
  int open_new(const fs::path& p, mode_t m) override { return real_.open_new(p, m); }
  ssize_t write(int fd, const char* d, std::size_t n) override { return fail(call::write) ? -1 : real_.write(fd, d, n); }
  int fsync(int fd) override { return fail(call::fsync) ? -1 : real_.fsync(fd); }
  int close(int fd) override { return real_.close(fd); }
  int rename(const fs::path& a, const fs::path& b) override { return fail(call::rename) ? -1 : real_.rename(a, b); }
  int rename_noreplace(const fs::path& a, const fs::path& b) override {
    return fail(call::rename) ? -1 : real_.rename_noreplace(a, b);
  }
  int fsync_dir(const fs::path& d) override { return fail(call::fsync_dir) ? -1 : real_.fsync_dir(d); }
  int unlink(const fs::path& p) override { return fail(call::unlink) ? -1 : real_.unlink(p); }
  call which_;

 private:
  bool fail(call c) {
    if (c != which_) return false;
    errno = ENOSPC;
    return true;
  }
  config::posix_file_ops real_;
};

}  // namespace

BOOST_AUTO_TEST_CASE(every_failing_system_call_is_an_error_and_leaves_no_message) {
  using call = failing_ops::call;
  for (auto l : layouts) {
    for (auto which : {call::write, call::fsync, call::rename, call::fsync_dir}) {
      temp_dir t;
      manual_clock clock(t0);
      counter_name_source names(clock, "mx");
      failing_ops ops(which);
      disk_mailbox_store store(t.path(), l, names, ops);
      BOOST_REQUIRE(store.create(cop).ok());
      auto r = store.append(cop, std::string(10000, 'm'));
      BOOST_TEST((r.code == mailbox_errc::io_error));
      BOOST_TEST(r.error.find("No space left on device") != std::string::npos);
      ops.which_ = call::none;
      BOOST_TEST(store.list(cop, true).value.empty());
      BOOST_TEST(store.usage(cop, true).bytes == 0u);
      auto temp = l == mailbox_layout::maildir ? t.path() / cop / "Maildir/tmp" : t.path() / "tmp";
      BOOST_TEST(fs::is_empty(temp));
    }
  }
}

BOOST_AUTO_TEST_CASE(a_failed_removal_is_an_error) {
  temp_dir t;
  manual_clock clock(t0);
  counter_name_source names(clock, "mx");
  failing_ops ops(failing_ops::call::none);
  disk_mailbox_store store(t.path(), mailbox_layout::maildir, names, ops);
  BOOST_REQUIRE(store.create(cop).ok());
  auto id = store.append(cop, "x").value;
  ops.which_ = failing_ops::call::unlink;
  BOOST_TEST((store.remove(cop, id).code == mailbox_errc::io_error));
  BOOST_TEST(store.list(cop, false).value.size() == 1u);
  ops.which_ = failing_ops::call::fsync_dir;
  auto r = store.remove(cop, id);
  BOOST_TEST((r.code == mailbox_errc::io_error));  // gone, but not yet durable: said so
  BOOST_TEST(r.error.find("not yet durable") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(disk_messages_are_private_files_in_their_folders) {
  disk_kind k(mailbox_layout::maildir);
  BOOST_REQUIRE(k.store().create(cop).ok());
  auto id = k.store().append(cop, "Subject: x\r\n\r\nx\r\n").value;
  auto p = k.t.path() / cop / "Maildir/new" / id;
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  BOOST_TEST(ss.str() == "Subject: x\r\n\r\nx\r\n");
  BOOST_TEST(((fs::status(p).permissions() & fs::perms::all) == (fs::perms::owner_read | fs::perms::owner_write)));
}

BOOST_AUTO_TEST_CASE(a_symlink_in_the_mailbox_is_not_a_message) {
  disk_kind k(mailbox_layout::mailbox);
  BOOST_REQUIRE(k.store().create(cop).ok());
  k.put("secret", "outside");
  fs::create_symlink(k.t.path() / "secret", k.t.path() / cop / "mailbox/link");
  BOOST_TEST(k.store().list(cop, true).value.empty());
  BOOST_TEST((k.store().read(cop, "link", 100).code == mailbox_errc::not_found));
  BOOST_TEST((k.store().remove(cop, "link").code == mailbox_errc::not_found));
  BOOST_TEST(k.store().usage(cop, true).bytes == 0u);
  BOOST_TEST(fs::is_symlink(k.t.path() / cop / "mailbox/link"));
}

BOOST_AUTO_TEST_CASE(usage_answers_as_before_for_fixture_mailroots) {
  // What the SMTP session's MaxMBSize check saw before the store grew: either folder, new/ + cur/, no dot files.
  temp_dir t;
  t.write("domains/a.net/md/Maildir/new/1", std::string(10, 'x'));
  t.write("domains/a.net/md/Maildir/cur/2", std::string(5, 'x'));
  t.write("domains/a.net/md/Maildir/new/.3", std::string(7, 'x'));
  t.mkdir("domains/a.net/md/Maildir/tmp");
  t.write("domains/a.net/mb/mailbox/1", std::string(3, 'x'));
  t.mkdir("domains/a.net/none");
  t.mkdir("domains/a.net/bare/Maildir");  // no new/ or cur/: exists, holds nothing
  disk_mailbox_store store(t.path());
  BOOST_TEST(store.usage("domains/a.net/md", true).bytes == 15u);
  BOOST_TEST(store.usage("domains/a.net/mb", true).bytes == 3u);
  BOOST_TEST(!store.usage("domains/a.net/none", true).exists);
  BOOST_TEST(store.usage("domains/a.net/bare", true).exists);
  BOOST_TEST(store.usage("domains/a.net/bare", true).bytes == 0u);
  BOOST_TEST(!store.usage("domains/a.net/missing", false).exists);
}
