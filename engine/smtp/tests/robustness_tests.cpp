// Bad input of any kind (PRODUCT.md, quality bars): thousands of sessions
// of random commands, random bytes (NUL, 8-bit, bare CR/LF, huge lines,
// smuggling fragments) in random splits. The session must never crash,
// every reply must be a well-formed SMTP reply, and unless it closed the
// connection it must still answer a NOOP once the client ends any DATA.
#include <boost/test/unit_test.hpp>

#include <random>
#include <regex>

#include "driver.hpp"

using namespace mailflow;
using namespace mailflow::testing;

namespace {

std::string random_chunk(std::mt19937& rng) {
  static const char* commands[] = {
      "EHLO client.test", "HELO x", "MAIL FROM:<cop@hunet.jp>", "MAIL FROM:<>", "MAIL FROM:<@a,@b:x@y> SIZE=99999999999",
      "RCPT TO:<love@soopoo.jp>", "RCPT TO:<far@remote.test>", "RCPT TO:<@a:x@y>", "RCPT TO:<postmaster>", "DATA",
      "RSET", "NOOP", "VRFY cop", "ETRN hunet.jp", "HELP", "AUTH LOGIN", "AUTH PLAIN", "AUTH CRAM-MD5", "AUTH PLAIN ===",
      "AUTH X", "*", "Y29w", "STARTTLS", "BDAT 10", "MAIL", "RCPT", "QUIT"};
  static const char* fragments[] = {"\r\n.\r\n", "\n.\n", "\r.\r", "\r\n.\n", "\n.\r\n", "\r\n\0.\r\n", ".\r\n",
                                    "..\r\n", "\r", "\n", "\r\r\n", "\0", "\xff\xfe", "\x80"};
  std::uniform_int_distribution<int> pick(0, 9);
  switch (pick(rng)) {
    case 0:
    case 1:
    case 2:
    case 3:
      return std::string(commands[rng() % std::size(commands)]) + "\r\n";
    case 4:
    case 5: {
      auto f = fragments[rng() % std::size(fragments)];
      return std::string(f, f[0] == '\0' ? 1 : std::strlen(f));
    }
    case 6: {  // a long line, over or under the 1020-octet limit
      std::string s(1000 + rng() % 60, 'a');
      return s + "\r\n";
    }
    case 7: {  // random bytes
      std::string s(rng() % 40, ' ');
      for (auto& c : s) c = static_cast<char>(rng() & 0xFF);
      return s;
    }
    case 8: {
      std::string c = commands[rng() % std::size(commands)];
      c.insert(rng() % (c.size() + 1), 1, static_cast<char>(rng() & 0xFF));
      return c + (rng() % 2 ? "\r\n" : "\n");
    }
    default:
      return "Subject: x\r\n\r\nbody line\r\n";
  }
}

// Every line the server sent is "NNN text" or "NNN-text", CRLF-terminated
// (the raw bytes of the session's send effects).
void check_wire(const std::string& out) {
  static const std::regex line("[2-5][0-9][0-9][ -][^\r\n]*");
  std::size_t pos = 0;
  while (pos < out.size()) {
    auto end = out.find("\r\n", pos);
    BOOST_REQUIRE_MESSAGE(end != std::string::npos, "reply without CRLF: " << out.substr(pos));
    std::string l = out.substr(pos, end - pos);
    BOOST_REQUIRE_MESSAGE(std::regex_match(l, line), "malformed reply line: " << l);
    BOOST_REQUIRE(l.size() <= 1024u);
    pos = end + 2;
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(random_sessions_never_break_the_session) {
  temp_dir t;
  write_common_mailroot(t);
  std::mt19937 rng(20261130);
  int answered_noop = 0, closed = 0;
  for (int session = 0; session < 1500; ++session) {
    smtp::smtp_settings settings;
    settings.tls_available = session % 3 == 0;
    driver d(t, settings);
    d.connect();
    std::string wire;
    int chunks = 1 + static_cast<int>(rng() % 25);
    for (int i = 0; i < chunks; ++i) wire += random_chunk(rng);
    // fed in random splits
    std::size_t at = 0;
    while (at < wire.size() && !d.closed) {
      std::size_t n = 1 + rng() % 64;
      d.raw(wire.substr(at, n));
      at += n;
      if (d.tls_requested && !d.closed && rng() % 2) {
        if (rng() % 4) d.tls_ready();
        else d.tls_failed("handshake failed");
        d.tls_requested = false;
      }
    }
    if (d.closed) {
      check_wire(d.wire);
      ++closed;
      continue;
    }
    // finish a pending STARTTLS (until then every byte is discarded, by design),
    // end any DATA and any AUTH exchange, then the session must still answer
    if (d.tls_requested) d.tls_ready();
    std::string tail = d.raw("\r\n.\r\n*\r\nNOOP\r\n");
    check_wire(d.wire);
    if (d.closed) {
      ++closed;
      continue;
    }
    if (tail.find("250 OK") == std::string::npos) tail += d.send("NOOP");
    BOOST_REQUIRE_MESSAGE(d.closed || tail.find("250") != std::string::npos,
                          "session " << session << " no longer answers NOOP: " << tail);
    ++answered_noop;
  }
  BOOST_TEST_MESSAGE(answered_noop << " sessions still answering, " << closed << " closed by the server");
  BOOST_TEST(answered_noop > 100);
}
