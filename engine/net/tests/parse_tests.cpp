// parse_dns_response and reverse_name on hand-built messages: no network.
#include <boost/test/unit_test.hpp>

#include <memory>
#include <random>

#include "net/system_resolver.hpp"
#include "packet.hpp"

using namespace mailflow;
using namespace mailflow::net;
using namespace mailflow::net::test;
using status = dns_answer::status;
using strings = std::vector<std::string>;

namespace {

// An exactly sized heap copy, so the sanitizer build sees any read past the end.
dns_answer parse(const std::vector<unsigned char>& bytes, dns_type type) {
  std::unique_ptr<unsigned char[]> copy(new unsigned char[bytes.size() ? bytes.size() : 1]);
  std::copy(bytes.begin(), bytes.end(), copy.get());
  return parse_dns_response(std::span<const unsigned char>(copy.get(), bytes.size()), type);
}
dns_answer parse(const packet& p, dns_type type) { return parse(p.b, type); }

packet a_two_records() {
  packet p;
  p.header(qr | rd | ra, 1, 2).question("mail.example.org", t_a);
  p.rr_head(t_a).u16(4).u8(192).u8(0).u8(2).u8(1);
  p.rr_head(t_a).u16(4).u8(198).u8(51).u8(100).u8(7);
  return p;
}

// Three MX records, out of order, whose names are compressed (section 4.1.4):
// "mx2" + pointer to the question's example.org, "mx1" likewise, and
// "backup" + pointer into mx2's own RDATA.
packet mx_compressed() {
  packet p;
  p.header(qr | rd | ra, 1, 3).question("example.org", t_mx);
  p.rr_head(t_mx);
  std::size_t len = p.size();
  p.u16(0).u16(20);
  std::size_t mx2 = p.size();
  p.labels("mx2", false).pointer(12);
  p.fix_rdlength(len);
  p.rr_head(t_mx);
  len = p.size();
  p.u16(0).u16(10).labels("mx1", false).pointer(12);
  p.fix_rdlength(len);
  p.rr_head(t_mx);
  len = p.size();
  p.u16(0).u16(10).labels("backup", false).pointer(static_cast<unsigned>(mx2));
  p.fix_rdlength(len);
  return p;
}

packet txt_multi() {
  packet p;
  p.header(qr | rd | ra, 1, 2).question("example.org", t_txt);
  p.rr_head(t_txt);
  std::size_t len = p.size();
  p.u16(0).u8(7).bytes("v=spf1 ").u8(17).bytes("ip4:192.0.2.0/24 ").u8(4).bytes("-all");
  p.fix_rdlength(len);
  p.rr_head(t_txt);
  len = p.size();
  p.u16(0).u8(0).u8(5).bytes("hello");  // an empty string, then one more
  p.fix_rdlength(len);
  return p;
}

packet rcode_only(unsigned rcode, unsigned type = t_a) {
  packet p;
  p.header(static_cast<std::uint16_t>(qr | rd | ra | rcode), 1, 0).question("nowhere.example", type);
  return p;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(parse_response)

BOOST_AUTO_TEST_CASE(a_with_two_records) {
  auto r = parse(a_two_records(), dns_type::a);
  BOOST_TEST((r.result == status::ok));
  BOOST_TEST(r.records == (strings{"192.0.2.1", "198.51.100.7"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(mx_with_compression_pointers_sorted_by_preference_then_name) {
  auto r = parse(mx_compressed(), dns_type::mx);
  BOOST_TEST((r.result == status::ok));
  BOOST_TEST(r.records == (strings{"10 backup.mx2.example.org", "10 mx1.example.org", "20 mx2.example.org"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(mx_null_mx_is_the_root) {  // RFC 7505
  packet p;
  p.header(qr | ra, 1, 1).question("nomail.example", t_mx);
  p.rr_head(t_mx).u16(3).u16(0).u8(0);
  auto r = parse(p, dns_type::mx);
  BOOST_TEST((r.result == status::ok));
  BOOST_TEST(r.records == strings{"0 ."}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(ptr) {
  packet p;
  p.header(qr | rd | ra, 1, 1).question("1.2.0.192.in-addr.arpa", t_ptr);
  p.rr_head(t_ptr);
  std::size_t len = p.size();
  p.u16(0).labels("mail.example.org");
  p.fix_rdlength(len);
  auto r = parse(p, dns_type::ptr);
  BOOST_TEST((r.result == status::ok));
  BOOST_TEST(r.records == strings{"mail.example.org"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(txt_strings_concatenated_per_record) {
  auto r = parse(txt_multi(), dns_type::txt);
  BOOST_TEST((r.result == status::ok));
  BOOST_TEST(r.records == (strings{"v=spf1 ip4:192.0.2.0/24 -all", "hello"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(cname_chain_is_skipped) {
  packet p;
  p.header(qr | rd | ra, 1, 2).question("www.example.org", t_a);
  p.rr_head(t_cname);
  std::size_t len = p.size();
  p.u16(0);
  std::size_t target = p.size();
  p.labels("host", false).pointer(16);  // 16: "example.org" inside the question
  p.fix_rdlength(len);
  p.pointer(static_cast<unsigned>(target)).u16(t_a).u16(c_in).u32(60).u16(4).u8(203).u8(0).u8(113).u8(5);
  auto r = parse(p, dns_type::a);
  BOOST_TEST((r.result == status::ok));
  BOOST_TEST(r.records == strings{"203.0.113.5"}, boost::test_tools::per_element());
  // The same message asked as MX has no MX: NODATA.
  auto mx = parse(p, dns_type::mx);
  BOOST_TEST((mx.result == status::nxdomain));
  BOOST_TEST(mx.records.empty());
}

BOOST_AUTO_TEST_CASE(nxdomain_and_nodata) {
  auto nx = parse(rcode_only(3), dns_type::a);
  BOOST_TEST((nx.result == status::nxdomain));
  BOOST_TEST(nx.records.empty());
  auto nodata = parse(rcode_only(0), dns_type::a);
  BOOST_TEST((nodata.result == status::nxdomain));
  BOOST_TEST(nodata.records.empty());
  // Records of another type only (an A answer asked as TXT) are NODATA too.
  auto other = parse(a_two_records(), dns_type::txt);
  BOOST_TEST((other.result == status::nxdomain));
}

BOOST_AUTO_TEST_CASE(servfail_refused_formerr_are_failures) {
  for (unsigned rcode : {1u, 2u, 4u, 5u}) {
    auto r = parse(rcode_only(rcode), dns_type::mx);
    BOOST_TEST((r.result == status::failure), "rcode " << rcode);
    BOOST_TEST(r.records.empty());
  }
}

BOOST_AUTO_TEST_CASE(a_query_is_not_an_answer) {
  auto p = a_two_records();
  p.b[2] &= 0x7f;  // clear QR
  BOOST_TEST((parse(p, dns_type::a).result == status::failure));
}

BOOST_AUTO_TEST_CASE(every_truncation_is_a_failure) {
  for (auto full : {a_two_records(), mx_compressed(), txt_multi()}) {
    for (std::size_t n = 0; n < full.size(); ++n) {
      std::vector<unsigned char> cut(full.b.begin(), full.b.begin() + static_cast<std::ptrdiff_t>(n));
      auto r = parse(cut, dns_type::mx);
      BOOST_TEST((r.result == status::failure), "cut at " << n << " of " << full.size());
    }
  }
}

BOOST_AUTO_TEST_CASE(malformed_rdata_is_a_failure) {
  {  // an A record of 5 octets
    packet p;
    p.header(qr, 1, 1).question("x.example", t_a);
    p.rr_head(t_a).u16(5).u32(0xc0000201).u8(0);
    BOOST_TEST((parse(p, dns_type::a).result == status::failure));
  }
  {  // a TXT string longer than its RDATA
    packet p;
    p.header(qr, 1, 1).question("x.example", t_txt);
    p.rr_head(t_txt).u16(3).u8(9).bytes("ab");
    BOOST_TEST((parse(p, dns_type::txt).result == status::failure));
  }
  {  // an MX whose compression pointer points at itself
    packet p;
    p.header(qr, 1, 1).question("x.example", t_mx);
    p.rr_head(t_mx).u16(4).u16(10);
    p.pointer(static_cast<unsigned>(p.size()));
    BOOST_TEST((parse(p, dns_type::mx).result == status::failure));
  }
  {  // a PTR whose pointer leads past the end of the message
    packet p;
    p.header(qr, 1, 1).question("x.example", t_ptr);
    p.rr_head(t_ptr).u16(2).pointer(0x3ff);
    BOOST_TEST((parse(p, dns_type::ptr).result == status::failure));
  }
  {  // an MX whose name runs past its RDLENGTH into the next record: its
     // final zero octet is that record's owner (the root), so the message
     // as a whole is well formed
    packet p;
    p.header(qr, 1, 2).question("x.example", t_mx);
    p.rr_head(t_mx).u16(5).u16(10).u8(2).bytes("mx");
    p.u8(0).u16(t_a).u16(c_in).u32(60).u16(4).u32(0xc0000201);
    BOOST_TEST((parse(p, dns_type::a).result == status::ok));  // the A record alone is fine
    BOOST_TEST((parse(p, dns_type::mx).result == status::failure));
  }
  {  // more answers counted than present
    auto p = a_two_records();
    p.b[7] = 3;
    BOOST_TEST((parse(p, dns_type::a).result == status::failure));
  }
  {  // trailing bytes after the last record
    auto p = a_two_records();
    p.u8(0);
    BOOST_TEST((parse(p, dns_type::a).result == status::failure));
  }
}

// Random messages and single-byte mutations of good ones: any answer is
// acceptable, a crash or an out-of-bounds read (sanitizer build) is not.
BOOST_AUTO_TEST_CASE(garbage_never_crashes) {
  std::mt19937 rng(20240611);
  std::size_t ok = 0, failed = 0;
  for (int i = 0; i < 20000; ++i) {
    std::vector<unsigned char> g(rng() % 600);
    for (auto& c : g) c = static_cast<unsigned char>(rng());
    if (g.size() >= 4 && i % 2) g[2] |= 0x80, g[3] &= 0xf0;  // half look like NOERROR responses
    for (auto t : {dns_type::a, dns_type::mx, dns_type::ptr, dns_type::txt}) {
      auto r = parse(g, t);
      (r.result == status::failure ? failed : ok)++;
    }
  }
  for (auto good : {a_two_records(), mx_compressed(), txt_multi()}) {
    for (std::size_t at = 0; at < good.size(); ++at) {
      for (unsigned v : {0x00u, 0x01u, 0x3fu, 0x40u, 0xc0u, 0xffu, good.b[at] ^ 0x80u}) {
        auto m = good.b;
        m[at] = static_cast<unsigned char>(v);
        for (auto t : {dns_type::a, dns_type::mx, dns_type::ptr, dns_type::txt}) {
          auto r = parse(m, t);
          if (r.result != status::ok) BOOST_TEST(r.records.empty());
          (r.result == status::failure ? failed : ok)++;
        }
      }
    }
  }
  BOOST_TEST(failed > 0u);
  BOOST_TEST_MESSAGE("garbage: " << ok << " parsed, " << failed << " failures");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(reverse)

BOOST_AUTO_TEST_CASE(ipv4) {
  BOOST_TEST(reverse_name("192.0.2.1").value_or("-") == "1.2.0.192.in-addr.arpa");
  BOOST_TEST(reverse_name("10.0.0.255").value_or("-") == "255.0.0.10.in-addr.arpa");
}

BOOST_AUTO_TEST_CASE(ipv6_nibbles) {  // the example of RFC 3596 section 2.5
  BOOST_TEST(reverse_name("4321:0:1:2:3:4:567:89ab").value_or("-") ==
             "b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.0.0.0.0.1.2.3.4.ip6.arpa");
  BOOST_TEST(reverse_name("::1").value_or("-") ==
             "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa");
}

BOOST_AUTO_TEST_CASE(ipv4_mapped_ipv6_is_ipv4) {
  BOOST_TEST(reverse_name("::ffff:192.0.2.1").value_or("-") == "1.2.0.192.in-addr.arpa");
}

BOOST_AUTO_TEST_CASE(not_an_address) {
  for (const char* s : {"", "mail.example.org", "192.0.2.256", "192.0.2", "1.2.0.192.in-addr.arpa", "::g"})
    BOOST_TEST(!reverse_name(s).has_value(), "'" << s << "'");
}

BOOST_AUTO_TEST_SUITE_END()
