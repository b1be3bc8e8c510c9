// AUTH: every mechanism good, bad, cancelled and malformed; smtpauth.tab and smtpextauth.tab.
#include <boost/test/unit_test.hpp>

#include <fstream>

#include "driver.hpp"

using namespace mailflow;
using namespace mailflow::testing;

namespace {
struct common {
  temp_dir t;
  common() { write_common_mailroot(t); }
};

std::string cram(const std::string& challenge_line, const std::string& user, const std::string& pass) {
  auto challenge = *base64_decode(challenge_line.substr(4));
  return base64_encode(user + " " + hmac_md5_hex(pass, challenge));
}
}  // namespace

BOOST_AUTO_TEST_SUITE(auth)

BOOST_AUTO_TEST_CASE(plain_with_and_without_initial_response_006_007) {
  common c;
  driver d(c.t);
  d.connect();
  d.ehlo();
  BOOST_TEST(d.auth_plain("cop@hunet.jp", "wrongpass") == "503 Authentication failed");
  BOOST_TEST(d.auth_plain("ghost@hunet.jp", "copsecret") == "503 Authentication failed");
  BOOST_TEST(d.send("AUTH PLAIN ***notbase64***") == "501 Syntax error in parameters or arguments");
  // RFC 4954 section 4: an empty 334 and the credentials on the next line (XMail: 501)
  BOOST_TEST(d.send("AUTH PLAIN") == "334 ");
  BOOST_TEST(d.send(base64_encode(std::string("\0cop@hunet.jp\0copsecret", 23))) == "235 Authentication successful");
  BOOST_TEST(d.send("MAIL FROM:<cop@hunet.jp>") == "250 OK");
  BOOST_TEST(d.send("RCPT TO:<far@remote.test>") == "250 OK");  // MR: relaying allowed
  auto a = d.decisions(stage::auth);
  BOOST_TEST((a.back().result == outcome::accept));
  BOOST_TEST(a.back().rule->file == "mailusers.tab");
  for (auto& e : d.events)
    if (auto l = std::get_if<client_line>(&e)) BOOST_TEST(l->text.find("AGNvcEBodW5ldC5qcAB3cm9uZ3Bhc3M") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(login_user_forms_and_cancel) {
  common c;
  for (auto user : {"cop@hunet.jp", "cop:hunet.jp", "cop%hunet.jp"}) {
    driver d(c.t);
    d.connect();
    d.ehlo();
    BOOST_TEST(d.send("AUTH LOGIN") == "334 VXNlcm5hbWU6");
    BOOST_TEST(d.send(base64_encode(user)) == "334 UGFzc3dvcmQ6");
    BOOST_TEST(d.send(base64_encode("copsecret")) == "235 Authentication successful");
  }
  driver d(c.t);
  d.connect();
  d.ehlo();
  BOOST_TEST(d.send("AUTH LOGIN") == "334 VXNlcm5hbWU6");
  BOOST_TEST(d.send("*") == "501 Authentication cancelled");
  BOOST_TEST(d.send("AUTH LOGIN") == "334 VXNlcm5hbWU6");
  BOOST_TEST(d.send(base64_encode("cop@hunet.jp")) == "334 UGFzc3dvcmQ6");
  BOOST_TEST(d.send("*") == "501 Authentication cancelled");
  BOOST_TEST(d.send("AUTH LOGIN") == "334 VXNlcm5hbWU6");
  // XMail decodes the user name only once the password line is in
  BOOST_TEST(d.send("%%%%") == "334 UGFzc3dvcmQ6");
  BOOST_TEST(d.send(base64_encode("copsecret")) == "501 Syntax error in parameters or arguments");
  BOOST_TEST(d.send("AUTH LOGIN " + base64_encode("cop@hunet.jp")) == "334 UGFzc3dvcmQ6");
  BOOST_TEST(d.send(base64_encode("copsecret")) == "235 Authentication successful");
}

BOOST_AUTO_TEST_CASE(cram_md5_009) {
  common c;
  {
    driver d(c.t);
    std::string token = greeting_token(d.connect());
    d.ehlo();
    std::string challenge = d.send("AUTH CRAM-MD5");
    BOOST_TEST(challenge == "334 " + base64_encode(token));
    BOOST_TEST(d.send(cram(challenge, "cop@hunet.jp", "copsecret")) == "235 Authentication successful");
  }
  driver d(c.t);
  d.connect();
  d.ehlo();
  std::string challenge = d.send("AUTH CRAM-MD5");
  BOOST_TEST(d.send(cram(challenge, "cop@hunet.jp", "wrongpass")) == "503 Authentication failed");
  challenge = d.send("AUTH CRAM-MD5");
  BOOST_TEST(d.send("*") == "501 Authentication cancelled");
  challenge = d.send("AUTH CRAM-MD5");
  BOOST_TEST(d.send(base64_encode("nospace")) == "501 Syntax error in parameters or arguments");
}

BOOST_AUTO_TEST_CASE(sequence_errors_011) {
  common c;
  driver d(c.t);
  d.connect();
  BOOST_TEST(d.auth_plain("cop@hunet.jp", "copsecret") == "503 Bad sequence of commands");
  d.ehlo();
  BOOST_TEST(d.send("AUTH") == "501 Syntax error in parameters or arguments");
  BOOST_TEST(d.send("AUTH DIGEST-MD5") == "504 Unrecognized authentication type");
  BOOST_TEST(d.auth_plain("cop@hunet.jp", "copsecret") == "235 Authentication successful");
  BOOST_TEST(d.auth_plain("cop@hunet.jp", "copsecret") == "503 Bad sequence of commands");
  BOOST_TEST(d.send("EHLO again.test") == "503 Bad sequence of commands");

  driver t(c.t);
  t.connect();
  t.ehlo();
  BOOST_TEST(t.send("MAIL FROM:<cop@hunet.jp>") == "250 OK");
  BOOST_TEST(t.auth_plain("cop@hunet.jp", "copsecret") == "503 Bad sequence of commands");
  BOOST_TEST(t.send("RCPT TO:<love@soopoo.jp>") == "503 Bad sequence of commands");  // the transaction was reset
}

BOOST_AUTO_TEST_CASE(smtpauth_tab_after_mailusers) {
  common c;
  c.t.write("smtpauth.tab", "\"relayer\"\t\"relaypw\"\t\"MR\"\n\"mailonly\"\t\"mailpw\"\t\"M\"\n");
  driver d(c.t);
  d.connect();
  d.ehlo();
  BOOST_TEST(d.auth_plain("relayer", "relaypw") == "235 Authentication successful");
  d.send("MAIL FROM:<x@remote.test>");
  BOOST_TEST(d.send("RCPT TO:<far@remote.test>") == "250 OK");
  BOOST_TEST(d.decisions(stage::auth).at(0).rule->file == "smtpauth.tab");

  driver m(c.t);
  m.connect();
  m.ehlo();
  std::string ch = m.send("AUTH CRAM-MD5");
  BOOST_TEST(m.send(cram(ch, "mailonly", "mailpw")) == "235 Authentication successful");
  m.send("MAIL FROM:<x@remote.test>");
  BOOST_TEST(m.send("RCPT TO:<far@remote.test>") == "550 Relay denied");
}

BOOST_AUTO_TEST_CASE(smtp_no_tls_auths_filters_the_list) {
  common c;
  c.t.write("server.tab", "\"RootDomain\"\t\"hunet.jp\"\n\"SmtpNoTLSAuths\"\t\"CRAM-MD5\"\n");
  driver d(c.t);
  d.connect();
  BOOST_TEST(d.ehlo().find("250-AUTH CRAM-MD5\n") != std::string::npos);
  BOOST_TEST(d.auth_plain("cop@hunet.jp", "copsecret") == "504 Unrecognized authentication type");
  c.t.write("server.tab", "\"RootDomain\"\t\"hunet.jp\"\n\"SmtpNoTLSAuths\"\t\"\"\n");
  driver none(c.t);
  none.connect();
  BOOST_TEST(none.ehlo().find("AUTH") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(smtpextauth_replaces_listed_methods_112) {
  common c;
  c.t.write("smtpextauth.tab",
            "\"PLAIN\"\t\"/ext/auth\"\t\"@@AUTH\"\t\"@@USER\"\t\"@@PASS\"\t\"@@RFILE\"\n"
            "\"LOGIN\"\t\"/ext/auth\"\t\"@@AUTH\"\t\"@@USER\"\t\"@@PASS\"\t\"@@RFILE\"\n"
            "\"RSA-AUTH\"\t\"/ext/auth\"\t\"@@AUTH\"\t\"@@USER\"\t\"@@PASS\"\t\"@@RFILE\"\n");
  auto script = [](const process_request& r) {
    process_result res;
    res.result = process_result::status::exited;
    bool good = r.argv.at(2) == "ext" && r.argv.at(3) == "extpw";
    if (good) std::ofstream(r.argv.at(4)) << "Perms=MR";  // no line ending: XMail 1.27 does not apply it [112]
    if (r.argv.at(2) == "full") std::ofstream(r.argv.at(4)) << "Perms=MR\n";
    res.exit_code = good || r.argv.at(2) == "full" ? 0 : 1;
    return res;
  };
  {
    driver d(c.t);
    d.runner.script = script;
    d.connect();
    BOOST_TEST(d.ehlo().find("250-AUTH PLAIN LOGIN RSA-AUTH\n") != std::string::npos);
    BOOST_TEST(d.auth_plain("ext", "extpw") == "235 Authentication successful");
    BOOST_TEST(d.runner.calls.at(0).argv.at(1) == "PLAIN");
    d.send("MAIL FROM:<ext@remote.test>");
    BOOST_TEST(d.send("RCPT TO:<far@remote.test>") == "550 Relay denied");
  }
  {
    driver d(c.t);
    d.runner.script = script;
    d.connect();
    d.ehlo();
    BOOST_TEST(d.auth_plain("ext", "wrong") == "503 Authentication failed");
    // a listed method never falls back to mailusers.tab
    BOOST_TEST(d.auth_plain("cop@hunet.jp", "copsecret") == "503 Authentication failed");
    // an unlisted built-in method still works against mailusers.tab
    std::string ch = d.send("AUTH CRAM-MD5");
    BOOST_TEST(d.send(cram(ch, "cop@hunet.jp", "copsecret")) == "235 Authentication successful");
  }
  {
    driver d(c.t);
    d.runner.script = script;
    d.connect();
    d.ehlo();
    BOOST_TEST(d.send("AUTH RSA-AUTH") == "504 Unrecognized authentication type");
    BOOST_TEST(d.send("AUTH LOGIN") == "334 VXNlcm5hbWU6");
    d.send(base64_encode("full"));
    BOOST_TEST(d.send(base64_encode("anything")) == "235 Authentication successful");
    d.send("MAIL FROM:<full@remote.test>");
    BOOST_TEST(d.send("RCPT TO:<far@remote.test>") == "250 OK");  // a complete Perms= line is honoured
    // the password never reaches an event
    for (auto& e : d.events)
      if (auto s = std::get_if<stage_decision>(&e)) BOOST_TEST(s->detail.find("anything") == std::string::npos);
  }
}

BOOST_AUTO_TEST_SUITE_END()
