// system_resolver end to end against nameservers on loopback: one that
// answers from a table, one that never answers, and a port nobody listens on.
#include <boost/test/unit_test.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <thread>

#include "net/system_resolver.hpp"
#include "packet.hpp"

using namespace mailflow;
using namespace mailflow::net;
using namespace mailflow::net::test;
using status = dns_answer::status;
using strings = std::vector<std::string>;
using namespace std::chrono_literals;

namespace {

// A UDP socket bound to 127.0.0.1 on a port the kernel picks.
struct udp_socket {
  int fd = -1;
  std::uint16_t port = 0;
  udp_socket() {
    fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sin;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&sin), &len) != 0)
      throw std::runtime_error("cannot bind a loopback UDP socket");
    port = ntohs(sin.sin_port);
  }
  ~udp_socket() { close(); }
  void close() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

struct query {
  std::string name;  // lower case, no trailing dot
  unsigned type = 0;
};

// A nameserver that answers each query with what `answer` writes: it gets the
// query and a packet holding the header's flags and counts to fill in.
class fake_nameserver {
 public:
  using handler = std::function<void(const query&, std::uint16_t& flags, packet& answers, unsigned& count)>;

  explicit fake_nameserver(handler h) : handler_(std::move(h)) {
    timeval tv{0, 50000};  // wakes up to notice stop
    ::setsockopt(sock_.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    thread_ = std::thread([this] { serve(); });
  }
  ~fake_nameserver() {
    stop_ = true;
    thread_.join();
  }
  std::uint16_t port() const { return sock_.port; }
  int queries() const { return queries_; }

 private:
  void serve() {
    unsigned char buf[1500];
    while (!stop_) {
      sockaddr_in from{};
      socklen_t from_len = sizeof from;
      auto n = ::recvfrom(sock_.fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &from_len);
      if (n < 12) continue;
      // The question (RFC 1035 section 4.1.2): labels, then QTYPE and QCLASS.
      query q;
      std::size_t at = 12;
      while (at < static_cast<std::size_t>(n) && buf[at] != 0) {
        std::size_t len = buf[at];
        if (!q.name.empty()) q.name += '.';
        for (std::size_t i = 1; i <= len && at + i < static_cast<std::size_t>(n); ++i)
          q.name += static_cast<char>(std::tolower(buf[at + i]));
        at += len + 1;
      }
      if (at + 5 > static_cast<std::size_t>(n)) continue;
      q.type = (buf[at + 1] << 8) | buf[at + 2];
      std::size_t question_end = at + 5;
      ++queries_;

      std::uint16_t flags = qr | rd | ra;
      packet answers;
      unsigned count = 0;
      handler_(q, flags, answers, count);
      packet reply;
      reply.u16((buf[0] << 8) | buf[1]).u16(flags).u16(1).u16(count).u16(0).u16(0);
      reply.b.insert(reply.b.end(), buf + 12, buf + question_end);
      reply.b.insert(reply.b.end(), answers.b.begin(), answers.b.end());
      ::sendto(sock_.fd, reply.b.data(), reply.b.size(), 0, reinterpret_cast<sockaddr*>(&from), from_len);
    }
  }

  udp_socket sock_;
  handler handler_;
  std::atomic<bool> stop_{false};
  std::atomic<int> queries_{0};
  std::thread thread_;
};

// The table the fake nameserver serves (owners point at the question, offset 12).
void zone(const query& q, std::uint16_t& flags, packet& a, unsigned& count) {
  if (q.name == "mail.example.org" && q.type == t_a) {
    a.rr_head(t_a).u16(4).u8(192).u8(0).u8(2).u8(25);
    a.rr_head(t_a).u16(4).u8(192).u8(0).u8(2).u8(26);
    count = 2;
  } else if (q.name == "example.org" && q.type == t_mx) {
    a.rr_head(t_mx).u16(2 + 6).u16(20).labels("mx2", false).pointer(12);
    a.rr_head(t_mx).u16(2 + 6).u16(10).labels("mx1", false).pointer(12);
    count = 2;
  } else if (q.name == "example.org" && q.type == t_txt) {
    a.rr_head(t_txt).u16(11).u8(6).bytes("v=spf1").u8(3).bytes(" -a");
    count = 1;
  } else if (q.name == "25.2.0.192.in-addr.arpa" && q.type == t_ptr) {
    a.rr_head(t_ptr).u16(18).labels("mail.example.org");
    count = 1;
  } else if (q.name.ends_with(".ip6.arpa") && q.name.starts_with("1.0.0.0.") && q.type == t_ptr) {
    a.rr_head(t_ptr).u16(11).labels("localhost");
    count = 1;
  } else if (q.name == "broken.example.org") {
    flags |= 2;  // SERVFAIL
  } else if (q.name == "refused.example.org") {
    flags |= 5;  // REFUSED
  } else if (q.name == "example.org") {
    // NOERROR, no records of the type: NODATA
  } else {
    flags |= 3;  // NXDOMAIN
  }
}

resolver_options loopback(std::uint16_t port, int timeout = 1, int attempts = 1) {
  resolver_options o;
  o.nameserver = "127.0.0.1";
  o.port = port;
  o.timeout_seconds = timeout;
  o.attempts = attempts;
  return o;
}

// Runs a lookup on its own thread so a hang fails the test instead of stalling it.
std::optional<std::pair<dns_answer, std::chrono::milliseconds>> timed_lookup(
    std::shared_ptr<system_resolver> r, dns_type type, std::string name, std::chrono::seconds limit) {
  auto done = std::make_shared<std::promise<std::pair<dns_answer, std::chrono::milliseconds>>>();
  auto f = done->get_future();
  std::thread([r, type, name, done] {
    auto start = std::chrono::steady_clock::now();
    auto a = r->lookup(type, name);
    done->set_value({a, std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start)});
  }).detach();
  if (f.wait_for(limit) != std::future_status::ready) return std::nullopt;
  return f.get();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(lookup)

BOOST_AUTO_TEST_CASE(answers_from_a_loopback_nameserver) {
  fake_nameserver ns(zone);
  system_resolver r(loopback(ns.port(), 2, 2));
  auto a = r.lookup(dns_type::a, "mail.example.org");
  BOOST_TEST((a.result == status::ok));
  BOOST_TEST(a.records == (strings{"192.0.2.25", "192.0.2.26"}), boost::test_tools::per_element());
  auto mx = r.lookup(dns_type::mx, "example.org.");
  BOOST_TEST((mx.result == status::ok));
  BOOST_TEST(mx.records == (strings{"10 mx1.example.org", "20 mx2.example.org"}), boost::test_tools::per_element());
  auto txt = r.lookup(dns_type::txt, "example.org");
  BOOST_TEST((txt.result == status::ok));
  BOOST_TEST(txt.records == strings{"v=spf1 -a"}, boost::test_tools::per_element());
  auto ptr = r.lookup(dns_type::ptr, "192.0.2.25");  // asked as 25.2.0.192.in-addr.arpa
  BOOST_TEST((ptr.result == status::ok));
  BOOST_TEST(ptr.records == strings{"mail.example.org"}, boost::test_tools::per_element());
  auto ptr6 = r.lookup(dns_type::ptr, "::1");
  BOOST_TEST((ptr6.result == status::ok));
  BOOST_TEST(ptr6.records == strings{"localhost"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(nxdomain_nodata_and_failures_from_the_nameserver) {
  fake_nameserver ns(zone);
  system_resolver r(loopback(ns.port(), 2, 2));
  auto nx = r.lookup(dns_type::a, "nowhere.example.org");
  BOOST_TEST((nx.result == status::nxdomain));
  BOOST_TEST(nx.records.empty());
  auto nodata = r.lookup(dns_type::a, "example.org");
  BOOST_TEST((nodata.result == status::nxdomain));
  BOOST_TEST(nodata.records.empty());
  BOOST_TEST((r.lookup(dns_type::mx, "broken.example.org").result == status::failure));
  BOOST_TEST((r.lookup(dns_type::mx, "refused.example.org").result == status::failure));
  auto ptr = r.lookup(dns_type::ptr, "198.51.100.1");
  BOOST_TEST((ptr.result == status::nxdomain));
}

BOOST_AUTO_TEST_CASE(names_that_cannot_exist_are_nxdomain_without_a_query) {
  fake_nameserver ns(zone);
  system_resolver r(loopback(ns.port()));
  BOOST_TEST((r.lookup(dns_type::a, "").result == status::nxdomain));
  BOOST_TEST((r.lookup(dns_type::a, "a..b").result == status::nxdomain));
  BOOST_TEST((r.lookup(dns_type::a, std::string(64, 'x') + ".example").result == status::nxdomain));
  BOOST_TEST((r.lookup(dns_type::ptr, "not-an-address").result == status::nxdomain));
  BOOST_TEST(ns.queries() == 0);
}

BOOST_AUTO_TEST_CASE(concurrent_lookups_share_one_resolver) {
  fake_nameserver ns(zone);
  auto r = std::make_shared<system_resolver>(loopback(ns.port(), 2, 3));
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        auto a = r->lookup(t % 2 ? dns_type::a : dns_type::mx, t % 2 ? "mail.example.org" : "example.org");
        if (a.result == status::ok && a.records.size() == 2) ++good;
      }
    });
  for (auto& t : threads) t.join();
  BOOST_TEST(good.load() == 100);
}

BOOST_AUTO_TEST_CASE(a_nameserver_that_never_answers_is_a_failure_within_the_timeout) {
  udp_socket silent;  // bound, never read: queries vanish
  auto r = std::make_shared<system_resolver>(loopback(silent.port, 1, 1));
  auto got = timed_lookup(r, dns_type::mx, "example.org", 15s);
  BOOST_REQUIRE_MESSAGE(got, "the lookup hung");
  BOOST_TEST((got->first.result == status::failure));
  BOOST_TEST(got->first.records.empty());
  BOOST_TEST(got->second.count() >= 500);   // it did wait for an answer
  BOOST_TEST(got->second.count() < 4000);   // ... but only about one timeout
  BOOST_TEST_MESSAGE("silent nameserver: failure after " << got->second.count() << " ms");
}

BOOST_AUTO_TEST_CASE(a_port_nobody_listens_on_is_a_failure) {
  std::uint16_t port;
  {
    udp_socket s;  // a port that was free a moment ago, and is again
    port = s.port;
  }
  auto r = std::make_shared<system_resolver>(loopback(port, 1, 2));
  auto got = timed_lookup(r, dns_type::a, "mail.example.org", 15s);
  BOOST_REQUIRE_MESSAGE(got, "the lookup hung");
  BOOST_TEST((got->first.result == status::failure));
  BOOST_TEST(got->second.count() < 5000);
  BOOST_TEST_MESSAGE("closed port: failure after " << got->second.count() << " ms");
}

BOOST_AUTO_TEST_CASE(an_unroutable_nameserver_is_a_failure_within_a_few_seconds) {
  resolver_options o;
  o.nameserver = "192.0.2.1";  // TEST-NET-1 (RFC 5737): nothing answers there
  o.timeout_seconds = 1;
  o.attempts = 1;
  auto r = std::make_shared<system_resolver>(o);
  auto got = timed_lookup(r, dns_type::a, "mail.example.org", 15s);
  BOOST_REQUIRE_MESSAGE(got, "the lookup hung");
  BOOST_TEST((got->first.result == status::failure));
  BOOST_TEST(got->second.count() < 4000);
}

BOOST_AUTO_TEST_CASE(a_bad_nameserver_option_is_a_failure) {
  resolver_options o;
  o.nameserver = "not-an-address";
  system_resolver r(o);
  BOOST_TEST((r.lookup(dns_type::a, "mail.example.org").result == status::failure));
}

BOOST_AUTO_TEST_SUITE_END()
