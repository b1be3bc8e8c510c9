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

BOOST_AUTO_TEST_CASE(paths) {
  parsed_path p;
  BOOST_TEST((parse_path_argument("FROM:<cop@hunet.jp> SIZE=2000 BODY=8BITMIME", "FROM", p) == path_error::none));
  BOOST_TEST(p.address == "cop@hunet.jp");
  BOOST_TEST(*p.size == 2000u);
  parsed_path q;
  BOOST_TEST((parse_path_argument("From: <x@y.z>", "FROM", q) == path_error::none));
  BOOST_TEST(q.address == "x@y.z");
  parsed_path n;
  BOOST_TEST((parse_path_argument("FROM:<>", "FROM", n) == path_error::none));
  BOOST_TEST(n.address.empty());
  parsed_path a;
  BOOST_TEST((parse_path_argument("FROM:<love@soopoo.jp> AUTH=<>", "FROM", a) == path_error::none));
  BOOST_TEST(a.last_bracketed == "");
  BOOST_TEST(a.address == "love@soopoo.jp");
  parsed_path s;
  BOOST_TEST((parse_path_argument("TO:<@a,@b:user@c.test>", "TO", s) == path_error::none));
  BOOST_TEST(s.source_routed);
  BOOST_TEST(s.route == "@a,@b");
  parsed_path bad;
  BOOST_TEST((parse_path_argument("TO:<postmaster>", "TO", bad) == path_error::bad_path));
  BOOST_TEST((parse_path_argument("TO <a@b>", "TO", bad) == path_error::no_keyword));
  BOOST_TEST((parse_path_argument("TO:<a@b", "TO", bad) == path_error::bad_path));
  BOOST_TEST((parse_path_argument("TO:<" + std::string(1020, 'a') + "@b.c>", "TO", bad) == path_error::bad_path));
  parsed_path size_abc;
  BOOST_TEST((parse_path_argument("FROM:<a@b.c> SIZE=abc", "FROM", size_abc) == path_error::none));
  BOOST_TEST(!size_abc.size);
  BOOST_TEST(valid_mailbox("\"odd user\"@hunet.jp"));
  BOOST_TEST(!valid_mailbox("a..b@hunet.jp"));
  BOOST_TEST(valid_mailbox("x@[127.0.0.1]"));
}

BOOST_AUTO_TEST_SUITE_END()
