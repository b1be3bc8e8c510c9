#include <boost/test/unit_test.hpp>

#include "core/codec.hpp"
#include "core/env.hpp"

#include <vector>

using namespace mailflow;

BOOST_AUTO_TEST_SUITE(codec)

BOOST_AUTO_TEST_CASE(xmail_password_encoding) {
  BOOST_TEST(xmail_password_encode("xmail") == "1d08040c09");
  BOOST_TEST(xmail_password_encode("copsecret") == "060a15160006170011");
  BOOST_TEST(xmail_password_encode("lovesecret") == "090a1300160006170011");
  BOOST_TEST(*xmail_password_decode("1d08040c09") == "xmail");
  BOOST_TEST(*xmail_password_decode("0401080C0B1512") == "adminpw");
  BOOST_TEST(xmail_password_decode("").value() == "");
  BOOST_TEST(!xmail_password_decode("abc"));
  BOOST_TEST(!xmail_password_decode("zz"));
}

BOOST_AUTO_TEST_CASE(base64_round_trip_and_strictness) {
  BOOST_TEST(base64_encode("cop:hunet.ne.jp") == "Y29wOmh1bmV0Lm5lLmpw");
  BOOST_TEST(*base64_decode("Y29wOmh1bmV0Lm5lLmpw") == "cop:hunet.ne.jp");
  BOOST_TEST(*base64_decode("VXNlcm5hbWU6") == "Username:");
  BOOST_TEST(base64_decode("").value().empty());
  for (std::string s : std::vector<std::string>{"a", "ab", "abc", "abcd", std::string("\0x\xff", 3)})
    BOOST_TEST(*base64_decode(base64_encode(s)) == s);
  BOOST_TEST(!base64_decode("***notbase64***"));
  BOOST_TEST(!base64_decode("abc"));
  BOOST_TEST(!base64_decode("a=bc"));
  BOOST_TEST(!base64_decode("ab=c"));
  BOOST_TEST(!base64_decode("QR=="));  // unused bits set
}

// Recorded against XMail 1.27 (scenarios/auth/18-base64-as-xmail-reads-it.xml).
BOOST_AUTO_TEST_CASE(base64_as_xmail_reads_it) {
  BOOST_TEST(*xmail_base64_decode("Y29w") == "cop");
  BOOST_TEST(*xmail_base64_decode("+ Y29w") == "cop");            // "+ " prefix skipped
  BOOST_TEST(*xmail_base64_decode("Y29wQQ") == "cop");            // partial group ignored
  BOOST_TEST(*xmail_base64_decode("Y29wQQ==") == "copA");
  BOOST_TEST(*xmail_base64_decode("QR==") == "A");                // unused bits ignored
  BOOST_TEST(*xmail_base64_decode("QQ==Y29w") == "Acop");         // '=' closes any group
  BOOST_TEST(*xmail_base64_decode("QQ=x") == "A");                // third-place '=' ends the group
  BOOST_TEST(xmail_base64_decode("A").value().empty());
  BOOST_TEST(*xmail_base64_decode("QUJD*") == "ABC");
  BOOST_TEST(!xmail_base64_decode(""));
  BOOST_TEST(!xmail_base64_decode("===="));
  BOOST_TEST(!xmail_base64_decode("%%%%"));
  BOOST_TEST(!xmail_base64_decode(" Y29w"));
  for (std::string s : std::vector<std::string>{"a", "ab", "abc", "abcd", std::string("\0x\xff", 3)})
    BOOST_TEST(*xmail_base64_decode(base64_encode(s)) == s);
}

BOOST_AUTO_TEST_CASE(md5_and_hmac) {
  BOOST_TEST(md5_hex("") == "d41d8cd98f00b204e9800998ecf8427e");
  // RFC 2195 example
  BOOST_TEST(hmac_md5_hex("tanstaaftanstaaf", "<1896.697170952@postoffice.reston.mci.net>") ==
             "b913a602c7eda7a495b4e6e7334d3890");
}

BOOST_AUTO_TEST_CASE(dates_as_xmail_writes_them) {
  // the seed's session: Sun, 5 Apr 2009 13:47:22 +0900
  BOOST_TEST(rfc822_date(1238906842, 9 * 60) == "Sun, 5 Apr 2009 13:47:22 +0900");
  BOOST_TEST(rfc822_date(0, 0) == "Thu, 1 Jan 1970 00:00:00 -0000");
  BOOST_TEST(rfc822_date(0, -90) == "Wed, 31 Dec 1969 22:30:00 -0130");
}

BOOST_AUTO_TEST_CASE(zone_resolver_reads_zone_text) {
  zone_resolver z;
  std::string err;
  BOOST_TEST(z.load_zone_text("# test\nhunet.jp A 192.0.2.1\nhunet.jp MX 10 mx.hunet.jp\n192.0.2.1 PTR mail.hunet.jp\n"
                              "2.0.0.127.dnsbl.test TXT \"listed\"\n",
                              "z.zone", &err));
  BOOST_TEST((z.lookup(dns_type::a, "HUNET.JP.").records == std::vector<std::string>{"192.0.2.1"}));
  BOOST_TEST((z.lookup(dns_type::mx, "hunet.jp").records == std::vector<std::string>{"10 mx.hunet.jp"}));
  BOOST_TEST(z.lookup(dns_type::ptr, "192.0.2.1").records.at(0) == "mail.hunet.jp");
  BOOST_TEST(z.lookup(dns_type::txt, "2.0.0.127.dnsbl.test").records.at(0) == "listed");
  BOOST_TEST((z.lookup(dns_type::a, "nowhere.test").result == dns_answer::status::nxdomain));
  BOOST_TEST(!z.load_zone_text("x BOGUS y\n", "bad.zone", &err));
  BOOST_TEST(err == "bad.zone:1: unknown record type 'BOGUS' (A, MX, PTR, TXT)");
}

BOOST_AUTO_TEST_SUITE_END()

#include <ctime>

BOOST_AUTO_TEST_CASE(dates_agree_with_the_c_library) {
  for (std::int64_t t = -2000000000; t < 4102444800; t += 86399 * 37 + 11) {
    for (int off : {0, 540, -300}) {
      std::time_t shifted = static_cast<std::time_t>(t + off * 60);
      std::tm tm{};
      gmtime_r(&shifted, &tm);
      char buf[64];
      std::strftime(buf, sizeof buf, "%a, ", &tm);
      std::string expect = buf + std::to_string(tm.tm_mday);
      std::strftime(buf, sizeof buf, " %b %Y %H:%M:%S", &tm);
      expect += buf;
      char zone[16];
      int a = off < 0 ? -off : off;
      std::snprintf(zone, sizeof zone, " %c%02d%02d", off > 0 ? '+' : '-', a / 60, a % 60);
      expect += zone;
      BOOST_TEST_REQUIRE(rfc822_date(t, off) == expect);
    }
  }
}
