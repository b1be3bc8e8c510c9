// disk_spool: XMail's spool file layout on disk, message numbers from
// message.id, nothing left in temp/, and a clear error instead of a 250
// when the file cannot be written.
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <memory>
#include <sstream>

#include "../../config/tests/temp_dir.hpp"
#include "delivery/disk_spool.hpp"

using namespace mailflow;
using mailflow::testing::temp_dir;
namespace fs = std::filesystem;

namespace {

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

spool_message sample() {
  spool_message m;
  m.info_line = "[127.0.0.1]:40000;[127.0.0.1]:25;Sun, 5 Apr 2009 13:47:22 +0900";
  m.smtp_domain = "hunet.jp";
  m.message_ref = "S2";
  m.mail_from = "MAIL FROM:<cop@hunet.jp>";
  m.rcpt_to = "RCPT TO:<love@soopoo.jp>";
  m.body = std::make_shared<const std::string>("Subject: hi\r\n\r\nbody\r\n");
  return m;
}

}  // namespace

BOOST_AUTO_TEST_CASE(message_numbers_come_from_message_id) {
  temp_dir t;
  t.write("message.id", "1\n");
  manual_clock clock(1238906842000, 540);
  delivery::disk_spool spool(t.path(), "mx.hunet.jp", clock);
  BOOST_TEST(spool.next_message_number() == 2u);
  BOOST_TEST(spool.next_message_number() == 3u);
  BOOST_TEST(read(t.path() / "message.id") == "3\n");
  delivery::disk_spool again(t.path(), "mx.hunet.jp", clock);  // a restart goes on from the file
  BOOST_TEST(again.next_message_number() == 4u);
}

BOOST_AUTO_TEST_CASE(a_message_becomes_an_xmail_spool_file_in_mess) {
  temp_dir t;
  manual_clock clock(1238906842000, 540);
  delivery::disk_spool spool(t.path(), "mx.hunet.jp", clock);
  auto r = spool.commit(spool_commit{{sample()}});
  BOOST_REQUIRE(r.ok);
  BOOST_REQUIRE(r.where.size() == 1u);
  const std::string where = r.where[0];
  BOOST_TEST(where.rfind("spool/1/0/mess/1238906842000.", 0) == 0u);
  BOOST_TEST(where.substr(where.size() - 14) == ".1.mx.hunet.jp");
  BOOST_TEST(read(t.path() / where) ==
             "[127.0.0.1]:40000;[127.0.0.1]:25;Sun, 5 Apr 2009 13:47:22 +0900\r\nhunet.jp\r\nS2\r\n"
             "MAIL FROM:<cop@hunet.jp>\r\nRCPT TO:<love@soopoo.jp>\r\n<<MAIL-DATA>>\r\nSubject: hi\r\n\r\nbody\r\n");
  BOOST_TEST(fs::is_empty(t.path() / "spool/1/0/temp"));
}

BOOST_AUTO_TEST_CASE(a_spool_that_cannot_be_written_says_so) {
  temp_dir t;
  t.write("spool", "a file where the spool folder should be\n");
  manual_clock clock(0, 0);
  delivery::disk_spool spool(t.path(), "mx", clock);
  auto r = spool.commit(spool_commit{{sample(), sample()}});
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.where.empty());
  BOOST_TEST(r.error.find("cannot create spool/1/0/temp/") == 0u);
}
