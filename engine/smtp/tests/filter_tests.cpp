// SMTP-time filters as the session uses them (the runner itself is tested in engine/flow).
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <sstream>

#include "core/text.hpp"
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

// A .rej line becomes the reply only when it is one: "[45]dd text" without
// control bytes (HT allowed, as in RFC 5321's textstring), at most 510 octets. XMail
// sends the first line as it is; a "550-" continuation would leave the client
// waiting, a "250 ...\r" line would tell it the message was accepted. Anything
// else falls back to the reply a rejection without .rej gives, and the refused
// text (escaped) is in the decision's detail and the invocation's rej_text.
BOOST_AUTO_TEST_CASE(rej_line_is_the_reply_only_when_it_is_a_rejection_reply) {
  struct rej_case {
    std::string contents;  // what the filter writes to $(FILE).rej
    std::string reply;     // what the client must get
    std::string shown;     // in the decision's detail when refused ("" when passed through)
  };
  const std::string fallback = "554 Transaction failed";
  const std::string max_ok = "554 " + std::string(506, 'a');  // 510 octets
  const rej_case cases[] = {
      {"550-multi\r\n550 second\r\n", fallback, "550-multi"},
      {"250 fake\rinjected\r\n", fallback, "250 fake\\rinjected"},
      {"xy\n", fallback, "xy"},
      {"354 go on\r\n", fallback, "354 go on"},
      {"554\r\n", fallback, "554"},
      {"554text\r\n", fallback, "554text"},
      {"55 short\r\n", fallback, "55 short"},
      {std::string("554 nul\0here\r\n", 14), fallback, "554 nul\\0here"},
      {"554 bell\x07here\r\n", fallback, "554 bell\\x07here"},
      {"554 bell\x7F\r\n", fallback, "554 bell\\x7F"},
      {"554 caf\xC3\xA9\r\n", "554 caf\xC3\xA9", ""},  // 8-bit text is not a control byte: passed as XMail does
      {max_ok + "b\r\n", fallback, max_ok.substr(0, 20)},
      {max_ok + "\r\n", max_ok, ""},
      {"554 custom text\r\n", "554 custom text", ""},
      {"451 4.7.1 try\tlater\n", "451 4.7.1 try\tlater", ""},
  };
  for (const auto& rc : cases) {
    BOOST_TEST_CONTEXT("rej " << escape_bytes(rc.contents)) {
      common c;
      c.t.write("filters.pre-data.tab", "\"/f/pre\"\t\"$(FILE)\"\n");
      driver d(c.t);
      d.runner.script = [&](const process_request& r) {
        std::ofstream(r.argv.at(1) + ".rej", std::ios::binary) << rc.contents;
        return exited(3);
      };
      d.connect();
      d.raw("HELO client.test\r\nMAIL FROM:<x@remote.test>\r\nRCPT TO:<cop@hunet.jp>\r\n");
      const std::size_t before = d.wire.size();
      BOOST_TEST(d.send("DATA") == rc.reply);
      // exactly one complete reply line went out: the client stays in step
      BOOST_TEST(d.wire.substr(before) == rc.reply + "\r\n");
      BOOST_TEST(d.send("NOOP") == "250 OK");
      auto f = d.decisions(stage::filter_pre_data);
      BOOST_REQUIRE(f.size() == 1u);
      BOOST_TEST((f[0].result == outcome::reject));
      BOOST_TEST(f[0].reply == rc.reply);
      if (rc.shown.empty()) {
        BOOST_TEST(f[0].detail.find(".rej") == std::string::npos);
      } else {
        BOOST_TEST(f[0].detail.find(".rej line refused") != std::string::npos, f[0].detail);
        BOOST_TEST(f[0].detail.find(rc.shown) != std::string::npos, f[0].detail);
      }
      bool seen = false;
      for (auto& e : d.events)
        if (auto inv = std::get_if<filter_invocation>(&e)) {
          seen = true;
          const std::string first = rc.contents.substr(0, rc.contents.find('\n'));
          BOOST_TEST(inv->rej_text == first.substr(0, first.find_last_not_of('\r') + 1));
        }
      BOOST_TEST(seen);
    }
  }

  // post-rcpt falls back to its own default, and the transaction stays
  common c;
  c.t.write("filters.post-rcpt.tab", "\"/f/rcpt\"\t\"$(FILE)\"\n");
  driver d(c.t);
  d.runner.script = [](const process_request& r) {
    std::ofstream(r.argv.at(1) + ".rej", std::ios::binary) << "550-multi\r\n";
    return exited(3);
  };
  d.connect();
  d.raw("HELO client.test\r\nMAIL FROM:<x@remote.test>\r\n");
  BOOST_TEST(d.send("RCPT TO:<cop@hunet.jp>") == "550 Recipient rejected");
  BOOST_TEST(d.send("NOOP") == "250 OK");
}

BOOST_AUTO_TEST_SUITE_END()
