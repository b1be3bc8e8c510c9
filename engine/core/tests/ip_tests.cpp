#include <boost/test/unit_test.hpp>

#include "core/ip.hpp"

using namespace mailflow;

BOOST_AUTO_TEST_SUITE(ip)

BOOST_AUTO_TEST_CASE(parse_addresses) {
  BOOST_TEST(ip_address::parse("127.0.0.1")->to_string() == "127.0.0.1");
  BOOST_TEST(ip_address::parse("::1")->to_string() == "::1");
  BOOST_TEST(!ip_address::parse("256.0.0.1"));
  BOOST_TEST(!ip_address::parse("hunet.jp"));
  BOOST_TEST(!ip_address::parse(""));
}

BOOST_AUTO_TEST_CASE(netmask_and_bits) {
  auto lan = ip_network::parse_with_mask("212.131.173.0", "255.255.255.0");
  BOOST_REQUIRE(lan);
  BOOST_TEST(lan->bits == 24);
  BOOST_TEST(lan->contains(*ip_address::parse("212.131.173.77")));
  BOOST_TEST(!lan->contains(*ip_address::parse("212.131.174.1")));
  auto same = ip_network::parse_cidr("212.131.173.0/24");
  BOOST_REQUIRE(same);
  BOOST_TEST(same->contains(*ip_address::parse("212.131.173.1")));
  auto all = ip_network::parse_with_mask("0.0.0.0", "0.0.0.0");
  BOOST_TEST(all->matches_everything());
  BOOST_TEST(all->contains(*ip_address::parse("8.8.8.8")));
  BOOST_TEST(!all->contains(*ip_address::parse("::1")));
  auto host = ip_network::parse_cidr("192.168.0.7");
  BOOST_TEST(host->bits == 32);
  BOOST_TEST(host->contains(*ip_address::parse("192.168.0.7")));
  BOOST_TEST(!host->contains(*ip_address::parse("192.168.0.8")));
  auto odd = ip_network::parse_with_mask("10.0.0.0", "255.0.255.0");
  BOOST_TEST(odd->bits == -1);
  BOOST_TEST(odd->contains(*ip_address::parse("10.9.0.9")));
  auto v6 = ip_network::parse_cidr("2001:db8::/32");
  BOOST_TEST(v6->contains(*ip_address::parse("2001:db8::1")));
  BOOST_TEST(!v6->contains(*ip_address::parse("127.0.0.1")));
}

BOOST_AUTO_TEST_CASE(errors_are_explained) {
  std::string err;
  BOOST_TEST(!ip_network::parse_cidr("10.0.0.0/33", &err));
  BOOST_TEST(err == "invalid prefix length '33' (0-32)");
  BOOST_TEST(!ip_network::parse_with_mask("10.0.0.0", "255.0.0", &err));
  BOOST_TEST(err == "invalid netmask '255.0.0'");
  BOOST_TEST(!ip_network::parse_with_mask("10.0.0.x", "255.0.0.0", &err));
  BOOST_TEST(err == "invalid IP address '10.0.0.x'");
}

BOOST_AUTO_TEST_SUITE_END()
