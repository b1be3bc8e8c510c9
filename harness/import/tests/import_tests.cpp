#define BOOST_TEST_MODULE import_tests
#include <boost/test/unit_test.hpp>

#include <cstring>
#include <fstream>
#include <random>
#include <regex>

#include <pugixml.hpp>

#include "core/text.hpp"
#include "import/import.hpp"

using namespace mailflow::import;
namespace fs = std::filesystem;

namespace {

struct temp_dir {
  fs::path path;
  temp_dir() {
    std::random_device rd;
    path = fs::temp_directory_path() / ("mailflow-import-test-" + std::to_string(rd()));
    fs::create_directories(path);
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

bool matches(const std::string& regex, const std::string& text) { return std::regex_match(text, std::regex(regex)); }

// The seed's shape: prose, narration (one without its closing parenthesis),
// a multi-line reply, AUTH LOGIN with a masked password, DATA only narrated.
const std::string seed_text =
    "Some prose about the session.\n"
    "\n"
    "(the client connects)\n"
    "220 hunet.jp <1238906842.1660@hunet.jp> [XMail 1.25 ESMTP Server] service ready; Sun, 5 Apr 2009 13:47:22 +0900\n"
    "EHLO hunet.jp (\xE8\xAA\xAC\xE6\x98\x8E)\n"
    "250-hunet.jp (\xE8\xAA\xAC\xE6\x98\x8E)\n"
    "250-AUTH RSA-AUTH\n"
    "250 STARTTLS\n"
    "\n"
    "AUTH LOGIN (\xE8\xAA\xAC)\n"
    "334 VXNlcm5hbWU6 (\xE8\xAA\xAC)\n"
    "Y29wOmh1bmV0Lm5lLmpw (\xE8\xAA\xAC)\n"
    "334 UGFzc3dvcmQ6\n"
    "**** (\xE8\xAA\xAC)\n"
    "235 Authentication successful\n"
    "MAIL From:<cop@hunet.jp>\n"
    "250 OK\n"
    "RCPT To:<love@soopoo.jp>\n"
    "250 OK\n"
    "DATA (\xE8\xAA\xAC no closing parenthesis\n"
    "354 Start mail input; end with <CRLF>.<CRLF> (\xE8\xAA\xAC\n"
    "(\xE8\xAA\xAC)\n"
    "250 OK <S9305E>\n"
    "QUIT\n"
    "221 [XMail 1.25 ESMTP Server] service closing transmission channel\n"
    "(\xE8\xAA\xAC)\n"
    "250 OK <S9305E> \xE3\x81\xBE\xE3\x81\xA7\n";  // the table after the session: not part of it

}  // namespace

BOOST_AUTO_TEST_CASE(detects_the_three_formats) {
  BOOST_TEST((detect_format(seed_text) == transcript_format::seed));
  BOOST_TEST((detect_format("S: 220 x\nC: QUIT\n") == transcript_format::plain));
  BOOST_TEST((detect_format("  {\"format\": \"xmail-oracle-transcript/1\"}") == transcript_format::conformance));
}

BOOST_AUTO_TEST_CASE(seed_format_with_secret) {
  options opt;
  opt.secret = "copsecret";
  auto s = read_seed(seed_text, "seed.txt", opt);
  BOOST_TEST(s.name == "seed");
  BOOST_REQUIRE(s.sessions.size() == 1u);
  auto& sess = s.sessions[0];
  BOOST_REQUIRE(sess.greeting.has_value());
  BOOST_TEST(sess.greeting->lines.size() == 1u);
  auto& st = sess.steps;
  BOOST_REQUIRE(st.size() >= 8u);
  BOOST_TEST(st[0].text == "EHLO hunet.jp");
  BOOST_REQUIRE(st[0].reply.has_value());
  BOOST_TEST(st[0].reply->lines.size() == 3u);
  BOOST_TEST(st[0].reply->lines[0] == "250-hunet.jp");
  BOOST_TEST(st[1].text == "AUTH LOGIN");
  // the user answer is base64 on the wire: shown as its clear text
  BOOST_TEST((st[2].what == step::kind::base64));
  BOOST_TEST(st[2].text == "cop:hunet.ne.jp");
  // the masked password after "334 Password:" is the secret, base64-encoded by the step
  BOOST_TEST((st[3].what == step::kind::base64));
  BOOST_TEST(st[3].text == "copsecret");
  BOOST_TEST(st[3].secret);
  BOOST_TEST(st[3].reply->lines[0] == "235 Authentication successful");
  BOOST_TEST(st[6].text == "DATA");
  BOOST_TEST(st[6].reply->lines[0] == "354 Start mail input; end with <CRLF>.<CRLF>");
  // the narrated data became a placeholder message ending with "."
  BOOST_TEST(st[7].text == "From: cop@hunet.jp");
  BOOST_TEST(!st[7].wait);
  auto dot = std::find_if(st.begin(), st.end(), [](const step& x) { return x.text == "."; });
  BOOST_REQUIRE((dot != st.end()));
  BOOST_TEST(dot->wait);
  BOOST_TEST(dot->reply->lines[0] == "250 OK <S9305E>");
  BOOST_TEST(st.back().text == "QUIT");
  BOOST_TEST(st.back().reply->closed);  // XMail closes after 221
  BOOST_TEST(s.description.find("placeholder") != std::string::npos);
  derive_messages(s);
  BOOST_REQUIRE(s.messages.has_value());
  BOOST_REQUIRE(s.messages->size() == 1u);
  BOOST_TEST(s.messages->at(0).rcpt == "love@soopoo.jp");
  BOOST_TEST(s.messages->at(0).auth_user == "cop:hunet.ne.jp");  // AUTH LOGIN's user answer
}

BOOST_AUTO_TEST_CASE(masked_line_without_secret_is_an_error_with_its_line) {
  try {
    read_seed(seed_text, "seed.txt", {});
    BOOST_FAIL("expected an import_error");
  } catch (const import_error& e) {
    BOOST_TEST(std::string(e.what()).rfind("seed.txt:14:", 0) == 0u);
  }
}

BOOST_AUTO_TEST_CASE(masked_part_of_a_line_is_replaced_literally) {
  options opt;
  opt.secret = "pw";
  auto s = read_plain("S: 220 x\nC: PASS ****\nS: 250 ok\n", "t.txt", opt);
  BOOST_TEST(s.sessions[0].steps[0].text == "PASS pw");
  BOOST_TEST(s.sessions[0].steps[0].secret);  // written secret="true": reports show "***"
  BOOST_TEST((s.sessions[0].steps[0].what == step::kind::send));
}

BOOST_AUTO_TEST_CASE(text_without_a_session_is_unknown_input) {
  BOOST_CHECK_THROW(read_seed("just prose\nno replies\n", "x.txt", {}), import_error);
}

BOOST_AUTO_TEST_CASE(plain_lines_multiline_pipelining_and_close) {
  const std::string text =
      "--- 01.smtp (smtp)\n"
      "S: 220 hunet.jp <TIMESTAMP> [SERVER-ESMTP] service ready; DATE\n"
      "C: EHLO a\n"
      "S: 250-hunet.jp\n"
      "S: 250 SIZE\n"
      "C: MAIL FROM:<a@b>\n"
      "C: RCPT TO:<c@d>\n"
      "S: 250 OK\n"
      "S: 550 Relay denied\n"
      "C: B64(cop@hunet.jp)\n"
      "S: 334 UGFzc3dvcmQ6\n"
      "C: NOOP\n"
      "S: <connection closed>\n"
      "--- 02.pop3 (pop3)\n"
      "S: +OK ignored\n";
  auto s = read_plain(text, "d.txt", {});
  BOOST_REQUIRE(s.sessions.size() == 1u);
  auto& st = s.sessions[0].steps;
  BOOST_REQUIRE(st.size() == 6u);
  BOOST_TEST(st[0].reply->lines.size() == 2u);
  BOOST_TEST(!st[1].wait);  // pipelined: its reply is read by the next step
  BOOST_TEST(st[2].reply->lines[0] == "250 OK");
  BOOST_TEST((st[3].what == step::kind::read));
  BOOST_TEST(st[3].reply->lines[0] == "550 Relay denied");
  BOOST_TEST((st[4].what == step::kind::base64));
  BOOST_TEST(st[5].reply->closed);
  BOOST_TEST(st[5].reply->lines.empty());
  BOOST_TEST(s.description.find("02.pop3 (pop3)") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(raw_bytes_that_end_the_data_read_the_reply) {
  // only CRLF.CRLF ends DATA: a bare "\r.\r" inside does not, the final "\r\n.\r\n" does
  const std::string text =
      "S: 220 hunet.jp <TIMESTAMP> [SERVER-ESMTP] service ready; DATE\n"
      "C: DATA\n"
      "S: 354 Start mail input; end with <CRLF>.<CRLF>\n"
      "C(raw): Subject: x\\r\\n\\r\\nbody\\r.\\rmore\\r\\n\n"
      "C(raw): .\\r\\n\n"
      "S: 250 OK <S#>\n"
      "C: QUIT\n"
      "S: 221 bye\n";
  auto s = read_plain(text, "r.txt", {});
  BOOST_REQUIRE(s.sessions.size() == 1u);
  auto& st = s.sessions[0].steps;
  BOOST_REQUIRE(st.size() == 4u);
  BOOST_TEST(!st[1].wait);  // "\r.\r" is message content
  BOOST_TEST(st[2].wait);   // the CRLF.CRLF across two raw steps ends the data
  BOOST_TEST(st[2].reply->lines[0] == "250 OK <S#>");
  BOOST_TEST(s.description.find("No end-of-data line") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(volatile_parts_become_regexes) {
  auto g = line_regex(
      "220 hunet.jp <1795386085.139710504621760@hunet.jp> [XMail 1.27 ESMTP Server] service ready; Sun, 22 Nov "
      "2026 22:21:25 -0000");
  BOOST_REQUIRE(g.has_value());
  BOOST_TEST(matches(*g,
                     "220 hunet.jp <1238906842.1@hunet.jp> [mailflow 0.1 ESMTP Server] service ready; Sun, 5 Apr "
                     "2009 13:47:22 +0900"));
  BOOST_TEST(!matches(*g, "220 other.jp <1.1@other.jp> [mailflow 0.1 ESMTP Server] service ready; Sun, 5 Apr 2009 "
                          "13:47:22 +0900"));
  auto id = line_regex("250 OK <S2>");
  BOOST_REQUIRE(id.has_value());
  BOOST_TEST(matches(*id, "250 OK <S9305E>"));
  BOOST_TEST(!matches(*id, "250 OK <Sxyz>"));
  auto port = line_regex("550 refused [127.0.0.1]:34306 (x)");
  BOOST_REQUIRE(port.has_value());
  BOOST_TEST(matches(*port, "550 refused [127.0.0.1]:40000 (x)"));
  // base64 of a greeting token: a CRAM-MD5 challenge
  auto cram = line_regex("334 PDE3OTUzODYwODUuMTM5NzEwNTA0NjIxNzYwQGh1bmV0LmpwPg==");
  BOOST_REQUIRE(cram.has_value());
  BOOST_TEST(matches(*cram, "334 PDEyMzg5MDY4NDIuMUBodW5ldC5qcD4="));
  // nothing volatile: compared exactly
  BOOST_TEST(!line_regex("501 Syntax error in parameters or arguments: (-132)").has_value());
  BOOST_TEST(!line_regex("334 VXNlcm5hbWU6").has_value());
  BOOST_TEST(regex_escape("a.b(c)[d]{root}") == "a\\.b\\(c\\)\\[d\\]{root}");
}

BOOST_AUTO_TEST_CASE(escapes) {
  BOOST_TEST(decode_python_escapes("a\\r\\n\\x00\\xe9\\t\\\\z\\q") == std::string("a\r\n\0\xe9\t\\z\\q", 10));
  BOOST_TEST(mailflow::escape_bytes(std::string("N\0\xe9\r\n\\", 6)) == "N\\0\\xE9\\r\\n\\\\");
  BOOST_TEST(sendable_as_line("MAIL FROM:<a@b>\tx"));
  BOOST_TEST(!sendable_as_line(std::string("NOOP\0x", 6)));
  BOOST_TEST(!sendable_as_line("caf\xe9"));
}

namespace {

// A small case folder and its transcript.
struct conformance_case {
  temp_dir dir;
  fs::path case_dir;
  std::string json;
  conformance_case() {
    case_dir = dir.path / "cases" / "900-test";
    write(case_dir / "case.json", "{\"title\": \"t\"}");
    write(case_dir / "mailroot" / "server.tab", "\"RootDomain\"\t\"hunet.jp\"\n");
    write(case_dir / "mailroot" / "filters" / "f.sh", "#!/bin/sh\nexit 0\n");
    write(case_dir / "mailroot.dirs", "# empty folders\ndomains/hunet.jp/cop/Maildir/new\n");
    write(case_dir / "01.smtp",
          "# comment\n"
          "C: HELO client.test\n"
          "REPEAT: 2 C: NOOP\n"
          "AUTHPLAIN: cop@hunet.jp copsecret\n"
          "SLEEP: 2\n"
          "X: NOOP caf\\xe9\n"
          "C: MAIL FROM:<love@soopoo.jp>\n"
          "C: RCPT TO:<cop@hunet.jp>\n"
          "C: DATA\n"
          "S: Subject: s\n"
          "S: \n"
          "S: hello body\n"
          "C: .\n"
          "C: QUIT\n");
    write(case_dir / "02.pop3", "C: QUIT\n");
    json = R"({"format": "xmail-oracle-transcript/1", "case": "900-test", "title": "t",
      "sessions": [{"file": "01.smtp", "proto": "smtp", "norm": [], "steps": [
        {"send": null, "reply": {"lines": ["220 hunet.jp <1.2@hunet.jp> [XMail 1.27 ESMTP Server] service ready; Sun, 22 Nov 2026 22:21:25 -0000"], "code": "220"}},
        {"send": "HELO client.test", "reply": {"lines": ["250 hunet.jp"], "code": "250"}},
        {"send": "NOOP", "reply": {"lines": ["250 OK"], "code": "250"}},
        {"send": "NOOP", "reply": {"lines": ["250 OK"], "code": "250"}},
        {"send": "AUTH PLAIN AGNvcEBodW5ldC5qcABjb3BzZWNyZXQ=", "reply": {"lines": ["235 Authentication successful"], "code": "235"}},
        {"send": "NOOP caf\\xe9", "reply": {"lines": ["250 OK"], "code": "250"}},
        {"send": "MAIL FROM:<love@soopoo.jp>", "reply": {"lines": ["250 OK"], "code": "250"}},
        {"send": "RCPT TO:<cop@hunet.jp>", "reply": {"lines": ["250 OK"], "code": "250"}},
        {"send": "DATA", "reply": {"lines": ["354 Start mail input; end with <CRLF>.<CRLF>"], "code": "354"}},
        {"send": "Subject: s", "nowait": true},
        {"send": "", "nowait": true},
        {"send": "hello body", "nowait": true},
        {"send": ".", "reply": {"lines": ["250 OK <S2>"], "code": "250"}},
        {"send": "QUIT", "reply": {"lines": ["221 [XMail 1.27 ESMTP Server] service closing transmission channel"], "code": "221"}}],
        "server_closed": true},
       {"file": "02.pop3", "proto": "pop3", "norm": [], "steps": [], "server_closed": true}],
      "state": {"mailboxes": {"hunet.jp/cop": [{"headers": [], "body": "x"}]}}})";
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(conformance_transcript_and_script) {
  conformance_case c;
  BOOST_TEST(conformance_case_name(c.json, "g.json") == "900-test");
  auto in = read_conformance(c.json, "g.json", c.case_dir, {});
  BOOST_TEST(in.has_smtp);
  BOOST_REQUIRE(in.skipped_sessions.size() == 1u);
  BOOST_TEST(in.result.description.find("02.pop3 (pop3)") != std::string::npos);
  BOOST_TEST(in.result.description.find("no delivery engine") != std::string::npos);
  auto& st = in.result.sessions.at(0).steps;
  BOOST_REQUIRE(st.size() == 14u);
  BOOST_TEST(st[1].text == "NOOP");  // REPEAT expanded
  BOOST_TEST(st[2].text == "NOOP");
  BOOST_TEST((st[3].what == step::kind::auth_plain));
  BOOST_TEST(st[3].user == "cop@hunet.jp");
  BOOST_TEST(st[3].password == "copsecret");
  BOOST_TEST((st[4].what == step::kind::pause));
  BOOST_TEST(st[4].text == "2");
  // an 8-bit byte cannot travel in XML: raw bytes with the line end
  BOOST_TEST((st[5].what == step::kind::raw));
  BOOST_TEST(st[5].text == "NOOP caf\\xE9\\r\\n");
  BOOST_TEST(st[5].wait);
  BOOST_TEST(!st[9].wait);  // data lines
  BOOST_TEST(st[8].wait);
  BOOST_TEST(st[13].reply->closed);

  derive_messages(in.result);
  BOOST_REQUIRE(in.result.messages.has_value());
  BOOST_REQUIRE(in.result.messages->size() == 1u);
  BOOST_TEST(in.result.messages->at(0).rcpt == "cop@hunet.jp");
  BOOST_TEST(in.result.messages->at(0).from == "love@soopoo.jp");
  BOOST_TEST(in.result.messages->at(0).body_contains == "hello body");
  BOOST_TEST(in.result.messages->at(0).auth_user == "cop@hunet.jp");  // AUTH PLAIN answered 235
}

BOOST_AUTO_TEST_CASE(trailing_reply_lines_become_read_steps) {
  conformance_case c;
  std::string with_trailing = c.json;
  auto at = with_trailing.find("\"server_closed\": true}");
  with_trailing.replace(at, std::strlen("\"server_closed\": true}"),
                        "\"trailing\": [\"250-late\", \"250 reply\", \"421 bye\"], \"server_closed\": true}");
  auto in = read_conformance(with_trailing, "g.json", c.case_dir, {});
  auto& st = in.result.sessions.at(0).steps;
  BOOST_REQUIRE(st.size() >= 2u);
  auto& a = st[st.size() - 2];
  auto& b = st.back();
  BOOST_TEST((a.what == step::kind::read));
  BOOST_TEST(a.reply->lines.size() == 2u);
  BOOST_TEST(b.reply->lines.at(0) == "421 bye");
  BOOST_TEST(b.reply->closed);
}

BOOST_AUTO_TEST_CASE(smtpgw_recipients_are_checked_as_addressed) {
  // the runner matches "u@d" against the source route smtpgw.tab makes of it
  conformance_case c;
  write(c.case_dir / "mailroot" / "smtpgw.tab", "\"gw.test\"\t\"@{sink}\"\n");
  auto in = read_conformance(c.json, "g.json", c.case_dir, {});
  derive_messages(in.result);
  BOOST_REQUIRE(in.result.messages->size() == 1u);
  BOOST_TEST(!in.result.messages->at(0).rcpt.empty());
  BOOST_TEST(in.result.messages->at(0).from == "love@soopoo.jp");
}

BOOST_AUTO_TEST_CASE(conformance_script_and_transcript_out_of_step) {
  conformance_case c;
  write(c.case_dir / "01.smtp", "C: HELO client.test\nS: NOOP\n");
  BOOST_CHECK_THROW(read_conformance(c.json, "g.json", c.case_dir, {}), import_error);
  BOOST_CHECK_THROW(read_conformance("{\"format\": \"other\"}", "g.json", c.case_dir, {}), import_error);
  try {
    read_conformance("{\n\"format\": ,}", "g.json", c.case_dir, {});
    BOOST_FAIL("expected an import_error");
  } catch (const import_error& e) {
    BOOST_TEST(std::string(e.what()).rfind("g.json:2:", 0) == 0u);
  }
  // A script shorter than its transcript: the error cites a line too (found by fuzz/transcript_importer).
  write(c.case_dir / "01.smtp", "C: HELO client.test\n");
  try {
    read_conformance(c.json, "g.json", c.case_dir, {});
    BOOST_FAIL("expected an import_error");
  } catch (const import_error& e) {
    BOOST_TEST(std::string(e.what()) == "g.json:1: session 01.smtp: the transcript has more steps than the script");
  }
}

BOOST_AUTO_TEST_CASE(case_mailroot_copy) {
  conformance_case c;
  fs::path dest = c.dir.path / "fixtures" / "900-test";
  copy_case_mailroot(c.case_dir, dest);
  BOOST_TEST(fs::exists(dest / "server.tab"));
  BOOST_TEST(fs::exists(dest / "domains/hunet.jp/cop/Maildir/new/.keep"));
  BOOST_TEST(!fs::exists(dest / "server.tab.keep"));
  BOOST_TEST(((fs::status(dest / "filters/f.sh").permissions() & fs::perms::owner_exec) != fs::perms::none));
  BOOST_TEST(((fs::status(dest / "server.tab").permissions() & fs::perms::owner_exec) == fs::perms::none));
  // again over the old copy
  copy_case_mailroot(c.case_dir, dest);
  BOOST_TEST(fs::exists(dest / "server.tab"));
}

BOOST_AUTO_TEST_CASE(scenario_xml) {
  conformance_case c;
  auto in = read_conformance(c.json, "g.json", c.case_dir, {});
  in.result.mailroot = "../../fixtures/mailroots/conformance/900-test";
  derive_messages(in.result);
  auto xml = to_xml(in.result);
  pugi::xml_document doc;
  BOOST_REQUIRE(doc.load_string(xml.c_str()));
  auto sc = doc.child("scenario");
  BOOST_TEST(std::string(sc.attribute("xmlns").value()) == "urn:mailflow:scenario:1");
  BOOST_TEST(std::string(sc.attribute("name").value()) == "900-test");
  BOOST_TEST(std::string(sc.child("mailroot").attribute("fixture").value()) ==
             "../../fixtures/mailroots/conformance/900-test");
  auto sess = sc.child("session");
  auto g = sess.child("greeting");
  BOOST_TEST(std::string(g.attribute("code").value()) == "220");
  BOOST_TEST(matches(g.attribute("match").value(),
                     "220 hunet.jp <1238906842.1@hunet.jp> [mailflow 0.1 ESMTP Server] service ready; Sun, 5 Apr "
                     "2009 13:47:22 +0900"));
  auto helo = g.next_sibling("send");
  BOOST_TEST(std::string(helo.attribute("line").value()) == "HELO client.test");
  BOOST_TEST(std::string(helo.attribute("reply").value()) == "250 hunet.jp");
  BOOST_TEST(std::string(sess.child("auth-plain").attribute("password").value()) == "copsecret");
  BOOST_TEST(std::string(sess.child("raw").attribute("bytes").value()) == "NOOP caf\\xE9\\r\\n");
  BOOST_TEST(std::string(sess.child("pause").attribute("seconds").value()) == "2");
  auto quit = sess.last_child();
  BOOST_TEST(std::string(quit.attribute("closed").value()) == "true");
  auto expect = sc.child("expect");
  BOOST_TEST(expect.child("messages").attribute("count").as_int() == 1);
  BOOST_TEST(std::string(expect.child("message").attribute("rcpt").value()) == "cop@hunet.jp");
}

// One session greeted "220 x" with these sent lines and their recorded replies, written as XML.
static void write_one_session(pugi::xml_document& doc, std::vector<std::pair<std::string, std::vector<std::string>>> sent) {
  scenario s;
  s.name = "t";
  s.mailroot = "f";
  session sess;
  sess.greeting = recorded_reply{{"220 x"}, false, false};
  for (auto& [text, lines] : sent) {
    step st;
    st.text = text;
    st.reply = recorded_reply{lines, false, false};
    sess.steps.push_back(st);
  }
  s.sessions.push_back(sess);
  BOOST_REQUIRE(doc.load_string(to_xml(s).c_str()));
}

BOOST_AUTO_TEST_CASE(multiline_reply_xml) {
  pugi::xml_document doc;
  write_one_session(doc, {{"EHLO a", {"250-hunet.jp", "250 [XMail 1.27 ESMTP Server]"}}});
  auto reply = doc.child("scenario").child("session").child("send").child("reply");
  BOOST_TEST(std::string(reply.attribute("code").value()) == "250");
  auto l1 = reply.child("line");
  BOOST_TEST(std::string(l1.text().get()) == "250-hunet.jp");
  BOOST_TEST(matches(l1.next_sibling("line").attribute("match").value(), "250 [mailflow 0.1 ESMTP Server]"));
  BOOST_TEST(!doc.child("scenario").child("expect"));  // nothing derived: nothing checked
}

// Found by fuzz/transcript_importer: a C: line holding a CR was written as a
// <send> line, which the scenario reader refuses; it is sent as raw bytes.
BOOST_AUTO_TEST_CASE(a_plain_client_line_with_a_control_byte_is_sent_raw) {
  auto s = read_plain("S: 220 x\nC: NOOP\rX\nS: 250 ok\nC: QUIT\nS: 221 bye\n", "t.txt", {});
  BOOST_REQUIRE(s.sessions.size() == 1u);
  auto& steps = s.sessions[0].steps;
  BOOST_REQUIRE(steps.size() == 3u);
  BOOST_TEST((steps[0].what == step::kind::raw));
  BOOST_TEST(steps[0].text == "NOOP\\rX\\r\\n");
  BOOST_TEST((steps[1].what == step::kind::read));
  BOOST_TEST(steps[1].reply->lines.at(0) == "250 ok");
  BOOST_TEST((steps[2].what == step::kind::send));
}

// Found by fuzz/transcript_importer: a recorded reply without a three-digit
// code was written as code="xml" (its first bytes), and the scenario did not load.
BOOST_AUTO_TEST_CASE(a_reply_without_a_code_is_expected_by_its_text_only) {
  pugi::xml_document doc;
  write_one_session(doc, {{"DATA", {"xmlns354 go"}}, {"EHLO a", {"250-hunet.jp", "2x"}}});
  auto send = doc.child("scenario").child("session").child("send");
  BOOST_TEST(!send.attribute("code"));
  BOOST_TEST(std::string(send.attribute("reply").value()) == "xmlns354 go");
  auto reply = send.next_sibling("send").child("reply");
  BOOST_TEST(!reply.attribute("code"));
  BOOST_TEST(std::string(reply.child("line").next_sibling("line").text().get()) == "2x");
}

// Issue 10.1 and 10.12: a transcript is untrusted input.
BOOST_AUTO_TEST_CASE(a_case_name_must_be_one_plain_folder_name) {
  conformance_case c;
  for (std::string bad : {"../../../x", "/tmp/x", "..", ".hidden", "a/b", ""}) {
    std::string json = c.json;
    json.replace(json.find("\"case\": \"900-test\""), 18, "\"case\": \"" + bad + "\"");
    BOOST_CHECK_THROW(conformance_case_name(json, "g.json"), import_error);
    BOOST_CHECK_THROW(read_conformance(json, "g.json", c.case_dir, {}), import_error);
  }
  std::string json = c.json;
  json.replace(json.find("\"case\": \"900-test\""), 18, "\"case\": 5");
  BOOST_CHECK_THROW(conformance_case_name(json, "g.json"), import_error);
}

BOOST_AUTO_TEST_CASE(a_session_file_outside_the_case_folder_is_not_read) {
  conformance_case c;
  write(c.dir.path / "secret.txt", "root:x:0:0:the first line\n");
  std::string json = c.json;
  json.replace(json.find("\"file\": \"01.smtp\""), 17, "\"file\": \"../../secret.txt\"");
  try {
    read_conformance(json, "g.json", c.case_dir, {});
    BOOST_FAIL("expected an import_error");
  } catch (const import_error& e) {
    std::string what = e.what();
    BOOST_TEST(what.find("plain file name") != std::string::npos);
    BOOST_TEST(what.find("root:x") == std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(missing_or_mistyped_members_are_errors_not_aborts) {
  conformance_case c;
  std::string json = c.json;
  // no "state": an older transcript; it still imports
  json.replace(json.find(",\n      \"state\""), std::string(",\n      \"state\": {\"mailboxes\": {\"hunet.jp/cop\": [{\"headers\": [], \"body\": \"x\"}]}}").size(), "");
  BOOST_REQUIRE(json.find("state") == std::string::npos);
  BOOST_CHECK_NO_THROW(read_conformance(json, "g.json", c.case_dir, {}));
  for (auto [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"\"sessions\": [", "\"sessions\": 3, \"x\": ["},
           {"\"proto\": \"smtp\"", "\"proto\": 1"},
           {"\"title\": \"t\",\n", "\"title\": [],\n"},
           {"\"steps\": [", "\"steps\": {\"a\": ["}}) {
    std::string broken = c.json;
    broken.replace(broken.find(from), from.size(), to);
    BOOST_CHECK_THROW(read_conformance(broken, "g.json", c.case_dir, {}), import_error);
  }
  write(c.case_dir / "01.smtp", "REPEAT: 99999999999 C: NOOP\n");
  BOOST_CHECK_THROW(read_conformance(c.json, "g.json", c.case_dir, {}), import_error);
}

BOOST_AUTO_TEST_CASE(import_never_replaces_a_folder_it_did_not_make) {
  conformance_case c;
  fs::path dest = c.dir.path / "fixtures" / "900-test";
  write(dest / "precious.txt", "not a MailRoot import made\n");
  BOOST_CHECK_THROW(copy_case_mailroot(c.case_dir, dest), import_error);
  BOOST_TEST(fs::exists(dest / "precious.txt"));
  BOOST_TEST(!fs::exists(dest / "server.tab"));
  // one import made is replaced, and a link in the case's MailRoot is refused
  fs::path ours = c.dir.path / "fixtures" / "901-test";
  copy_case_mailroot(c.case_dir, ours);
  BOOST_TEST(fs::exists(ours / "server.tab"));
  fs::create_symlink("/etc/passwd", c.case_dir / "mailroot" / "aliases.tab");
  BOOST_CHECK_THROW(copy_case_mailroot(c.case_dir, ours), import_error);
  BOOST_TEST(fs::exists(ours / "server.tab"));  // the old copy is whole
  BOOST_TEST(!fs::exists(ours / "aliases.tab"));
}

// Issue 10.1: a plain name is not enough. A link in the case folder leads out
// of it, and its target's first line was quoted in the error.
BOOST_AUTO_TEST_CASE(a_session_file_that_links_out_of_the_case_folder_is_not_read) {
  conformance_case c;
  write(c.dir.path / "secret.txt", "TOP-SECRET-LINE\n");
  fs::create_symlink(c.dir.path / "secret.txt", c.case_dir / "link.smtp");
  fs::create_directories(c.case_dir / "folder.smtp");
  for (std::string name : {"link.smtp", "folder.smtp", "absent.smtp"}) {
    std::string json = c.json;
    json.replace(json.find("\"file\": \"01.smtp\""), 17, "\"file\": \"" + name + "\"");
    BOOST_TEST_CONTEXT(name) {
      try {
        read_conformance(json, "g.json", c.case_dir, {});
        BOOST_ERROR("expected an import_error");
      } catch (const import_error& e) {
        std::string what = e.what();
        BOOST_TEST(what.rfind("g.json:1:", 0) == 0u);
        BOOST_TEST(what.find("TOP-SECRET") == std::string::npos);
      }
    }
  }
}

// Issue 10.12: a member of the wrong type was ignored or read as something
// else ("lines": "250 x" became a one-line reply); each is now an error
// naming the member.
BOOST_AUTO_TEST_CASE(every_mistyped_member_is_an_error) {
  conformance_case c;
  auto with = [&](const std::string& from, const std::string& to) {
    std::string json = c.json;
    auto at = json.find(from);
    BOOST_REQUIRE(at != std::string::npos);
    return json.replace(at, from.size(), to);
  };
  std::vector<std::pair<std::string, std::string>> bad{
      {with("\"state\": {", "\"state\": 5, \"x\": {"), "\"state\""},
      {with("\"state\": {\"mailboxes\": {", "\"state\": {\"frozen\": 3, \"mailboxes\": {"), "\"frozen\""},
      {with("\"state\": {\"mailboxes\": {", "\"state\": {\"mailboxes\": 3, \"x\": {"), "\"mailboxes\""},
      {with("{\"hunet.jp/cop\": [", "{\"hunet.jp/cop\": 7, \"x\": ["), "\"hunet.jp/cop\""},
      {with("\"lines\": [\"250 hunet.jp\"]", "\"lines\": \"250 hunet.jp\""), "\"lines\""},
      {with("\"lines\": [\"250 hunet.jp\"]", "\"lines\": [250]"), "\"lines\""},
      {with("\"server_closed\": true}", "\"server_closed\": \"yes\"}"), "\"server_closed\""},
      {with("\"server_closed\": true}", "\"trailing\": \"250 x\", \"server_closed\": true}"), "\"trailing\""},
      {with("\"lines\": [\"250 hunet.jp\"]", "\"lines\": [\"250 hunet.jp\"], \"closed\": 1"), "\"closed\""},
      {with("\"lines\": [\"250 hunet.jp\"]", "\"lines\": [\"250 hunet.jp\"], \"timeout\": \"no\""), "\"timeout\""},
      {with("\"reply\": {\"lines\": [\"250 hunet.jp\"]", "\"reply\": [\"250 hunet.jp\"], \"x\": {\"lines\": []"), "\"reply\""},
      {with("\"format\": \"xmail-oracle-transcript/1\"", "\"format\": 1"), "format"},
  };
  for (auto& [json, member] : bad) {
    BOOST_TEST_CONTEXT(member) {
      try {
        read_conformance(json, "g.json", c.case_dir, {});
        BOOST_ERROR("expected an import_error");
      } catch (const import_error& e) {
        std::string what = e.what();
        BOOST_TEST(what.rfind("g.json:1:", 0) == 0u);
        BOOST_TEST(what.find(member) != std::string::npos, what);
      } catch (const std::exception& e) {
        BOOST_ERROR(std::string("not an import_error: ") + e.what());
      }
    }
  }
}
