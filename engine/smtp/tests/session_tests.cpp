// The session against the replies of ../shared/conformance/ (case numbers in brackets).
#include <boost/test/unit_test.hpp>

#include "driver.hpp"

using namespace mailflow;
using namespace mailflow::testing;

namespace {
const std::string ehlo_reply =
    "250-hunet.jp\n250-VRFY\n250-ETRN\n250-8BITMIME\n250-PIPELINING\n250-AUTH LOGIN PLAIN CRAM-MD5\n250-SIZE\n250 STARTTLS";

struct common {
  temp_dir t;
  common() { write_common_mailroot(t); }
};
}  // namespace

BOOST_AUTO_TEST_SUITE(session)

BOOST_AUTO_TEST_CASE(greeting_and_classic_delivery_001) {
  common c;
  driver d(c.t);
  std::string greeting = d.connect();
  BOOST_TEST(greeting == "220 hunet.jp <1238906842.1@hunet.jp> [mailflow 0.1 ESMTP Server] service ready; "
                        "Sun, 5 Apr 2009 13:47:22 +0900");
  BOOST_TEST(greeting_token(greeting) == "<1238906842.1@hunet.jp>");
  BOOST_TEST(d.ehlo("hunet.jp") == ehlo_reply);
  BOOST_TEST(d.send("AUTH LOGIN") == "334 VXNlcm5hbWU6");
  BOOST_TEST(d.send(base64_encode("cop@hunet.jp")) == "334 UGFzc3dvcmQ6");
  BOOST_TEST(d.send(base64_encode("copsecret")) == "235 Authentication successful");
  BOOST_TEST(d.send("MAIL From:<cop@hunet.jp>") == "250 OK");
  BOOST_TEST(d.send("RCPT To:<love@soopoo.jp>") == "250 OK");
  BOOST_TEST(d.send("DATA") == "354 Start mail input; end with <CRLF>.<CRLF>");
  BOOST_TEST(d.raw("From: cop@hunet.jp\r\nTo: love@soopoo.jp\r\nSubject: hello\r\n\r\nHi love, this is cop.\r\n.\r\n") ==
             "250 OK <S2>");
  BOOST_TEST(d.send("QUIT") == "221 [mailflow 0.1 ESMTP Server] service closing transmission channel");
  BOOST_TEST(d.closed);
  BOOST_REQUIRE(d.spool.messages.size() == 1u);
  auto& m = d.spool.messages[0];
  BOOST_TEST(m.info_line == "[127.0.0.1]:40000;[127.0.0.1]:25;Sun, 5 Apr 2009 13:47:22 +0900");
  BOOST_TEST(m.smtp_domain == "hunet.jp");
  BOOST_TEST(m.message_ref == "S2");
  BOOST_TEST(m.mail_from == "MAIL FROM:<cop@hunet.jp>");
  BOOST_TEST(m.rcpt_to == "RCPT TO:<love@soopoo.jp>");
  BOOST_TEST(m.data() ==
             "X-AuthUser: cop@hunet.jp\r\n"
             "Received: from hunet.jp ([127.0.0.1]:40000)\r\n"
             "\tby hunet.jp with [mailflow 0.1 ESMTP Server]\r\n"
             "\tid <S2> for <love@soopoo.jp> from <cop@hunet.jp>;\r\n"
             "\tSun, 5 Apr 2009 13:47:22 +0900\r\n"
             "From: cop@hunet.jp\r\nTo: love@soopoo.jp\r\nSubject: hello\r\n\r\nHi love, this is cop.\r\n");
  // secrets never reach the events
  for (auto& e : d.events)
    if (auto l = std::get_if<client_line>(&e)) BOOST_TEST(l->text.find(base64_encode("copsecret")) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(relay_denied_keeps_transaction_004) {
  common c;
  driver d(c.t);
  d.connect();
  d.ehlo();
  BOOST_TEST(d.send("MAIL FROM:<cop@hunet.jp>") == "250 OK");
  BOOST_TEST(d.send("RCPT TO:<love@remote.test>") == "550 Relay denied");
  BOOST_TEST(d.send("RCPT TO:<cop@hunet.jp>") == "250 OK");
  BOOST_TEST(d.send("DATA") == "354 Start mail input; end with <CRLF>.<CRLF>");
  BOOST_TEST(d.raw("Subject: relay test\r\n\r\nlocal copy only\r\n.\r\n") == "250 OK <S2>");
  BOOST_TEST(d.spool.messages.size() == 1u);
  auto relay = d.decisions(stage::rcpt_relay);
  BOOST_REQUIRE(relay.size() == 1u);
  BOOST_TEST((relay[0].result == outcome::reject));
  BOOST_TEST(relay[0].reply == "550 Relay denied");
}

BOOST_AUTO_TEST_CASE(bad_sequence_resets_041) {
  common c;
  driver d(c.t);
  d.connect();
  BOOST_TEST(d.send("MAIL FROM:<cop@hunet.jp>") == "503 Bad sequence of commands");
  BOOST_TEST(d.send("RCPT TO:<cop@hunet.jp>") == "503 Bad sequence of commands");
  BOOST_TEST(d.send("DATA") == "503 Bad sequence of commands");
  d.ehlo();
  BOOST_TEST(d.send("RCPT TO:<cop@hunet.jp>") == "503 Bad sequence of commands");
  BOOST_TEST(d.send("DATA") == "503 Bad sequence of commands");
  BOOST_TEST(d.send("MAIL FROM:<cop@hunet.jp>") == "250 OK");
  BOOST_TEST(d.send("DATA") == "503 Bad sequence of commands");
  BOOST_TEST(d.send("RCPT TO:<cop@hunet.jp>") == "503 Bad sequence of commands");
  BOOST_TEST(d.send("MAIL FROM:<cop@hunet.jp>") == "250 OK");
  BOOST_TEST(d.send("MAIL FROM:<cop@hunet.jp>") == "503 Bad sequence of commands");
  BOOST_TEST(d.send("RCPT TO:<cop@hunet.jp>") == "503 Bad sequence of commands");
  BOOST_TEST(d.send("MAIL FROM:<cop@hunet.jp>") == "250 OK");
  BOOST_TEST(d.send("EHLO again.test") == "503 Bad sequence of commands");
  BOOST_TEST(d.send("QUIT") == "221 [mailflow 0.1 ESMTP Server] service closing transmission channel");
}

BOOST_AUTO_TEST_CASE(helo_ehlo_and_mail_parameters_105) {
  common c;
  driver d(c.t);
  d.connect();
  BOOST_TEST(d.send("HELO client.test") == "250 hunet.jp");
  BOOST_TEST(d.send("HELO other.test") == "250 hunet.jp");
  BOOST_TEST(d.ehlo() == ehlo_reply);
  for (auto p : {"BODY=8BITMIME", "BODY=7BIT", "BODY=BINARYMIME", "FOO=bar", "SIZE=abc"}) {
    BOOST_TEST(d.send(std::string("MAIL FROM:<love@soopoo.jp> ") + p) == "250 OK");
    BOOST_TEST(d.send("RSET") == "250 OK");
  }
  BOOST_TEST(d.send("MAIL FROM:<love@soopoo.jp> AUTH=<>") == "250 OK");
  BOOST_TEST(d.send("RCPT TO:<cop@hunet.jp> ORCPT=rfc822;cop@hunet.jp") == "250 OK");
  d.send("DATA");
  BOOST_TEST(d.raw("Subject: params\r\n\r\nbody\r\n.\r\n") == "250 OK <S7>");
  // Received's from <...> is the last <...> of the MAIL line [105]
  BOOST_TEST(d.spool.messages.at(0).data().find("from <>;") != std::string::npos);
  BOOST_TEST(d.send("HELO") == "501 Syntax error in parameters or arguments");
}

BOOST_AUTO_TEST_CASE(aliases_and_unknown_users_013_015) {
  common c;
  c.t.write("domains.tab", "\"hunet.jp\"\n\"soopoo.jp\"\n\"dojo.jp\"\n\"top.jp\"\n");
  c.t.write("aliases.tab",
            "\"hunet.jp\"\t\"foo\"\t\"cop\"\n\"dojo.jp\"\t\"foo\"\t\"cop@hunet.jp\"\n\"hunet.jp\"\t\"*master\"\t\"cop\"\n"
            "\"???.jp\"\t\"bar\"\t\"love@soopoo.jp\"\n\"hunet.jp\"\t\"ext\"\t\"far@remote.test\"\n"
            "\"hunet.jp\"\t\"chain\"\t\"foo\"\n");
  driver d(c.t);
  d.connect();
  BOOST_TEST(d.send("HELO client.test") == "250 hunet.jp");
  BOOST_TEST(d.send("MAIL FROM:<someone@remote.test>") == "250 OK");
  for (auto ok : {"foo@hunet.jp", "foo@dojo.jp", "webmaster@hunet.jp", "Postmaster@hunet.jp", "bar@top.jp",
                  "COP@HUNET.JP", "Love@Soopoo.JP"})
    BOOST_TEST(d.send(std::string("RCPT TO:<") + ok + ">") == "250 OK");
  for (auto bad : {"bar@dojo.jp", "nobody@hunet.jp", "ext@hunet.jp", "chain@hunet.jp"})
    BOOST_TEST(d.send(std::string("RCPT TO:<") + bad + ">") == std::string("550 Mailbox unavailable <") + bad + ">");
  d.send("DATA");
  BOOST_TEST(d.raw("Subject: alias test\r\n\r\none copy per accepted recipient\r\n.\r\n") == "250 OK <S2>");
  BOOST_REQUIRE(d.spool.messages.size() == 7u);  // one copy per accepted RCPT, no de-duplication
  BOOST_TEST(d.spool.messages[0].rcpt_to == "RCPT TO:<foo@hunet.jp>");
  BOOST_TEST(d.spool.messages[5].data().find("for <COP@HUNET.JP>") != std::string::npos);
  auto alias = d.decisions(stage::rcpt_alias);
  BOOST_TEST((alias.at(0).result == outcome::rewrite));
  BOOST_TEST(alias.at(0).rule->file == "aliases.tab");
  BOOST_TEST(alias.at(0).rule->line == 1u);

  // a bare <postmaster> does not parse: 501 (-132) and the transaction is reset
  BOOST_TEST(d.send("MAIL FROM:<someone@remote.test>") == "250 OK");
  BOOST_TEST(d.send("RCPT TO:<postmaster>") == "501 Syntax error in parameters or arguments: (-132)");
  BOOST_TEST(d.send("RCPT TO:<cop@hunet.jp>") == "503 Bad sequence of commands");
}

BOOST_AUTO_TEST_CASE(too_many_recipients_045) {
  common c;
  driver d(c.t);
  d.connect();
  d.send("HELO client.test");
  d.send("MAIL FROM:<love@soopoo.jp>");
  for (int i = 0; i < 100; ++i) BOOST_TEST(d.send("RCPT TO:<cop@hunet.jp>") == "250 OK");
  BOOST_TEST(d.send("RCPT TO:<cop@hunet.jp>") == "552 Too many recipients");
  BOOST_TEST(d.send("RCPT TO:<bad address>") == "552 Too many recipients");
  BOOST_TEST(d.send("DATA") == "354 Start mail input; end with <CRLF>.<CRLF>");
}

BOOST_AUTO_TEST_CASE(recipient_limit_from_settings) {
  common c;
  smtp::smtp_settings s;
  s.max_recipients = 2;
  driver d(c.t, s);
  d.connect();
  d.send("HELO client.test");
  d.send("MAIL FROM:<love@soopoo.jp>");
  d.send("RCPT TO:<cop@hunet.jp>");
  d.send("RCPT TO:<cop@hunet.jp>");
  BOOST_TEST(d.send("RCPT TO:<cop@hunet.jp>") == "552 Too many recipients");
}

BOOST_AUTO_TEST_CASE(long_lines_046_and_bad_bytes_052) {
  common c;
  driver d(c.t);
  d.connect();
  d.send("HELO client.test");
  BOOST_TEST(d.send("NOOP " + std::string(1015, 'x')) == "250 OK");
  BOOST_TEST(d.send("NOOP " + std::string(1016, 'y')) == "500 Syntax error, command line too long (over 1020 octets)");
  BOOST_TEST(d.send("NOOP") == "250 OK");  // still in sync
  BOOST_TEST(d.raw(std::string("NOOP\0garbage\r\n", 14)) == "500 Syntax error, NUL or 8-bit byte in command line");
  BOOST_TEST(d.send("NOOP caf\xe9") == "500 Syntax error, NUL or 8-bit byte in command line");
  BOOST_TEST(!d.closed);
  BOOST_TEST(d.send("NOOP") == "250 OK");
  // a 5000-octet DATA line is stored intact
  d.send("MAIL FROM:<love@soopoo.jp>");
  d.send("RCPT TO:<cop@hunet.jp>");
  d.send("DATA");
  std::string line(5000, 'z');
  BOOST_TEST(d.raw("Subject: long line\r\n\r\n" + line + "\r\nend\r\n.\r\n") == "250 OK <S2>");
  BOOST_TEST(d.spool.messages.at(0).data().find(line + "\r\nend\r\n") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(pipelining_replies_in_order) {
  common c;
  driver d(c.t);
  d.connect();
  std::string batch =
      "EHLO client.test\r\nMAIL FROM:<love@soopoo.jp>\r\nRCPT TO:<cop@hunet.jp>\r\nRCPT TO:<x@remote.test>\r\nDATA\r\n";
  BOOST_TEST(d.raw(batch) == ehlo_reply + "\n250 OK\n250 OK\n550 Relay denied\n354 Start mail input; end with <CRLF>.<CRLF>");
  BOOST_TEST(d.raw("Subject: p\r\n\r\nx\r\n.\r\nMAIL FROM:<love@soopoo.jp>\r\nRCPT TO:<cop@hunet.jp>\r\nQUIT\r\n") ==
             "250 OK <S2>\n250 OK\n250 OK\n221 [mailflow 0.1 ESMTP Server] service closing transmission channel");
}

BOOST_AUTO_TEST_CASE(smuggling_lf_dot_lf_is_one_message_048) {
  common c;
  for (bool trickle : {false, true}) {
    driver d(c.t);
    d.connect();
    d.send("HELO client.test");
    d.send("MAIL FROM:<love@soopoo.jp>");
    d.send("RCPT TO:<cop@hunet.jp>");
    d.send("DATA");
    std::string bytes =
        "Subject: first\r\n\r\nfirst body\n.\nMAIL FROM:<admin@hunet.jp>\r\nRCPT TO:<cop@hunet.jp>\r\nDATA\r\n"
        "Subject: smuggled\r\n\r\nsmuggled body\r\n.\r\n";
    BOOST_TEST((trickle ? d.trickle(bytes) : d.raw(bytes)) == "250 OK <S2>");
    BOOST_REQUIRE(d.spool.messages.size() == 1u);
    BOOST_TEST(d.spool.messages[0].data().find("first body\r\n.\r\nMAIL FROM:<admin@hunet.jp>") != std::string::npos);
    auto rcv = d.decisions(stage::data_receive);
    BOOST_TEST((rcv.at(0).result == outcome::rewrite));  // bare LF normalised
  }
}

BOOST_AUTO_TEST_CASE(smuggling_every_variant_through_the_session) {
  const std::vector<std::string> variants = {"\n.\n",     "\r.\r",         "\r.\n",     "\n.\r",
                                             "\n.\r\n",   "\r\n.\n",       "\r.\r\n",   "\r\n.\r",
                                             std::string("\r\n\0.\r\n", 6), "\r\n.\r\r\n", "\r\r\n.\r\r\n"};
  common c;
  for (auto& v : variants) {
    for (bool trickle : {false, true}) {
      driver d(c.t);
      d.connect();
      d.raw("HELO client.test\r\nMAIL FROM:<love@soopoo.jp>\r\nRCPT TO:<cop@hunet.jp>\r\nDATA\r\n");
      std::string bytes = "Subject: s\r\n\r\nbody" + v + "MAIL FROM:<admin@hunet.jp>\r\nRCPT TO:<cop@hunet.jp>\r\nDATA\r\n" +
                          "smuggled\r\n.\r\n";
      BOOST_TEST((trickle ? d.trickle(bytes) : d.raw(bytes)) == "250 OK <S2>");
      BOOST_TEST(d.spool.messages.size() == 1u);
    }
  }
}

BOOST_AUTO_TEST_CASE(bare_lf_reject_policy) {
  common c;
  c.t.write("server.tab", "\"RootDomain\"\t\"hunet.jp\"\n\"SmtpServerDomain\"\t\"hunet.jp\"\n\"SMTP-BareLF\"\t\"reject\"\n");
  driver d(c.t);
  d.connect();
  d.raw("HELO client.test\r\nMAIL FROM:<love@soopoo.jp>\r\nRCPT TO:<cop@hunet.jp>\r\nDATA\r\n");
  BOOST_TEST(d.raw("Subject: x\r\n\r\nbare\nlf\r\n.\r\n") ==
             "554 Message refused: bare LF in message data (SMTP-BareLF reject)");
  BOOST_TEST(d.spool.messages.empty());
  BOOST_TEST(d.send("RCPT TO:<cop@hunet.jp>") == "503 Bad sequence of commands");  // transaction ended
  d.raw("MAIL FROM:<love@soopoo.jp>\r\nRCPT TO:<cop@hunet.jp>\r\nDATA\r\n");
  BOOST_TEST(d.raw("Subject: ok\r\n\r\nclean\r\n.\r\n") == "250 OK <S3>");
}

BOOST_AUTO_TEST_CASE(dot_lines_and_empty_data_051) {
  common c;
  driver d(c.t);
  d.connect();
  d.raw("HELO client.test\r\nMAIL FROM:<love@soopoo.jp>\r\nRCPT TO:<cop@hunet.jp>\r\nDATA\r\n");
  BOOST_TEST(d.raw("Subject: dots\r\n\r\n..two dots\r\n.one dot\r\n .\r\n..\r\nlast\r\n.\r\n") == "250 OK <S2>");
  BOOST_TEST(d.spool.messages.at(0).data().find("\r\n.two dots\r\none dot\r\n .\r\n.\r\nlast\r\n") != std::string::npos);
  d.raw("MAIL FROM:<love@soopoo.jp>\r\nRCPT TO:<cop@hunet.jp>\r\nDATA\r\n");
  BOOST_TEST(d.raw(".\r\n") == "250 OK <S3>");
  BOOST_TEST(d.spool.messages.at(1).data().empty());  // no Received: on an empty message
}

BOOST_AUTO_TEST_CASE(help_noop_rset_vrfy_etrn_disabled) {
  common c;
  driver d(c.t);
  d.connect();
  BOOST_TEST(d.send("NOOP") == "250 OK");  // before HELO too
  BOOST_TEST(d.send("VRFY cop@hunet.jp") == "252 Argument not checked");
  BOOST_TEST(d.send("ETRN hunet.jp") == "501 Command not accepted");
  BOOST_TEST(d.send("HELP") ==
             "214-HELO EHLO MAIL RCPT DATA AUTH STARTTLS\n214-RSET VRFY ETRN NOOP HELP QUIT\n"
             "214 For more information please visit : http://www.xmailserver.org");
  BOOST_TEST(d.send("FOO") == "500 Syntax error, command unrecognized");
}

// XMail matches a verb followed by end, space or TAB (StrCmdMatch) but cuts
// arguments at spaces only (StrTokenize): recorded, scenarios/helo/09
BOOST_AUTO_TEST_CASE(verbs_end_at_tab_arguments_at_spaces) {
  common c;
  driver d(c.t);
  d.connect();
  BOOST_TEST(d.send("NOOP\tx") == "250 OK");
  BOOST_TEST(d.send("RSET\t") == "250 OK");
  BOOST_TEST(d.send(" NOOP") == "500 Syntax error, command unrecognized");
  BOOST_TEST(d.send("NOOPX") == "500 Syntax error, command unrecognized");
  BOOST_TEST(d.send("HELO\tx") == "501 Syntax error in parameters or arguments");
  BOOST_TEST(d.send("HELO a b") == "501 Syntax error in parameters or arguments");
  BOOST_TEST(d.send("EHLO a b") == "501 Syntax error in parameters or arguments");
  BOOST_TEST(d.send("HELO\tx y") == "250 hunet.jp");  // the words are "HELO\tx" and "y"
  BOOST_TEST(d.send("HELO  x ") == "250 hunet.jp");
  BOOST_TEST(d.send("STARTTLS now") == "220 Ready to start TLS");  // arguments ignored
  BOOST_TEST(d.tls_requested);
}

BOOST_AUTO_TEST_CASE(helo_without_root_domain) {
  common c;
  c.t.write("server.tab", "\"SmtpServerDomain\"\t\"hunet.jp\"\n");
  driver d(c.t);
  d.connect();
  // SMTPHandleCmd_HELO/EHLO: ERR_NO_ROOT_DOMAIN_VAR, still before HELO
  BOOST_TEST(d.send("HELO x") == "451 Requested action aborted: (-100) local error in processing");
  BOOST_TEST(d.send("EHLO x") == "451 Requested action aborted: (-100) local error in processing");
  BOOST_TEST(d.send("MAIL FROM:<cop@hunet.jp>") == "503 Bad sequence of commands");
}

BOOST_AUTO_TEST_CASE(quit_after_tab) {
  common c;
  driver d(c.t);
  d.connect();
  BOOST_TEST(d.send("QUIT\tx").rfind("221 ", 0) == 0);
  BOOST_TEST(d.closed);
}

BOOST_AUTO_TEST_CASE(vrfy_etrn_enabled_039_103) {
  common c;
  c.t.write("server.tab", "\"RootDomain\"\t\"hunet.jp\"\n\"SmtpServerDomain\"\t\"hunet.jp\"\n"
                          "\"AllowSmtpVRFY\"\t\"1\"\n\"AllowSmtpETRN\"\t\"1\"\n");
  c.t.write("aliases.tab", "\"hunet.jp\"\t\"foo\"\t\"cop\"\n\"hunet.jp\"\t\"ext\"\t\"far@remote.test\"\n"
                           "\"hunet.jp\"\t\"team\"\t\"staff\"\n");
  c.t.write("aliasdomain.tab", "\"kodomo21.net\"\t\"hunet.jp\"\n");
  c.t.write("mailusers.tab",
            "\"hunet.jp\"\t\"cop\"\t\"060a15160006170011\"\t1\t\"cop\"\t\"U\"\n"
            "\"soopoo.jp\"\t\"love\"\t\"090a1300160006170011\"\t2\t\"love\"\t\"U\"\n"
            "\"hunet.jp\"\t\"staff\"\t\"1d\"\t3\t\"staff\"\t\"M\"\n");
  c.t.write("domains/hunet.jp/staff/user.tab", "\"RealName\"\t\"staff\"\n");
  c.t.write("domains/hunet.jp/staff/mlusers.tab", "\"cop@hunet.jp\"\t\"RW\"\n");
  c.t.write("cmdaliases/hunet.jp/helpdesk.tab", "\"redirect\"\t\"cop@hunet.jp\"\n");
  driver d(c.t);
  d.connect();
  d.send("HELO client.test");
  BOOST_TEST(d.send("VRFY cop@hunet.jp") == "250 Cop Hunet <cop@hunet.jp>");
  BOOST_TEST(d.send("VRFY foo@hunet.jp") == "250 Cop Hunet <cop@hunet.jp>");
  BOOST_TEST(d.send("VRFY helpdesk@hunet.jp") == "250 Local account <helpdesk@hunet.jp>");
  BOOST_TEST(d.send("VRFY nobody@hunet.jp") == "550 String does not match anything");
  BOOST_TEST(d.send("VRFY cop") == "501 Syntax error in parameters or arguments");
  BOOST_TEST(d.send("VRFY") == "501 Syntax error in parameters or arguments");
  BOOST_TEST(d.send("VRFY staff@hunet.jp") == "250 staff <staff@hunet.jp>");
  BOOST_TEST(d.send("VRFY ext@hunet.jp") == "550 String does not match anything");
  BOOST_TEST(d.send("VRFY team@hunet.jp") == "250 staff <staff@hunet.jp>");
  BOOST_TEST(d.send("VRFY cop@kodomo21.net") == "250 Cop Hunet <cop@hunet.jp>");
  BOOST_TEST(d.send("VRFY <cop@hunet.jp>") == "501 Syntax error in parameters or arguments");
  BOOST_TEST(d.send("VRFY love@soopoo.jp") == "250 Love Soopoo <love@soopoo.jp>");
  BOOST_TEST(d.send("VRFY far@remote.test") == "550 String does not match anything");
  BOOST_TEST(d.send("ETRN hunet.jp") == "250 Queueing for 'hunet.jp' has been started");
  BOOST_TEST(d.send("ETRN @remote.test") == "250 Queueing for '@remote.test' has been started");
  BOOST_TEST(d.send("ETRN") == "501 Syntax error in parameters or arguments");
  // one word only, cut at spaces; a plain user@domain (SMTPHandleCmd_VRFY/ETRN)
  BOOST_TEST(d.send("ETRN a b") == "501 Syntax error in parameters or arguments");
  BOOST_TEST(d.send("ETRN\thunet.jp") == "501 Syntax error in parameters or arguments");
  BOOST_TEST(d.send("VRFY cop@hunet.jp extra") == "501 Syntax error in parameters or arguments");
  BOOST_TEST(d.send("VRFY cop@hunet.jp\t") == "501 Syntax error in parameters or arguments");
  BOOST_TEST(d.send("VRFY @hunet.jp") == "501 Syntax error in parameters or arguments");
  BOOST_TEST(d.send("VRFY cop@") == "501 Syntax error in parameters or arguments");
  BOOST_TEST(d.send("VRFY \"cop\"@hunet.jp") == "501 Syntax error in parameters or arguments");
  BOOST_TEST(d.send("VRFY  cop@hunet.jp ") == "250 Cop Hunet <cop@hunet.jp>");
  // an account before a cmdalias of the same name; no RealName reads "Unknown"
  c.t.write("cmdaliases/hunet.jp/cop.tab", "\"redirect\"\t\"love@soopoo.jp\"\n");
  c.t.write("domains/hunet.jp/staff/user.tab", "");
  driver d2(c.t);
  d2.connect();
  BOOST_TEST(d2.send("VRFY cop@hunet.jp") == "250 Cop Hunet <cop@hunet.jp>");
  BOOST_TEST(d2.send("VRFY staff@hunet.jp") == "250 Unknown <staff@hunet.jp>");
}

BOOST_AUTO_TEST_CASE(custom_smtp_message_054) {
  common c;
  c.t.write("server.tab", "\"RootDomain\"\t\"hunet.jp\"\n\"SmtpServerDomain\"\t\"hunet.jp\"\n"
                          "\"CustomSMTPMessage\"\t\"Please see http://www.hunet.jp/smtp_errors.html\"\n");
  driver d(c.t);
  d.connect();
  d.send("HELO client.test");
  const std::string tail = " - Please see http://www.hunet.jp/smtp_errors.html";
  BOOST_TEST(d.send("FOO") == "500 Syntax error, command unrecognized" + tail);
  BOOST_TEST(d.send("RCPT TO:<cop@hunet.jp>") == "503 Bad sequence of commands" + tail);
  BOOST_TEST(d.send("MAIL FROM:<x@remote.test>") == "250 OK");
  BOOST_TEST(d.send("RCPT TO:<far@remote.test>") == "550 Relay denied" + tail);
  BOOST_TEST(d.send("RCPT TO:<nobody@hunet.jp>") == "550 Mailbox unavailable <nobody@hunet.jp>" + tail);
  BOOST_TEST(d.send("RCPT TO:<cop@hunet.jp>") == "250 OK");
  BOOST_TEST(d.send("VRFY cop@hunet.jp") == "252 Argument not checked" + tail);
}

BOOST_AUTO_TEST_CASE(max_errors_drops_the_session) {
  common c;
  c.t.write("server.tab", "\"RootDomain\"\t\"hunet.jp\"\n\"SMTP-MaxErrors\"\t\"2\"\n");
  driver d(c.t);
  d.connect();
  BOOST_TEST(d.send("FOO") == "500 Syntax error, command unrecognized");
  BOOST_TEST(!d.closed);
  BOOST_TEST(d.send("BAR") == "500 Syntax error, command unrecognized");
  BOOST_TEST(d.closed);
  BOOST_TEST(d.send("NOOP") == "");  // nothing after the close
  // VRFY's 252 goes through SMTPSendError too: it counts, its reply is sent, then the close
  driver d2(c.t);
  d2.connect();
  BOOST_TEST(d2.send("VRFY x@y") == "252 Argument not checked");
  BOOST_TEST(d2.send("NOOP") == "250 OK");
  BOOST_TEST(d2.send("VRFY x@y") == "252 Argument not checked");
  BOOST_TEST(d2.closed);
}

BOOST_AUTO_TEST_CASE(starttls_discards_pipelined_bytes) {
  common c;
  driver d(c.t);
  d.connect();
  d.ehlo();
  // CVE-2011-0411: a command pipelined after STARTTLS must not run after the handshake
  BOOST_TEST(d.raw("STARTTLS\r\nMAIL FROM:<evil@remote.test>\r\n") == "220 Ready to start TLS");
  BOOST_TEST(d.tls_requested);
  BOOST_TEST(d.raw("RCPT TO:<cop@hunet.jp>\r\n") == "");  // still before the handshake: discarded
  d.tls_ready();
  BOOST_TEST(d.send("MAIL FROM:<x@remote.test>") == "503 Bad sequence of commands");  // EHLO again first
  std::string e = d.ehlo();
  BOOST_TEST(e.find("STARTTLS") == std::string::npos);
  BOOST_TEST(d.send("MAIL FROM:<x@remote.test>") == "250 OK");
  // SMTPHandleCmd_STARTTLS on a TLS link (checked against XMail 1.27)
  BOOST_TEST(d.send("STARTTLS") == "454 TLS not available due to temporary reason");
  BOOST_TEST(d.send("HELP").find("STARTTLS") == std::string::npos);  // SMTPHandleCmd_HELP
}

BOOST_AUTO_TEST_CASE(starttls_without_certificate_drops_056_and_disabled_057) {
  common c;
  {
    driver d(c.t);
    d.connect();
    d.ehlo();
    BOOST_TEST(d.send("STARTTLS") == "220 Ready to start TLS");
    d.tls_failed("no server.cert");
    BOOST_TEST(d.closed);
  }
  c.t.write("server.tab", "\"RootDomain\"\t\"hunet.jp\"\n\"EnableSMTP-TLS\"\t\"0\"\n");
  driver d(c.t);
  d.connect();
  BOOST_TEST(d.ehlo() == "250-hunet.jp\n250-VRFY\n250-ETRN\n250-8BITMIME\n250-PIPELINING\n250-AUTH LOGIN PLAIN CRAM-MD5\n250 SIZE");
  BOOST_TEST(d.send("HELP") == "214-HELO EHLO MAIL RCPT DATA AUTH\n214-RSET VRFY ETRN NOOP HELP QUIT\n"
                               "214 For more information please visit : http://www.xmailserver.org");
  BOOST_TEST(d.send("STARTTLS") == "454 TLS not available");
}

BOOST_AUTO_TEST_CASE(eof_inside_data_stores_nothing) {
  common c;
  driver d(c.t);
  d.connect();
  d.raw("HELO client.test\r\nMAIL FROM:<love@soopoo.jp>\r\nRCPT TO:<cop@hunet.jp>\r\nDATA\r\nSubject: cut\r\n");
  d.eof();
  BOOST_TEST(d.spool.messages.empty());
  BOOST_TEST(d.closed);
}

BOOST_AUTO_TEST_CASE(spool_failure_is_a_temporary_error) {
  common c;
  driver d(c.t);
  d.spool.fail = true;
  d.connect();
  d.raw("HELO client.test\r\nMAIL FROM:<love@soopoo.jp>\r\nRCPT TO:<cop@hunet.jp>\r\nDATA\r\n");
  BOOST_TEST(d.raw("x\r\n.\r\n") == "451 Requested action aborted: local error in processing");
}

BOOST_AUTO_TEST_SUITE_END()
