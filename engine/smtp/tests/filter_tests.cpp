// SMTP-time filters as the session uses them (the runner itself is tested in engine/flow).
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <sstream>

#include "driver.hpp"

using namespace mailflow;
using namespace mailflow::testing;

namespace {
struct common {
  temp_dir t;
  common() { write_common_mailroot(t); }
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

process_result exited(int code) {
  process_result r;
  r.result = process_result::status::exited;
  r.exit_code = code;
  return r;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(smtp_filters)

BOOST_AUTO_TEST_CASE(post_rcpt_rej_text_default_and_macros_026) {
  common c;
  c.t.write("aliases.tab", "\"hunet.jp\"\t\"bad\"\t\"cop\"\n\"hunet.jp\"\t\"silent\"\t\"cop\"\n");
  c.t.write("filters.post-rcpt.tab", "\"/f/rcpt-check\"\t\"$(FILE)\"\t\"$(CRCPT)\"\t\"$(RRCPT)\"\t\"$(FROM)\"\t\"$(USERAUTH)\"\n");
  driver d(c.t);
  std::vector<std::string> files;
  d.runner.script = [&](const process_request& r) {
    files.push_back(read_file(r.argv.at(1)));
    if (r.argv.at(2).rfind("bad@", 0) == 0) {
      std::ofstream(r.argv.at(1) + ".rej") << "550 5.7.1 <" << r.argv[2] << "> (real <" << r.argv[3] << ">) refused for <"
                                           << r.argv[4] << "> auth=" << r.argv[5] << "\n";
      return exited(3);
    }
    if (r.argv.at(2).rfind("silent@", 0) == 0) return exited(3);
    return exited(0);
  };
  d.connect();
  d.send("HELO client.test");
  d.send("MAIL FROM:<love@soopoo.jp>");
  BOOST_TEST(d.send("RCPT TO:<bad@hunet.jp>") ==
             "550 5.7.1 <bad@hunet.jp> (real <cop@hunet.jp>) refused for <love@soopoo.jp> auth=-");
  BOOST_TEST(d.send("RCPT TO:<silent@hunet.jp>") == "550 Recipient rejected");
  BOOST_TEST(d.send("RCPT TO:<cop@hunet.jp>") == "250 OK");  // the transaction survived
  d.send("DATA");
  BOOST_TEST(d.raw("Subject: post-rcpt\r\n\r\nonly cop gets this\r\n.\r\n") == "250 OK <S2>");
  BOOST_TEST(d.spool.messages.size() == 1u);
  // $(FILE) for post-rcpt: info line, domain, message id, MAIL FROM, accepted RCPTs so far
  BOOST_TEST(files.at(2) ==
             "client.test;[127.0.0.1]:40000;hunet.jp;[127.0.0.1]:25;Sun, 5 Apr 2009 13:47:22 +0900;[mailflow 0.1 ESMTP Server]\r\n"
             "hunet.jp\r\nS2\r\nMAIL FROM:<love@soopoo.jp>\r\n");
  auto f = d.decisions(stage::filter_post_rcpt);
  BOOST_TEST((f.at(0).result == outcome::reject));
  BOOST_TEST((f.at(2).result == outcome::pass));
}

BOOST_AUTO_TEST_CASE(pre_and_post_data_reject_and_reset_028) {
  common c;
  c.t.write("filters.post-data.tab", "\"/f/postdata\"\t\"$(FILE)\"\n");
  driver d(c.t);
  std::string seen;
  d.runner.script = [&](const process_request& r) {
    seen = read_file(r.argv.at(1));
    if (seen.find("BUY NOW") != std::string::npos) {
      std::ofstream(r.argv.at(1) + ".rej") << "554 5.7.1 Message looks like spam\r\n";
      return exited(3);
    }
    return exited(0);
  };
  d.connect();
  d.send("HELO client.test");
  d.raw("MAIL FROM:<x@remote.test>\r\nRCPT TO:<cop@hunet.jp>\r\nDATA\r\n");
  BOOST_TEST(d.raw("Subject: offer\r\n\r\nBUY NOW cheap stuff\r\n.\r\n") == "554 5.7.1 Message looks like spam");
  BOOST_TEST(seen.find("RCPT TO:<cop@hunet.jp> {ra=cop@hunet.jp}\r\n<<MAIL-DATA>>\r\nSubject: offer\r\n") != std::string::npos);
  BOOST_TEST(d.send("RCPT TO:<cop@hunet.jp>") == "503 Bad sequence of commands");  // reset
  d.raw("MAIL FROM:<x@remote.test>\r\nRCPT TO:<cop@hunet.jp>\r\nDATA\r\n");
  BOOST_TEST(d.raw("Subject: clean\r\n\r\nnothing to see\r\n.\r\n") == "250 OK <S3>");

  c.t.write("filters.post-data.tab", "");
  c.t.write("filters.pre-data.tab", "\"/f/predata\"\n");
  driver p(c.t);
  p.runner.script = [](const process_request&) { return exited(3); };
  p.connect();
  p.raw("HELO client.test\r\nMAIL FROM:<x@remote.test>\r\nRCPT TO:<cop@hunet.jp>\r\n");
  BOOST_TEST(p.send("DATA") == "554 Transaction failed");
  BOOST_TEST(p.send("DATA") == "503 Bad sequence of commands");
}

BOOST_AUTO_TEST_CASE(post_data_filter_may_rewrite_the_message) {
  common c;
  c.t.write("filters.post-data.tab", "\"/f/tag\"\t\"$(FILE)\"\n");
  driver d(c.t);
  d.runner.script = [](const process_request& r) {
    std::ofstream(r.argv.at(1), std::ios::app) << "tagged by filter\r\n";
    return exited(0);
  };
  d.connect();
  d.raw("HELO client.test\r\nMAIL FROM:<x@remote.test>\r\nRCPT TO:<cop@hunet.jp>\r\nDATA\r\n");
  BOOST_TEST(d.raw("Subject: t\r\n\r\nbody\r\n.\r\n") == "250 OK <S2>");
  BOOST_TEST(d.spool.messages.at(0).data().find("body\r\ntagged by filter\r\n") != std::string::npos);
  BOOST_TEST((d.decisions(stage::filter_post_data).at(0).result == outcome::rewrite));
}

BOOST_AUTO_TEST_CASE(aex_and_wlex_skip_030_087) {
  common c;
  c.t.write("filters.post-data.tab", "\"!aex\"\t\"/f/reject-all\"\t\"$(FILE)\"\n");
  driver d(c.t);
  d.runner.script = [](const process_request& r) {
    std::ofstream(r.argv.at(1) + ".rej") << "554 unauthenticated mail refused\n";
    return exited(3);
  };
  d.connect();
  d.ehlo();
  d.raw("MAIL FROM:<x@remote.test>\r\nRCPT TO:<cop@hunet.jp>\r\nDATA\r\n");
  BOOST_TEST(d.raw("Subject: anon\r\n\r\nanonymous\r\n.\r\n") == "554 unauthenticated mail refused");
  d.auth_plain("love@soopoo.jp", "lovesecret");
  d.raw("MAIL FROM:<love@soopoo.jp>\r\nRCPT TO:<cop@hunet.jp>\r\nDATA\r\n");
  BOOST_TEST(d.raw("Subject: authed\r\n\r\nauthenticated\r\n.\r\n") == "250 OK <S3>");
  BOOST_TEST(d.runner.calls.size() == 1u);

  c.t.write("filters.post-data.tab", "\"!wlex\"\t\"/f/reject-all\"\t\"$(FILE)\"\n");
  c.t.write("smtp.ipprop.tab", "\"127.0.0.0/8\"\t\"WhiteList=1\"\n");
  driver w(c.t);
  w.runner.script = d.runner.script;
  w.connect();
  w.raw("HELO client.test\r\nMAIL FROM:<x@remote.test>\r\nRCPT TO:<cop@hunet.jp>\r\nDATA\r\n");
  BOOST_TEST(w.raw("Subject: w\r\n\r\nbody\r\n.\r\n") == "250 OK <S2>");
  BOOST_TEST(w.runner.calls.empty());
}

BOOST_AUTO_TEST_CASE(timed_out_filter_counts_as_a_pass) {
  common c;
  c.t.write("filters.post-data.tab", "\"!timeo=1\"\t\"/f/slow\"\t\"$(FILE)\"\n");
  driver d(c.t);
  d.runner.script = [](const process_request& r) {
    BOOST_TEST(r.timeout_seconds == 1);
    process_result res;
    res.result = process_result::status::timed_out;
    return res;
  };
  d.connect();
  d.raw("HELO client.test\r\nMAIL FROM:<x@remote.test>\r\nRCPT TO:<cop@hunet.jp>\r\nDATA\r\n");
  BOOST_TEST(d.raw("Subject: slow\r\n\r\nbody\r\n.\r\n") == "250 OK <S2>");
}

BOOST_AUTO_TEST_SUITE_END()
