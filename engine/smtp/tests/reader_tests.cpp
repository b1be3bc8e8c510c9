#include <boost/test/unit_test.hpp>

#include "smtp/line_reader.hpp"
#include "smtp/path.hpp"

using namespace mailflow::smtp;

namespace {
// Feeds `bytes` whole or one byte at a time; returns (ended, message, rest).
struct data_result {
  bool ended = false;
  std::string message;
  std::string rest;
  bool bare_lf = false;
};

data_result feed_data(const std::string& bytes, bool byte_by_byte) {
  data_reader r(1 << 20);
  data_result out;
  if (!byte_by_byte) {
    std::string_view in = bytes;
    out.ended = r.feed(in);
    out.rest = std::string(in);
  } else {
    for (std::size_t i = 0; i < bytes.size(); ++i) {
      std::string_view one(&bytes[i], 1);
      if (r.feed(one)) {
        out.ended = true;
        out.rest = bytes.substr(i + 1);
        break;
      }
    }
  }
  out.message = r.message();
  out.bare_lf = r.saw_bare_lf();
  return out;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(readers)

BOOST_AUTO_TEST_CASE(command_lines_crlf_lf_and_split) {
  command_reader r;
  std::string_view in = "NOOP\r\nHELO a\nQU";
  auto l1 = r.next(in);
  BOOST_REQUIRE(l1);
  BOOST_TEST(l1->text == "NOOP");
  auto l2 = r.next(in);
  BOOST_REQUIRE(l2);
  BOOST_TEST(l2->text == "HELO a");
  BOOST_TEST(!r.next(in));
  std::string_view more = "IT\r\n";
  auto l3 = r.next(more);
  BOOST_REQUIRE(l3);
  BOOST_TEST(l3->text == "QUIT");
}

BOOST_AUTO_TEST_CASE(command_line_limit_is_1020_octets) {
  command_reader r;
  std::string ok = "NOOP " + std::string(1015, 'x');  // 1020 octets
  std::string too_long = "NOOP " + std::string(1016, 'y');
  std::string all = ok + "\r\n" + too_long + "\r\nNOOP\r\n";
  for (bool trickle : {false, true}) {
    command_reader reader;
    std::vector<command_line> lines;
    auto take = [&](std::string_view in) {
      while (auto l = reader.next(in)) lines.push_back(*l);
    };
    if (trickle) {
      for (char c : all) take(std::string_view(&c, 1));
    } else {
      take(all);
    }
    BOOST_REQUIRE(lines.size() == 3u);
    BOOST_TEST(!lines[0].too_long);
    BOOST_TEST(lines[0].text.size() == 1020u);
    BOOST_TEST(lines[1].too_long);
    BOOST_TEST(lines[2].text == "NOOP");
  }
  (void)r;
}

BOOST_AUTO_TEST_CASE(data_ends_only_at_crlf_dot_crlf_and_unstuffs) {
  for (bool trickle : {false, true}) {
    auto r = feed_data("Subject: x\r\n\r\n..two\r\n.one\r\n .\r\n..\r\nlast\r\n.\r\nQUIT\r\n", trickle);
    BOOST_TEST(r.ended);
    BOOST_TEST(r.message == "Subject: x\r\n\r\n.two\r\none\r\n .\r\n.\r\nlast\r\n");
    BOOST_TEST(r.rest == "QUIT\r\n");
    BOOST_TEST(!r.bare_lf);
  }
  auto empty = feed_data(".\r\n", false);
  BOOST_TEST(empty.ended);
  BOOST_TEST(empty.message.empty());
}

BOOST_AUTO_TEST_CASE(no_smuggling_variant_ends_data) {
  // every variant of the SMTP smuggling research, then a real end
  const std::vector<std::string> variants = {"\n.\n",     "\r.\r",         "\r.\n",     "\n.\r",
                                             "\n.\r\n",   "\r\n.\n",       "\r.\r\n",   "\r\n.\r",
                                             std::string("\r\n\0.\r\n", 6), "\r\n.\r\r\n", "\r\r\n.\r\r\n"};
  for (auto& v : variants) {
    std::string bytes = "Subject: s\r\n\r\nbody" + v + "MAIL FROM:<admin@hunet.jp>\r\nRCPT TO:<cop@hunet.jp>\r\nDATA\r\n" +
                        "smuggled\r\n.\r\nNOOP\r\n";
    auto whole = feed_data(bytes, false);
    auto trickled = feed_data(bytes, true);
    BOOST_TEST_CONTEXT("variant " << v.size() << " bytes") {
      BOOST_TEST(whole.ended);
      BOOST_TEST(whole.rest == "NOOP\r\n");  // only the real CRLF.CRLF ended it
      BOOST_TEST(whole.message.find("MAIL FROM:<admin@hunet.jp>") != std::string::npos);
      BOOST_TEST(whole.message == trickled.message);
      BOOST_TEST(whole.rest == trickled.rest);
    }
  }
}

BOOST_AUTO_TEST_CASE(bare_lf_is_stored_as_crlf_and_noted) {
  auto r = feed_data("a\nb\r\nc\rd\r\n.\r\n", false);
  BOOST_TEST(r.ended);
  BOOST_TEST(r.message == "a\r\nb\r\nc\rd\r\n");
  BOOST_TEST(r.bare_lf);
}

BOOST_AUTO_TEST_CASE(size_limit_counts_without_keeping) {
  data_reader r(10);
  std::string_view in = "0123456789abcdef\r\n.\r\n";
  BOOST_TEST(r.feed(in));
  BOOST_TEST(r.over_limit());
  BOOST_TEST(r.size() == 18u);
  BOOST_TEST(r.message().size() <= 10u);
}

BOOST_AUTO_TEST_CASE(long_data_lines_are_kept_intact) {
  std::string line(200000, 'z');
  auto r = feed_data("x\r\n" + line + "\r\nend\r\n.\r\n", true);
  BOOST_TEST(r.ended);
  BOOST_TEST(r.message == "x\r\n" + line + "\r\nend\r\n");
}

// Recorded against XMail 1.27 (scenarios/mail/09-path-forms-as-xmail-reads-them.xml).
BOOST_AUTO_TEST_CASE(paths) {
  parsed_path p;
  BOOST_TEST(parse_path("<cop@hunet.jp> SIZE=2000 BODY=8BITMIME", p));
  BOOST_TEST(p.parts.front() == "cop@hunet.jp");
  BOOST_TEST(*p.size == 2000u);
  BOOST_TEST(parse_path(" <x@y.z>", p));
  BOOST_TEST(p.parts.front() == "x@y.z");
  BOOST_TEST(parse_path("x <cop@hunet.jp>>", p));  // the first '<' and the next '>'
  BOOST_TEST(p.parts.front() == "cop@hunet.jp");
  BOOST_TEST(parse_path("<>", p));
  BOOST_TEST(p.null_path());
  BOOST_TEST(parse_path("<love@soopoo.jp> AUTH=<>", p));
  BOOST_TEST(p.last_bracketed == "");
  BOOST_TEST(p.parts.front() == "love@soopoo.jp");
  BOOST_TEST(parse_path("<@a,@b:user@c.test>", p));
  BOOST_TEST(p.source_routed());
  BOOST_TEST(p.route() == "@a,@b");
  BOOST_TEST(p.parts.back() == "user@c.test");
  auto error = [](std::string_view text) {
    parsed_path bad;
    return parse_path(text, bad) ? 0 : bad.error;
  };
  BOOST_TEST(error("<postmaster>") == -132);
  BOOST_TEST(error("<a@b") == -31);
  BOOST_TEST(error("a@b") == -31);
  BOOST_TEST(error("<" + std::string(1020, 'a') + "@b.c>") == -31);
  BOOST_TEST(error("<\"odd user\"@hunet.jp>") == -132);
  BOOST_TEST(error("<a..b@hunet.jp>") == -132);
  BOOST_TEST(error("<cop@hunet.jp.>") == -132);
  BOOST_TEST(error("<cop@hunet.jp x>") == -260);
  BOOST_TEST(error("<cop@hunet.jp@x>") == -260);
  BOOST_TEST(error("<cop@[127.0.0.1]>") == 0);
  BOOST_TEST(error("<cop@[IPv6:::1]>") == -40);
  BOOST_TEST(error("<cop@[]>") == -40);
  BOOST_TEST(error("<cop@[1.2.3.4>") == -132);
  BOOST_TEST(error("<cop@" + std::string(64, 'a') + ".jp>") == 0);  // no label length limit
  BOOST_TEST(parse_path("<a@b.c> SIZE=abc", p));
  BOOST_TEST(!p.size);
  BOOST_TEST(parse_path("<a@b.c>\tSIZE=5", p));
  BOOST_TEST(!p.size);  // " SIZE=" needs the space
  BOOST_TEST(parse_path("<a@b.c> size=5 SIZE=7x", p));
  BOOST_TEST(*p.size == 7u);
  BOOST_TEST(valid_mailbox("x@[127.0.0.1]"));
  BOOST_TEST(!valid_mailbox("@a"));
}

BOOST_AUTO_TEST_SUITE_END()
