// The editable MailRoot: tab_document keeps what it does not edit,
// replace_file never leaves a torn file, mailroot_store publishes snapshots.
#include <boost/test/unit_test.hpp>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

#include "config/mailroot_store.hpp"
#include "temp_dir.hpp"

using namespace mailflow;
using namespace mailflow::config;
using mailflow::testing::temp_dir;

namespace {

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

auto key_is(std::string domain, std::string alias) {
  return [domain, alias](const std::vector<std::string>& f) {
    return f.size() >= 2 && f[0] == domain && f[1] == alias;
  };
}

// Fails the n-th call of one kind (0 = never), as a full disk or a dying disk would.
class failing_ops final : public file_ops {
 public:
  enum class call { open, write, fsync, close, rename, fsync_dir };
  failing_ops(call which, int errno_value) : which_(which), errno_(errno_value) {}
  int open_new(const std::filesystem::path& p, mode_t m) override { return fail(call::open) ? -1 : real_.open_new(p, m); }
  ssize_t write(int fd, const char* d, std::size_t n) override {
    // A short write first, so the loop is exercised before the failure.
    if (which_ == call::write && n > 1 && !short_done_) {
      short_done_ = true;
      return real_.write(fd, d, n / 2);
    }
    return fail(call::write) ? -1 : real_.write(fd, d, n);
  }
  int fsync(int fd) override { return fail(call::fsync) ? -1 : real_.fsync(fd); }
  int close(int fd) override {
    int rc = real_.close(fd);  // the descriptor is gone either way, as with close(2)
    return fail(call::close) ? -1 : rc;
  }
  int rename(const std::filesystem::path& a, const std::filesystem::path& b) override {
    return fail(call::rename) ? -1 : real_.rename(a, b);
  }
  int rename_noreplace(const std::filesystem::path& a, const std::filesystem::path& b) override {
    return fail(call::rename) ? -1 : real_.rename_noreplace(a, b);
  }
  int fsync_dir(const std::filesystem::path& d) override { return fail(call::fsync_dir) ? -1 : real_.fsync_dir(d); }
  int unlink(const std::filesystem::path& p) override { return real_.unlink(p); }

 private:
  bool fail(call c) {
    if (c != which_) return false;
    errno = errno_;
    return true;
  }
  posix_file_ops real_;
  call which_;
  int errno_;
  bool short_done_ = false;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(tab_document_tests)

BOOST_AUTO_TEST_CASE(unchanged_document_is_byte_identical) {
  for (std::string text : {std::string("# c\n\"a\"\t\"b\"\n\n\"bad\tline\n\"c\"\t\"d\""),
                           std::string("\"a\"\t\"b\"\r\n# crlf\r\n"), std::string(""), std::string("\n\n")}) {
    BOOST_TEST(tab_document::parse(text).text() == text);
  }
}

BOOST_AUTO_TEST_CASE(edits_keep_comments_order_and_line_ending) {
  auto d = tab_document::parse("# aliases\r\n\"a.net\"\t\"x\"\t\"u1\"\r\n# keep me\r\n\"a.net\"\t\"y\"\t\"u2\"\r\n");
  std::string error;
  BOOST_TEST(d.replace(key_is("a.net", "x"), {{"a.net"}, {"x"}, {"u9"}}, error) == 1u);
  BOOST_TEST(d.append({{"b.net"}, {"z"}, {"u3"}}, error));
  BOOST_TEST(d.remove(key_is("a.net", "y")) == 1u);
  BOOST_TEST(d.text() ==
             "# aliases\r\n\"a.net\"\t\"x\"\t\"u9\"\r\n# keep me\r\n\"b.net\"\t\"z\"\t\"u3\"\r\n");
  BOOST_TEST(d.records().size() == 2u);
  BOOST_TEST(d.records()[1][2] == "u3");
}

BOOST_AUTO_TEST_CASE(append_to_a_file_without_final_newline) {
  auto d = tab_document::parse("\"a\"");
  std::string error;
  BOOST_TEST(d.append({{"b"}, {"7", false}}, error));
  BOOST_TEST(d.text() == "\"a\"\n\"b\"\t7\n");
}

BOOST_AUTO_TEST_CASE(values_that_would_split_a_record_are_refused) {
  auto d = tab_document::parse("");
  for (std::string bad : {std::string("a\tb"), std::string("a\nb"), std::string("a\rb"), std::string("a\"b"),
                          std::string("a\0b", 3)}) {
    std::string error;
    BOOST_TEST(!d.append({{"x"}, {bad}}, error));
    BOOST_TEST(error.find("field 2") != std::string::npos);
  }
  BOOST_TEST(d.text() == "");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(replace_file_tests)

BOOST_AUTO_TEST_CASE(replaces_and_keeps_permissions) {
  temp_dir t;
  t.write("mailusers.tab", "old\n");
  ::chmod((t.path() / "mailusers.tab").c_str(), 0640);
  auto out = replace_file(default_file_ops(), t.path() / "mailusers.tab", "new\n");
  BOOST_TEST(out.ok());
  BOOST_TEST(slurp(t.path() / "mailusers.tab") == "new\n");
  struct stat st {};
  ::stat((t.path() / "mailusers.tab").c_str(), &st);
  BOOST_TEST((st.st_mode & 07777) == 0640u);
  BOOST_TEST(std::distance(std::filesystem::directory_iterator(t.path()), {}) == 1);  // no temp left
}

BOOST_AUTO_TEST_CASE(a_new_file_is_private) {
  temp_dir t;
  BOOST_TEST(replace_file(default_file_ops(), t.path() / "ctrlaccounts.tab", "x\n").ok());
  struct stat st {};
  ::stat((t.path() / "ctrlaccounts.tab").c_str(), &st);
  BOOST_TEST((st.st_mode & 07777) == 0600u);
}

BOOST_AUTO_TEST_CASE(a_stale_temp_file_is_replaced) {
  temp_dir t;
  t.write("aliases.tab", "old\n");
  t.write(".aliases.tab.mailflow-new", "half a file from a crash");
  BOOST_TEST(replace_file(default_file_ops(), t.path() / "aliases.tab", "new\n").ok());
  BOOST_TEST(slurp(t.path() / "aliases.tab") == "new\n");
  BOOST_TEST(!std::filesystem::exists(t.path() / ".aliases.tab.mailflow-new"));
}

BOOST_AUTO_TEST_CASE(each_failing_call_leaves_the_old_file_or_the_new_one_whole) {
  using call = failing_ops::call;
  std::string old_text(100000, 'o'), new_text(150000, 'n');
  struct expectation {
    call which;
    bool new_file;  // after the failure the new text is in place (the rename happened)
  };
  for (auto [which, new_file] : {expectation{call::open, false}, expectation{call::write, false},
                                 expectation{call::fsync, false}, expectation{call::close, false},
                                 expectation{call::rename, false}, expectation{call::fsync_dir, true}}) {
    for (int err : {ENOSPC, EIO}) {
      temp_dir t;
      t.write("aliases.tab", old_text);
      failing_ops ops(which, err);
      auto out = replace_file(ops, t.path() / "aliases.tab", new_text);
      BOOST_TEST(!out.ok());
      BOOST_TEST(out.replaced == new_file);
      BOOST_TEST(!out.error.empty());
      BOOST_TEST(slurp(t.path() / "aliases.tab") == (new_file ? new_text : old_text));
      BOOST_TEST(std::distance(std::filesystem::directory_iterator(t.path()), {}) == 1);
    }
  }
}

BOOST_AUTO_TEST_CASE(publish_moves_a_new_file_into_place_and_never_over_another) {
  temp_dir t;
  t.mkdir("tmp");
  t.mkdir("new");
  auto out = publish_new_file(default_file_ops(), t.path() / "tmp/m1", t.path() / "new/m1", "first", 0600);
  BOOST_TEST(out.ok());
  BOOST_TEST(slurp(t.path() / "new/m1") == "first");
  BOOST_TEST(std::filesystem::is_empty(t.path() / "tmp"));

  // The name is taken: EEXIST, the stored file untouched, nothing left in tmp/.
  out = publish_new_file(default_file_ops(), t.path() / "tmp/m1", t.path() / "new/m1", "second", 0600);
  BOOST_TEST(!out.ok());
  BOOST_TEST(!out.replaced);
  BOOST_TEST(out.error_number == EEXIST);
  BOOST_TEST(slurp(t.path() / "new/m1") == "first");
  BOOST_TEST(std::filesystem::is_empty(t.path() / "tmp"));

  // A temporary name another writer holds is not taken over either.
  t.write("tmp/m2", "in flight");
  out = publish_new_file(default_file_ops(), t.path() / "tmp/m2", t.path() / "new/m2", "mine", 0600);
  BOOST_TEST(out.error_number == EEXIST);
  BOOST_TEST(slurp(t.path() / "tmp/m2") == "in flight");
  BOOST_TEST(!std::filesystem::exists(t.path() / "new/m2"));
}

BOOST_AUTO_TEST_CASE(each_failing_call_of_a_publication_leaves_nothing_or_the_whole_file) {
  using call = failing_ops::call;
  std::string text(150000, 'n');
  for (auto which : {call::open, call::write, call::fsync, call::close, call::rename, call::fsync_dir}) {
    temp_dir t;
    t.mkdir("tmp");
    t.mkdir("new");
    failing_ops ops(which, ENOSPC);
    auto out = publish_new_file(ops, t.path() / "tmp/m", t.path() / "new/m", text, 0600);
    BOOST_TEST(!out.ok());
    BOOST_TEST(out.error_number == ENOSPC);
    BOOST_TEST(out.replaced == (which == call::fsync_dir));
    BOOST_TEST(std::filesystem::is_empty(t.path() / "tmp"));
    if (which == call::fsync_dir)
      BOOST_TEST(slurp(t.path() / "new/m") == text);
    else
      BOOST_TEST(std::filesystem::is_empty(t.path() / "new"));
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(mailroot_store_tests)

BOOST_AUTO_TEST_CASE(a_pinned_snapshot_keeps_its_answer_and_the_next_sees_the_edit) {
  temp_dir t;
  t.write("domains.tab", "\"a.net\"\n");
  t.write("mailusers.tab", "\"a.net\"\t\"u1\"\t\"00\"\t1\t\"u1\"\t\"U\"\n");
  t.write("aliases.tab", "# the aliases\n\"a.net\"\t\"info\"\t\"u1\"\n");
  diagnostic_list d;
  mailroot_store store(t.path(), d);
  BOOST_TEST(d.error_count() == 0u);
  auto pinned = store.current();
  BOOST_TEST(pinned->find_alias("info", "a.net")->target == "u1");

  auto r = store.edit("aliases.tab", [](tab_document& doc, std::string& error) {
    return doc.replace(key_is("a.net", "info"), {{"a.net"}, {"info"}, {"u2"}}, error) == 1;
  });
  BOOST_TEST(r.ok);
  BOOST_TEST(r.written);
  BOOST_TEST(store.generation() == 2u);
  BOOST_TEST(pinned->find_alias("info", "a.net")->target == "u1");
  BOOST_TEST(store.current()->find_alias("info", "a.net")->target == "u2");
  BOOST_TEST(slurp(t.path() / "aliases.tab") == "# the aliases\n\"a.net\"\t\"info\"\t\"u2\"\n");
  // The tables the edit did not touch are shared, not parsed again.
  BOOST_TEST(&pinned->accounts() == &store.current()->accounts());
  BOOST_TEST(&pinned->aliases() != &store.current()->aliases());
}

BOOST_AUTO_TEST_CASE(a_refused_or_failed_edit_publishes_nothing) {
  temp_dir t;
  t.write("aliases.tab", "\"a.net\"\t\"info\"\t\"u1\"\n");
  diagnostic_list d;
  failing_ops ops(failing_ops::call::rename, EIO);
  mailroot_store store(t.path(), d, ops);
  auto before = store.current();
  auto r = store.edit("aliases.tab", [](tab_document& doc, std::string& error) {
    return doc.append({{"a.net"}, {"x\ty"}, {"u"}}, error);
  });
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.error.find("field 2") != std::string::npos);
  r = store.edit("aliases.tab", [](tab_document& doc, std::string& error) {
    return doc.append({{"a.net"}, {"sales"}, {"u1"}}, error);
  });
  BOOST_TEST(!r.ok);
  BOOST_TEST(!r.written);
  BOOST_TEST(r.error.find("rename") != std::string::npos);
  BOOST_TEST(store.current() == before);
  BOOST_TEST(store.generation() == 1u);
  BOOST_TEST(slurp(t.path() / "aliases.tab") == "\"a.net\"\t\"info\"\t\"u1\"\n");
}

BOOST_AUTO_TEST_CASE(per_account_files_belong_to_their_snapshot) {
  temp_dir t;
  t.write("domains.tab", "\"a.net\"\n");
  t.write("mailusers.tab", "\"a.net\"\t\"u1\"\t\"00\"\t1\t\"u1\"\t\"U\"\n");
  t.write("domains/a.net/u1/user.tab", "\"MaxMBSize\"\t\"10\"\n");
  diagnostic_list d;
  mailroot_store store(t.path(), d);
  auto pinned = store.current();
  auto* a = pinned->find_account("u1", "a.net");
  BOOST_TEST(pinned->account_data(*a)->number("MaxMBSize", 0) == 10);
  auto r = store.edit("domains/a.net/u1/user.tab", [](tab_document& doc, std::string& error) {
    auto is_max = [](const std::vector<std::string>& f) { return !f.empty() && f[0] == "MaxMBSize"; };
    return doc.replace(is_max, {{"MaxMBSize"}, {"20"}}, error) == 1;
  });
  BOOST_TEST(r.ok);
  BOOST_TEST(pinned->account_data(*a)->number("MaxMBSize", 0) == 10);
  auto now = store.current();
  BOOST_TEST(now->account_data(*now->find_account("u1", "a.net"))->number("MaxMBSize", 0) == 20);
}

BOOST_AUTO_TEST_CASE(edits_stay_inside_the_root) {
  temp_dir t;
  diagnostic_list d;
  mailroot_store store(t.path(), d);
  for (std::string bad : {"../x.tab", "/etc/passwd", "a/../../x", "", "a//b", "./aliases.tab", "a\\b"}) {
    auto r = store.edit(bad, [](tab_document&, std::string&) { return true; });
    BOOST_TEST(!r.ok, bad);
    BOOST_TEST(r.error.find("inside the MailRoot") != std::string::npos);
  }
  BOOST_TEST(inside_root("domains/a.net/u/user.tab"));
}

BOOST_AUTO_TEST_SUITE_END()
