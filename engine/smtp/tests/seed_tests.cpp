// Seed 000's session (cop@hunet.jp sends to love@soopoo.jp) against
// fixtures/mailroots/hunet, with its real filter script: the reply sequence
// the seed recorded, product token and timestamps aside.
#include <boost/test/unit_test.hpp>

#include <set>

#include "driver.hpp"
#include "flow/posix_process_runner.hpp"

using namespace mailflow;
using namespace mailflow::testing;
namespace fs = std::filesystem;

namespace {
// Copies a fixture MailRoot the way the harness does: .keep files stay behind.
void copy_fixture(const fs::path& from, const fs::path& to) {
  for (auto& e : fs::recursive_directory_iterator(from)) {
    auto rel = fs::relative(e.path(), from);
    if (e.is_directory()) {
      fs::create_directories(to / rel);
    } else if (e.path().filename() != ".keep") {
      fs::create_directories((to / rel).parent_path());
      fs::copy_file(e.path(), to / rel, fs::copy_options::overwrite_existing);
    }
  }
}
}  // namespace

BOOST_AUTO_TEST_CASE(seed_000_session_against_the_hunet_fixture) {
  temp_dir t;
  copy_fixture(fs::path(MAILFLOW_SOURCE_DIR) / "fixtures/mailroots/hunet", t.path());
  smtp::smtp_settings settings;
  settings.session_number = 1660;
  driver d(t, settings);
  BOOST_TEST(d.diags.error_count() == 0u);
  std::size_t seen = 0;
  flow::posix_process_runner real;
  d.runner.real = &real;
  auto exchange = [&](const std::string& bytes) {
    if (!bytes.empty()) d.raw(bytes);
    return d.wire.substr(std::exchange(seen, d.wire.size()));
  };
  d.connect();
  BOOST_TEST(exchange("") ==
             "220 hunet.jp <1238906842.1660@hunet.jp> [mailflow 0.1 ESMTP Server] service ready; "
             "Sun, 5 Apr 2009 13:47:22 +0900\r\n");
  BOOST_TEST(exchange("EHLO hunet.jp\r\n") ==
             "250-hunet.jp\r\n250-VRFY\r\n250-ETRN\r\n250-8BITMIME\r\n250-PIPELINING\r\n250-AUTH RSA-AUTH\r\n"
             "250-SIZE\r\n250 STARTTLS\r\n");
  BOOST_TEST(exchange("AUTH LOGIN\r\n") == "334 VXNlcm5hbWU6\r\n");
  BOOST_TEST(exchange("Y29wOmh1bmV0Lm5lLmpw\r\n") == "334 UGFzc3dvcmQ6\r\n");  // cop:hunet.ne.jp
  BOOST_TEST(exchange(base64_encode("copsecret") + "\r\n") == "235 Authentication successful\r\n");
  BOOST_TEST(exchange("MAIL From:<cop@hunet.jp>\r\n") == "250 OK\r\n");
  BOOST_TEST(exchange("RCPT To:<love@soopoo.jp>\r\n") == "250 OK\r\n");
  BOOST_TEST(exchange("DATA\r\n") == "354 Start mail input; end with <CRLF>.<CRLF>\r\n");
  BOOST_TEST(exchange("From: cop@hunet.jp\r\nTo: love@soopoo.jp\r\nSubject: hello\r\n\r\nHi love.\r\n.\r\n") ==
             "250 OK <S2>\r\n");
  BOOST_TEST(exchange("QUIT\r\n") == "221 [mailflow 0.1 ESMTP Server] service closing transmission channel\r\n");

  BOOST_REQUIRE(d.spool.messages.size() == 1u);
  BOOST_TEST(d.spool.messages[0].data().find("X-AuthUser: cop:hunet.ne.jp\r\nReceived: from hunet.jp") == 0u);
  // the stages cite the files of seed 000's table
  std::set<std::string> files;
  for (auto& e : d.events)
    if (auto d = std::get_if<stage_decision>(&e); d && d->rule) files.insert(d->rule->file);
  for (auto f : {"smtp.ipmap.tab", "mailusers.tab", "domains.tab"}) BOOST_TEST(files.count(f) == 1u);
  bool filter_ran = false;
  for (auto& e : d.events)
    if (auto f = std::get_if<filter_invocation>(&e)) {
      filter_ran = true;
      BOOST_TEST((f->status == filter_status::exited));
      BOOST_TEST((f->action == filter_action::accept));
      BOOST_TEST(f->argv.at(0) == "{root}/filters/rcpt-check.sh");
    }
  BOOST_TEST(filter_ran);
}
