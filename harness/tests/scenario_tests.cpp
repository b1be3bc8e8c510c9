// The scenario reader: what it accepts, and that every mistake is a file:line error.
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <random>

#include "replay/channel.hpp"
#include "replay/mailroot_copy.hpp"
#include "core/text.hpp"
#include "scenario/scenario.hpp"

using namespace mailflow::harness;
using mailflow::unescape_bytes;
namespace fs = std::filesystem;

namespace {

struct scenario_file {
  temp_folder dir{"mailflow-scenario-test"};
  fs::path path;
  explicit scenario_file(const std::string& text) {
    path = dir.path() / "s.xml";
    std::ofstream(path) << text;
  }
};

std::string load_error(const std::string& text) {
  scenario_file f(text);
  std::string error;
  auto sc = load_scenario(f.path, error);
  BOOST_TEST(!sc.has_value());
  return error.substr(error.find("s.xml:"));
}

const char* head = "<scenario xmlns=\"urn:mailflow:scenario:1\">\n<mailroot fixture=\"x\"/>\n";

}  // namespace

BOOST_AUTO_TEST_CASE(a_full_scenario_is_read_with_its_lines) {
  scenario_file f(std::string(head) +
                  "<env start=\"2009-04-05T13:47:22+09:00\" client=\"203.0.113.9:4000\" max-recipients=\"5\" tls=\"true\"/>\n"
                  "<session>\n"
                  "  <send line=\"EHLO a\" code=\"250\"/>\n"
                  "  <raw bytes=\"a\\r\\n\\x41\\0\" reply=\"250 OK\" closed=\"false\"/>\n"
                  "  <send line=\"NOOP\"><reply><line>250 OK</line><line match=\"2.*\"/></reply></send>\n"
                  "  <pause seconds=\"3\"/>\n"
                  "</session>\n"
                  "<expect><decision stage=\"helo\" outcome=\"accept\" rule=\"server.tab:3\"/>"
                  "<message rcpt=\"a@b\"><header name=\"X\" value=\"y\"/><body contains=\"z\"/></message></expect>\n"
                  "</scenario>\n");
  std::string error;
  auto sc = load_scenario(f.path, error);
  BOOST_REQUIRE_MESSAGE(sc.has_value(), error);
  BOOST_TEST(sc->start_ms == 1238906842000);
  BOOST_TEST(sc->utc_offset_minutes == 540);
  BOOST_TEST(sc->client == "203.0.113.9:4000");
  BOOST_TEST(sc->max_recipients == 5);
  BOOST_TEST(sc->tls);
  BOOST_REQUIRE(sc->sessions.size() == 1u);
  auto& steps = sc->sessions[0].steps;
  BOOST_REQUIRE(steps.size() == 5u);  // implicit greeting + 4
  BOOST_TEST(static_cast<int>(steps[0].what) == static_cast<int>(step::kind::greeting));
  BOOST_TEST(steps[1].line == 5u);
  BOOST_TEST(steps[2].text == std::string("a\r\nA\0", 5));
  BOOST_TEST(steps[2].wait);  // a raw step with an expectation reads its reply
  BOOST_TEST(*steps[2].expect.closed == false);
  BOOST_REQUIRE(steps[3].expect.lines.has_value());
  BOOST_TEST(steps[3].expect.lines->size() == 2u);
  BOOST_TEST((*steps[3].expect.lines)[1].regex);
  BOOST_TEST(steps[4].seconds == 3);
  BOOST_REQUIRE(sc->decisions.size() == 1u);
  BOOST_TEST(*sc->decisions[0].rule == "server.tab:3");
  BOOST_TEST(sc->decisions[0].line == 10u);
  BOOST_REQUIRE(sc->messages.size() == 1u);
  BOOST_TEST(sc->messages[0].headers.size() == 1u);
}

BOOST_AUTO_TEST_CASE(mistakes_are_file_line_errors) {
  BOOST_TEST(load_error(std::string(head) + "<session>\n<send lien=\"x\"/>\n</session></scenario>") ==
             "s.xml:4: <send> has no attribute 'lien'");
  BOOST_TEST(load_error(std::string(head) + "<session>\n<raw bytes=\"\\q\"/>\n</session></scenario>") ==
             "s.xml:4: unknown escape \\q (known: \\r \\n \\t \\0 \\\\ \\xHH)");
  BOOST_TEST(load_error(std::string(head) + "<session>\n<send line=\"x\" code=\"25\"/>\n</session></scenario>") ==
             "s.xml:4: code must be three digits, not '25'");
  BOOST_TEST(load_error(std::string(head) + "<session>\n<frobnicate/>\n</session></scenario>") ==
             "s.xml:4: unknown step <frobnicate>");
  BOOST_TEST(load_error(std::string(head) + "<session protocol=\"pop3\"/>\n</scenario>").find(
                 "s.xml:3: protocol 'pop3' is not supported") == 0u);
  BOOST_TEST(load_error(std::string(head) + "<file path=\"../etc/passwd\">x</file><session/></scenario>") ==
             "s.xml:3: path '../etc/passwd' must be relative to the MailRoot, without '..'");
  BOOST_TEST(load_error(std::string(head) + "<env start=\"yesterday\"/><session/></scenario>") ==
             "s.xml:3: start must be RFC 3339 like 2009-04-05T13:47:22+09:00, not 'yesterday'");
  BOOST_TEST(load_error("<scenario>\n<session/>\n</scenario>") == "s.xml:1: <scenario> needs a <mailroot fixture=\"...\"/>");
  BOOST_TEST(load_error(std::string(head) + "<session>\n<send line=\"x\" match=\"(\"/>\n</session></scenario>").find(
                 "s.xml:4: bad regex '('") == 0u);
  BOOST_TEST(load_error(std::string(head) + "<session>\n<send line=\"x\"\n</session></scenario>").find("s.xml:") == 0u);
  BOOST_TEST(load_error(std::string(head) + "<session>\n<send line=\"x\" wait=\"false\" code=\"250\"/>\n</session></scenario>") ==
             "s.xml:4: a step with wait=\"false\" cannot have reply expectations");
}

BOOST_AUTO_TEST_CASE(escapes_and_dates) {
  std::string out, err;
  BOOST_TEST(unescape_bytes("\\r\\n.\\r\\n\\x00\\xff\\\\", out, err));
  BOOST_TEST(out == std::string("\r\n.\r\n\0\xff\\", 8));
  BOOST_TEST(!unescape_bytes("\\x4", out, err));
  BOOST_TEST(!unescape_bytes("abc\\", out, err));
  std::int64_t ms = 0;
  int off = 0;
  BOOST_TEST(parse_rfc3339("1970-01-01T00:00:00Z", ms, off));
  BOOST_TEST(ms == 0);
  BOOST_TEST(parse_rfc3339("2026-11-22T22:07:00-05:30", ms, off));
  BOOST_TEST(off == -330);
  BOOST_TEST(ms == 1795405020000);
  BOOST_TEST(!parse_rfc3339("2026-13-01T00:00:00Z", ms, off));
  BOOST_TEST(!parse_rfc3339("2026-11-22 22:07:00Z", ms, off));
}

BOOST_AUTO_TEST_CASE(replies_are_assembled_across_any_split) {
  const std::string wire = "250-hunet.jp\r\n250-PIPELINING\r\n250 SIZE\r\n354 go\n221 bye\r\n";
  for (std::size_t chunk : {1u, 2u, 7u, 100u}) {
    reply_assembler a;
    for (std::size_t i = 0; i < wire.size(); i += chunk) a.put(wire.substr(i, chunk));
    auto r1 = a.take();
    BOOST_REQUIRE(r1.has_value());
    BOOST_TEST(r1->size() == 3u);
    BOOST_TEST(r1->back() == "250 SIZE");
    BOOST_TEST(a.take()->front() == "354 go");
    BOOST_TEST(a.take()->front() == "221 bye");
    BOOST_TEST(!a.take().has_value());
  }
  reply_assembler a;
  a.put("250-partial\r\n250 do");
  BOOST_TEST(!a.take().has_value());
  auto rest = a.rest();
  BOOST_TEST(rest.size() == 2u);
  BOOST_TEST(rest[1] == "250 do");
}

BOOST_AUTO_TEST_CASE(tokens_are_expanded_outside_stored_messages) {
  BOOST_TEST(expand_tokens("\"{root}/filters/x.sh\" {sink} {sinkport}", "/r", "127.0.0.1:2525") ==
             "\"/r/filters/x.sh\" 127.0.0.1:2525 2525");
}

BOOST_AUTO_TEST_CASE(scripted_peers_are_read_and_checked) {
  scenario_file f(std::string(head) +
                  "<peer host=\"mx.remote.test\" address=\"192.0.2.25:25\">\n"
                  "  <on command=\"RCPT\" match=\".*reject.*\" reply=\"550 5.1.1 User unknown\"/>\n"
                  "  <on command=\"DOT\" reply=\"451 4.3.0 Try later\"/>\n"
                  "</peer>\n<session/>\n</scenario>\n");
  std::string error;
  auto sc = load_scenario(f.path, error);
  BOOST_REQUIRE_MESSAGE(sc.has_value(), error);
  BOOST_REQUIRE(sc->peers.size() == 1u);
  BOOST_TEST(sc->peers[0].address == "192.0.2.25:25");
  BOOST_REQUIRE(sc->peers[0].rules.size() == 2u);
  BOOST_TEST(*sc->peers[0].rules[0].match == ".*reject.*");
  BOOST_TEST(sc->peers[0].rules[1].line == 5u);
  BOOST_TEST(load_error(std::string(head) + "<peer host=\"x\">\n<on command=\"RSET\" reply=\"250 ok\"/>\n</peer><session/></scenario>") ==
             "s.xml:4: command must be one of CONNECT EHLO HELO MAIL RCPT DATA DOT QUIT, not 'RSET'");
  BOOST_TEST(load_error(std::string(head) + "<peer host=\"x\">\n<on command=\"RCPT\" reply=\"no\"/>\n</peer><session/></scenario>") ==
             "s.xml:4: reply must start with a three-digit code");
}

BOOST_AUTO_TEST_CASE(pop3_logins_and_their_expiry_are_read) {
  scenario_file f(std::string(head) + "<env pop3-expire=\"60\"/>\n<pop3-login ip=\"192.0.2.7\" ago=\"30\"/>\n<session/>\n</scenario>\n");
  std::string error;
  auto sc = load_scenario(f.path, error);
  BOOST_REQUIRE_MESSAGE(sc.has_value(), error);
  BOOST_TEST(sc->pop3_expire_seconds == 60);
  BOOST_REQUIRE(sc->pop3_logins.size() == 1u);
  BOOST_TEST(sc->pop3_logins[0].ip == "192.0.2.7");
  BOOST_TEST(sc->pop3_logins[0].seconds_before_start == 30);
  BOOST_TEST(load_error(std::string(head) + "<pop3-login ip=\"1.2.3.4\" ago=\"-5\"/><session/></scenario>").find(
                 "s.xml:3: attribute 'ago' must be a number") == 0u);
}

BOOST_AUTO_TEST_CASE(mangled_scenarios_are_errors_with_a_line_never_crashes) {
  const std::string good = std::string(head) +
                           "<env start=\"2009-04-05T13:47:22+09:00\" client=\"203.0.113.9:4000\"/>\n"
                           "<dns>a.example A 192.0.2.1</dns>\n"
                           "<session>\n  <send line=\"EHLO a\" code=\"250\"/>\n"
                           "  <raw bytes=\"a\\r\\n\\x41\" match=\"2.*\"/>\n  <pause seconds=\"3\"/>\n</session>\n"
                           "<expect><decision stage=\"helo\" count=\"1\"/><message rcpt=\"a@b\"><body contains=\"z\"/></message></expect>\n"
                           "</scenario>\n";
  std::mt19937 rng(5);
  temp_folder dir("mailflow-scenario-fuzz");
  auto path = dir.path() / "m.xml";
  int errors = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string text = good;
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      std::size_t at = rng() % text.size();
      switch (rng() % 4) {
        case 0: text[at] = static_cast<char>(rng() & 0xFF); break;
        case 1: text.erase(at, 1 + rng() % 8); break;
        case 2: text.insert(at, 1, "<>\"&=\\/ {}"[rng() % 11]); break;
        default: text.resize(at); break;
      }
      if (text.empty()) text = "<";
    }
    std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
    std::string error;
    auto sc = load_scenario(path, error);
    if (!sc) {
      ++errors;
      auto prefix = path.generic_string() + ":";
      BOOST_REQUIRE_MESSAGE(error.rfind(prefix, 0) == 0 && std::isdigit(static_cast<unsigned char>(error[prefix.size()])),
                            "error without file:line: " << error);
    }
  }
  BOOST_TEST(errors > 1000);
}
