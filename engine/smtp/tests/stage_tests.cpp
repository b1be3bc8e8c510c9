// Each stage's allow and deny paths, with the rule each decision cites.
#include <boost/test/unit_test.hpp>

#include <fstream>

#include "driver.hpp"

using namespace mailflow;
using namespace mailflow::testing;

namespace {
struct common {
  temp_dir t;
  common() { write_common_mailroot(t); }
  void server(const std::string& extra) {
    t.write("server.tab", "\"RootDomain\"\t\"hunet.jp\"\n\"SmtpServerDomain\"\t\"hunet.jp\"\n\"DefaultSmtpPerms\"\t\"MR\"\n" +
                              extra);
  }
};
const std::string product = "[mailflow 0.1 ESMTP Server]";
}  // namespace

BOOST_AUTO_TEST_SUITE(connection_stages)

BOOST_AUTO_TEST_CASE(spammers_refuse_020_and_custom_text_099) {
  common c;
  c.t.write("spammers.tab", "\"127.0.0.0/8\"\n");
  {
    driver d(c.t);
    BOOST_TEST(d.connect() == "421 " + product + " service not available (-107), closing transmission channel");
    BOOST_TEST(d.closed);
    auto s = d.decisions(stage::connect_spammers);
    BOOST_TEST((s.at(0).result == outcome::drop));
    BOOST_TEST(s.at(0).rule->file == "spammers.tab");
    BOOST_TEST(s.at(0).rule->line == 1u);
  }
  c.server("\"SmtpMsgIPBanSpammers\"\t\"550 You are listed in spammers.tab\"\n\"CustomSMTPMessage\"\t\"see x\"\n");
  driver d(c.t);
  BOOST_TEST(d.connect() == "550 You are listed in spammers.tab");
  BOOST_TEST(d.closed);
}

BOOST_AUTO_TEST_CASE(missing_spammers_tab_refuses_022) {
  common c;
  std::filesystem::remove(c.t.path() / "spammers.tab");
  driver d(c.t);
  BOOST_TEST(d.connect() == "421 " + product + " service not available (-19), closing transmission channel");
  BOOST_TEST(d.closed);
}

BOOST_AUTO_TEST_CASE(spammers_code_zero_flags_until_auth_and_negative_delays) {
  common c;
  c.t.write("spammers.tab", "\"127.0.0.0/8\"\t\"code=0\"\n");
  {
    driver d(c.t);
    BOOST_TEST(d.connect().substr(0, 4) == "220 ");
    d.ehlo();
    BOOST_TEST(d.send("MAIL FROM:<love@soopoo.jp>") == "551 Server access forbidden by your IP");
    BOOST_TEST(d.auth_plain("love@soopoo.jp", "lovesecret") == "235 Authentication successful");
    BOOST_TEST(d.send("MAIL FROM:<love@soopoo.jp>") == "250 OK");
  }
  c.t.write("spammers.tab", "\"127.0.0.1\"\t\"255.255.255.255\"\t\"code=-3\"\n");
  driver d(c.t);
  d.connect();
  BOOST_TEST(d.delayed == 0);  // not before the greeting
  d.send("HELO client.test");
  d.send("NOOP");
  BOOST_TEST(d.delayed == 6);  // 3 s before each reply
}

BOOST_AUTO_TEST_CASE(ipmap_deny_with_custom_text_024_and_drop_codes) {
  common c;
  c.t.write("smtp.ipmap.tab", "\"0.0.0.0\"\t\"0.0.0.0\"\t\"ALLOW\"\t1\n\"127.0.0.0\"\t\"255.0.0.0\"\t\"DENY\"\t2\n");
  {
    driver d(c.t);
    BOOST_TEST(d.connect() == "421 " + product + " service not available (-130), closing transmission channel");
  }
  c.server("\"SmtpMsgIPBan\"\t\"550 Denied by smtp.ipmap.tab\"\n");
  {
    driver d(c.t);
    BOOST_TEST(d.connect() == "550 Denied by smtp.ipmap.tab");
    BOOST_TEST(d.decisions(stage::connect_ipmap).at(0).rule->line == 2u);
  }
  c.server("\"SMTP-IpMapDropCode\"\t\"0\"\n");
  {
    driver d(c.t);
    d.connect();
    d.ehlo();
    // XMail 1.27 sets a flag no check reads: the DENY-ed client is served as any other
    BOOST_TEST(d.send("MAIL FROM:<cop@hunet.jp>") == "250 OK");
  }
  // higher precedence wins: an ALLOW at 3 beats the DENY at 2
  c.t.write("smtp.ipmap.tab", "\"127.0.0.0\"\t\"255.0.0.0\"\t\"DENY\"\t2\n\"127.0.0.1\"\t\"255.255.255.255\"\t\"ALLOW\"\t3\n");
  driver d(c.t);
  BOOST_TEST(d.connect().substr(0, 4) == "220 ");
}

BOOST_AUTO_TEST_CASE(whitelist_skips_ip_checks_089) {
  common c;
  c.t.write("smtp.ipprop.tab", "\"127.0.0.0/8\"\t\"WhiteList=1\"\n");
  c.t.write("spammers.tab", "\"127.0.0.0/8\"\n");
  c.t.write("spam-address.tab", "\"*@rude.net\"\n");
  driver d(c.t);
  BOOST_TEST(d.connect().substr(0, 4) == "220 ");
  BOOST_TEST((d.decisions(stage::connect_spammers).at(0).result == outcome::skip));
  d.ehlo();
  BOOST_TEST(d.send("MAIL FROM:<anyone@rude.net>") == "504 You are registered as spammer");
  BOOST_TEST(d.send("MAIL FROM:<x@remote.test>") == "250 OK");
  BOOST_TEST(d.send("RCPT TO:<far@remote.test>") == "550 Relay denied");
  BOOST_TEST(d.send("RCPT TO:<cop@hunet.jp>") == "250 OK");
}

BOOST_AUTO_TEST_CASE(hnprop_needs_a_ptr_record) {
  common c;
  c.t.write("smtp.hnprop.tab", "\".trusted.test\"\t\"WhiteList=1\"\n");
  c.t.write("spammers.tab", "\"127.0.0.0/8\"\n");
  {
    driver d(c.t);
    BOOST_TEST(d.connect().substr(0, 4) == "421 ");
    BOOST_TEST(d.closed);
  }
  driver d(c.t);
  d.dns.add(dns_type::ptr, "127.0.0.1", "mx.trusted.test");
  BOOST_TEST(d.connect().substr(0, 4) == "220 ");  // white-listed by host name: spammers.tab skipped
}

BOOST_AUTO_TEST_CASE(dns_lists) {
  common c;
  c.server("\"CustMapsList\"\t\"dnsbl.test.:1,soft.test.:0\"\n");
  {
    driver d(c.t);
    d.dns.add(dns_type::a, "1.0.0.127.dnsbl.test", "127.0.0.2");
    BOOST_TEST(d.connect() == "550 Denied due inclusion of your IP inside (dnsbl.test.)");
  }
  {
    driver d(c.t);
    d.dns.add(dns_type::a, "1.0.0.127.soft.test", "127.0.0.2");
    d.connect();
    d.ehlo();
    BOOST_TEST(d.send("MAIL FROM:<cop@hunet.jp>") == "551 Server access forbidden by your IP");
    BOOST_TEST(d.auth_plain("cop@hunet.jp", "copsecret") == "235 Authentication successful");
    BOOST_TEST(d.send("MAIL FROM:<cop@hunet.jp>") == "250 OK");
  }
  driver d(c.t);
  BOOST_TEST(d.connect().substr(0, 4) == "220 ");
  BOOST_TEST((d.decisions(stage::connect_maps).at(0).result == outcome::pass));
}

BOOST_AUTO_TEST_CASE(reverse_dns_check) {
  common c;
  c.server("\"SMTP-RDNSCheck\"\t\"1\"\n");
  {
    driver d(c.t);
    d.connect();
    d.ehlo();
    BOOST_TEST(d.send("MAIL FROM:<cop@hunet.jp>") == "551 Server access forbidden by your IP");
  }
  driver d(c.t);
  d.dns.add(dns_type::ptr, "127.0.0.1", "localhost.test");
  d.connect();
  d.ehlo();
  BOOST_TEST(d.send("MAIL FROM:<cop@hunet.jp>") == "250 OK");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(sender_stages)

BOOST_AUTO_TEST_CASE(spam_address_019) {
  common c;
  c.t.write("spam-address.tab", "\"*@rude.net\"\n\"*-admin@even.more.rude.net\"\n");
  driver d(c.t);
  d.connect();
  d.send("HELO client.test");
  BOOST_TEST(d.send("MAIL FROM:<anyone@rude.net>") == "504 You are registered as spammer");
  BOOST_TEST(d.send("MAIL FROM:<list-admin@even.more.rude.net>") == "504 You are registered as spammer");
  BOOST_TEST(d.send("MAIL FROM:<admin@even.more.rude.net>") == "250 OK");
  BOOST_TEST(d.decisions(stage::mail_spam_address).at(1).rule->line == 2u);
}

BOOST_AUTO_TEST_CASE(null_sender_043) {
  common c;
  {
    driver d(c.t);
    d.connect();
    d.send("HELO client.test");
    BOOST_TEST(d.send("MAIL FROM:<>") == "250 OK");
  }
  c.server("\"AllowNullSender\"\t\"0\"\n");
  driver d(c.t);
  d.connect();
  d.send("HELO client.test");
  BOOST_TEST(d.send("MAIL FROM:<>") == "501 Syntax error in return path");
  BOOST_TEST(d.send("MAIL FROM:<cop@hunet.jp>") == "250 OK");
  BOOST_TEST(d.send("RSET") == "250 OK");
  BOOST_TEST(d.send("MAIL FROM:<@a,@b:cop@hunet.jp>") == "501 Syntax error in return path");
  BOOST_TEST(d.send("MAIL cop@hunet.jp") == "500 Syntax error, command unrecognized");  // XMail knows "MAIL FROM:" only
}

BOOST_AUTO_TEST_CASE(check_mailer_domain) {
  common c;
  c.server("\"CheckMailerDomain\"\t\"1\"\n");
  driver d(c.t);
  d.dns.add(dns_type::mx, "good.test", "10 mx.good.test");
  d.dns.add(dns_type::a, "aonly.test", "192.0.2.1");
  d.connect();
  d.send("HELO client.test");
  BOOST_TEST(d.send("MAIL FROM:<x@nowhere.test>") == "505 Your domain has no DNS/MX entries");
  BOOST_TEST(d.send("MAIL FROM:<x@good.test>") == "250 OK");
  d.send("RSET");
  BOOST_TEST(d.send("MAIL FROM:<x@aonly.test>") == "250 OK");
}

BOOST_AUTO_TEST_CASE(want_tls_091_and_mail_auth) {
  common c;
  c.server("\"SmtpConfig\"\t\"WantTLS\"\n");
  {
    driver d(c.t);
    d.connect();
    d.ehlo();
    BOOST_TEST(d.send("MAIL FROM:<love@soopoo.jp>") == "503 Bad sequence of commands (TLS needed for this session)");
    BOOST_TEST(d.auth_plain("love@soopoo.jp", "lovesecret") == "235 Authentication successful");
    BOOST_TEST(d.send("MAIL FROM:<love@soopoo.jp>") == "503 Bad sequence of commands (TLS needed for this session)");
  }
  c.server("\"SmtpConfig\"\t\"MailAuth\"\n");
  {
    driver d(c.t);
    d.connect();
    d.ehlo();
    BOOST_TEST(d.send("MAIL FROM:<love@soopoo.jp>") == "551 Server use forbidden");
    d.auth_plain("love@soopoo.jp", "lovesecret");
    BOOST_TEST(d.send("MAIL FROM:<love@soopoo.jp>") == "250 OK");
  }
  // the endpoint-specific SmtpConfig-IP,PORT wins over SmtpConfig
  c.server("\"SmtpConfig\"\t\"MailAuth\"\n\"SmtpConfig-127.0.0.1,25\"\t\"\"\n");
  driver d(c.t);
  d.connect();
  d.ehlo();
  BOOST_TEST(d.send("MAIL FROM:<love@soopoo.jp>") == "250 OK");
}

BOOST_AUTO_TEST_CASE(message_size_limits_and_user_override_101) {
  common c;
  c.t.write("domains/hunet.jp/cop/user.tab", "\"RealName\"\t\"Cop Hunet\"\n\"MaxMessageSize\"\t\"1\"\n");
  std::string big = "Subject: big\r\n\r\n";
  for (int i = 0; i < 25; ++i) big += "line " + std::to_string(i) + " " + std::string(60, 'y') + "\r\n";
  {
    driver d(c.t);
    d.connect();
    d.ehlo();
    d.auth_plain("cop@hunet.jp", "copsecret");
    BOOST_TEST(d.send("MAIL FROM:<cop@hunet.jp> SIZE=2000") == "552 Message exceeds fixed maximum message size");
    BOOST_TEST(d.send("MAIL FROM:<cop@hunet.jp>") == "250 OK");
    d.send("RCPT TO:<love@soopoo.jp>");
    d.send("DATA");
    BOOST_TEST(d.raw(big + ".\r\n") == "552 Message exceeds fixed maximum message size");
    BOOST_TEST(d.spool.messages.empty());
  }
  {
    driver d(c.t);  // unauthenticated: no limit
    d.connect();
    d.ehlo();
    BOOST_TEST(d.send("MAIL FROM:<cop@hunet.jp> SIZE=2000") == "250 OK");
    d.send("RCPT TO:<love@soopoo.jp>");
    d.send("DATA");
    BOOST_TEST(d.raw(big + ".\r\n") == "250 OK <S2>");
  }
  c.server("\"MaxMessageSize\"\t\"1\"\n");
  driver d(c.t);
  d.connect();
  BOOST_TEST(d.ehlo().find("250-SIZE 1024") != std::string::npos);
  BOOST_TEST(d.send("MAIL FROM:<love@soopoo.jp> SIZE=1025") == "552 Message exceeds fixed maximum message size");
  BOOST_TEST(d.decisions(stage::mail_size).at(0).rule->file == "server.tab");
}

BOOST_AUTO_TEST_CASE(pop3_before_smtp) {
  common c;
  driver d(c.t);
  d.environment.pop3_logins["127.0.0.1"] = d.clock.now_ms() - 60 * 1000;
  d.connect();
  d.ehlo();
  BOOST_TEST(d.send("MAIL FROM:<cop@hunet.jp>") == "250 OK");
  BOOST_TEST(d.send("RCPT TO:<far@remote.test>") == "250 OK");  // DefaultSmtpPerms MR
  BOOST_TEST((d.decisions(stage::auth_pop3_before_smtp).at(0).result == outcome::accept));

  driver expired(c.t);
  expired.environment.pop3_logins["127.0.0.1"] = expired.clock.now_ms() - 901 * 1000;
  expired.connect();
  expired.ehlo();
  expired.send("MAIL FROM:<cop@hunet.jp>");
  BOOST_TEST(expired.send("RCPT TO:<far@remote.test>") == "550 Relay denied");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(recipient_stages)

BOOST_AUTO_TEST_CASE(relay_by_smtprelay_and_source_routes) {
  common c;
  {
    driver d(c.t);
    d.connect();
    d.send("HELO client.test");
    d.send("MAIL FROM:<x@remote.test>");
    BOOST_TEST(d.send("RCPT TO:<@a.test,@b.test:u@c.test>") == "550 Relay denied");
    BOOST_TEST(d.send("RCPT TO:<cop@hunet.jp>") == "250 OK");  // 550 keeps the transaction
  }
  c.t.write("smtprelay.tab", "\"127.0.0.0\"\t\"255.0.0.0\"\n");
  driver d(c.t);
  d.connect();
  d.send("HELO client.test");
  d.send("MAIL FROM:<x@remote.test>");
  BOOST_TEST(d.send("RCPT TO:<far@remote.test>") == "250 OK");
  BOOST_TEST(d.decisions(stage::rcpt_relay).at(0).rule->file == "smtprelay.tab");
  BOOST_TEST(d.send("RCPT TO:<@a.test:u@c.test>") == "501 Syntax error in forward path");
}

BOOST_AUTO_TEST_CASE(auth_without_r_permission_cannot_relay) {
  common c;
  c.server("");
  c.t.write("domains/soopoo.jp/love/user.tab", "\"SmtpPerms\"\t\"M\"\n");
  driver d(c.t);
  d.connect();
  d.ehlo();
  d.auth_plain("love@soopoo.jp", "lovesecret");
  d.send("MAIL FROM:<love@soopoo.jp>");
  BOOST_TEST(d.send("RCPT TO:<far@remote.test>") == "550 Relay denied");
  d.send("RSET");
}

BOOST_AUTO_TEST_CASE(custom_domains_and_cmdaliases_037) {
  common c;
  c.t.write("custdomains/cust.org.tab", "\"redirect\"\t\"cop@hunet.jp\"\n");
  c.t.write("custdomains/.wild.org.tab", "\"lredirect\"\t\"love@soopoo.jp\"\n");
  c.t.write("cmdaliases/hunet.jp/helpdesk.tab", "\"redirect\"\t\"cop@hunet.jp\"\n");
  driver d(c.t);
  d.connect();
  d.send("HELO client.test");
  d.send("MAIL FROM:<x@remote.test>");
  BOOST_TEST(d.send("RCPT TO:<anyone@cust.org>") == "250 OK");
  BOOST_TEST(d.send("RCPT TO:<someone@a.wild.org>") == "250 OK");
  BOOST_TEST(d.send("RCPT TO:<user@other.org>") == "550 Relay denied");
  BOOST_TEST(d.send("RCPT TO:<helpdesk@hunet.jp>") == "250 OK");
  BOOST_TEST(d.decisions(stage::rcpt_custdomain).at(1).rule->file == "custdomains/.wild.org.tab");
  BOOST_TEST(d.decisions(stage::rcpt_cmdalias).at(0).rule->file == "cmdaliases/hunet.jp/helpdesk.tab");
}

BOOST_AUTO_TEST_CASE(domain_aliases) {
  common c;
  c.t.write("aliasdomain.tab", "\"kodomo21.net\"\t\"hunet.jp\"\n\"*.hunet.jp\"\t\"hunet.jp\"\n\"ghost.test\"\t\"nowhere.test\"\n");
  driver d(c.t);
  d.connect();
  d.send("HELO client.test");
  d.send("MAIL FROM:<x@remote.test>");
  BOOST_TEST(d.send("RCPT TO:<cop@kodomo21.net>") == "250 OK");
  BOOST_TEST(d.send("RCPT TO:<cop@mail.sub.hunet.jp>") == "250 OK");
  BOOST_TEST(d.send("RCPT TO:<nobody@kodomo21.net>") == "550 Mailbox unavailable <nobody@kodomo21.net>");
  BOOST_TEST(d.send("RCPT TO:<cop@ghost.test>") == "550 Relay denied");
  auto rw = d.decisions(stage::rcpt_domain_alias);
  BOOST_TEST((rw.at(0).result == outcome::rewrite));
  BOOST_TEST(rw.at(1).rule->line == 2u);
}

BOOST_AUTO_TEST_CASE(receive_enable_and_mailbox_size) {
  common c;
  c.t.write("domains/hunet.jp/cop/user.tab", "\"ReceiveEnable\"\t\"0\"\n");
  c.t.write("domains/soopoo.jp/love/user.tab", "\"MaxMBSize\"\t\"1\"\n");
  c.t.write("domains/soopoo.jp/love/Maildir/new/1.msg", std::string(2048, 'x'));
  c.t.write("mailusers.tab", "\"hunet.jp\"\t\"cop\"\t\"060a15160006170011\"\t1\t\"cop\"\t\"U\"\n"
                             "\"soopoo.jp\"\t\"love\"\t\"090a1300160006170011\"\t2\t\"love\"\t\"U\"\n"
                             "\"hunet.jp\"\t\"nobox\"\t\"1d\"\t3\t\"nobox\"\t\"U\"\n");
  c.t.mkdir("domains/hunet.jp/nobox");
  driver d(c.t);
  d.connect();
  d.send("HELO client.test");
  d.send("MAIL FROM:<x@remote.test>");
  BOOST_TEST(d.send("RCPT TO:<cop@hunet.jp>") == "550 Account disabled <cop@hunet.jp>");
  BOOST_TEST(d.send("RCPT TO:<love@soopoo.jp>") ==
             "552 Requested mail action aborted: exceeded storage allocation - <love@soopoo.jp>");
  BOOST_TEST(d.send("RCPT TO:<nobox@hunet.jp>") ==
             "552 Requested mail action aborted: exceeded storage allocation - <nobox@hunet.jp>");
}

BOOST_AUTO_TEST_CASE(mailing_lists_open_and_closed) {
  common c;
  c.t.write("mailusers.tab", "\"hunet.jp\"\t\"cop\"\t\"060a15160006170011\"\t1\t\"cop\"\t\"U\"\n"
                             "\"soopoo.jp\"\t\"love\"\t\"090a1300160006170011\"\t2\t\"love\"\t\"U\"\n"
                             "\"hunet.jp\"\t\"staff\"\t\"1d\"\t3\t\"staff\"\t\"M\"\n"
                             "\"hunet.jp\"\t\"board\"\t\"1d\"\t4\t\"board\"\t\"M\"\n");
  c.t.write("domains/hunet.jp/staff/mlusers.tab", "\"cop@hunet.jp\"\t\"RW\"\n");
  c.t.write("domains/hunet.jp/board/user.tab", "\"ClosedML\"\t\"1\"\n");
  c.t.write("domains/hunet.jp/board/mlusers.tab", "\"cop@hunet.jp\"\t\"RW\"\n\"love@soopoo.jp\"\t\"RA\"\n");
  driver d(c.t);
  d.connect();
  d.ehlo();
  d.send("MAIL FROM:<outsider@remote.test>");
  BOOST_TEST(d.send("RCPT TO:<staff@hunet.jp>") == "250 OK");
  BOOST_TEST(d.send("RCPT TO:<board@hunet.jp>") == "557 Access denied <board@hunet.jp> for user <outsider@remote.test>");
  d.send("RSET");
  d.send("MAIL FROM:<cop@hunet.jp>");
  BOOST_TEST(d.send("RCPT TO:<board@hunet.jp>") == "250 OK");  // W: checked on MAIL FROM
  d.send("RSET");
  d.auth_plain("love@soopoo.jp", "lovesecret");
  d.send("MAIL FROM:<someone@else.test>");
  BOOST_TEST(d.send("RCPT TO:<board@hunet.jp>") == "250 OK");  // A: checked on the login
}

BOOST_AUTO_TEST_CASE(smtpgw_rewrites_the_stored_recipient_077) {
  common c;
  c.t.write("smtpgw.tab", "\"gw.test\"\t\"@127.0.0.1:2525\"\n");
  driver d(c.t);
  d.connect();
  d.ehlo();
  d.auth_plain("cop@hunet.jp", "copsecret");
  d.send("MAIL FROM:<cop@hunet.jp>");
  BOOST_TEST(d.send("RCPT TO:<u1@gw.test>") == "250 OK");
  d.send("DATA");
  BOOST_TEST(d.raw("Subject: routing\r\n\r\nwhere do I go\r\n.\r\n") == "250 OK <S2>");
  BOOST_TEST(d.spool.messages.at(0).rcpt_to == "RCPT TO:<@127.0.0.1:2525:u1@gw.test>");
  BOOST_TEST(d.spool.messages.at(0).data() == "X-AuthUser: cop@hunet.jp\r\nSubject: routing\r\n\r\nwhere do I go\r\n");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(received_header)

BOOST_AUTO_TEST_CASE(received_hdr_types_093_to_097) {
  struct expect {
    int type;
    std::string anon_from, anon_by, auth_from, auth_by;
  };
  const std::vector<expect> cases = {
      {0, "from client.test ([127.0.0.1]:40000)", "by hunet.jp with", "from authed.test ([127.0.0.1]:40000)", "by hunet.jp with"},
      {1, "from client.test ([127.0.0.1]:40000)", "by hunet.jp ([127.0.0.1]:25) with",
       "from authed.test ([127.0.0.1]:40000)", "by hunet.jp ([127.0.0.1]:25) with"},
      {2, "from client.test\r\n", "by hunet.jp with", "from authed.test\r\n", "by hunet.jp with"},
      {3, "from client.test ([127.0.0.1]:40000)", "by hunet.jp with", "from authed.test\r\n", "by hunet.jp with"},
      {4, "from client.test ([127.0.0.1]:40000)", "by hunet.jp ([127.0.0.1]:25) with", "from authed.test\r\n",
       "by hunet.jp ([127.0.0.1]:25) with"},
  };
  for (auto& e : cases) {
    common c;
    c.server("\"ReceivedHdrType\"\t\"" + std::to_string(e.type) + "\"\n");
    driver d(c.t);
    d.connect();
    d.raw("HELO client.test\r\nMAIL FROM:<love@soopoo.jp>\r\nRCPT TO:<cop@hunet.jp>\r\nDATA\r\nSubject: a\r\n\r\none\r\n.\r\n");
    driver a(c.t);
    a.connect();
    a.ehlo("authed.test");
    a.auth_plain("love@soopoo.jp", "lovesecret");
    a.raw("MAIL FROM:<love@soopoo.jp>\r\nRCPT TO:<cop@hunet.jp>\r\nDATA\r\nSubject: b\r\n\r\ntwo\r\n.\r\n");
    BOOST_TEST_CONTEXT("ReceivedHdrType " << e.type) {
      auto anon = d.spool.messages.at(0).data();
      auto auth = a.spool.messages.at(0).data();
      BOOST_TEST(anon.find("Received: " + e.anon_from) == 0u);
      BOOST_TEST(anon.find(e.anon_by) != std::string::npos);
      BOOST_TEST(auth.find("X-AuthUser: love@soopoo.jp\r\nReceived: " + e.auth_from) == 0u);
      BOOST_TEST(auth.find(e.auth_by) != std::string::npos);
    }
  }
}

BOOST_AUTO_TEST_CASE(disable_emit_auth_user) {
  common c;
  c.server("\"DisableEmitAuthUser\"\t\"1\"\n");
  driver d(c.t);
  d.connect();
  d.ehlo();
  d.auth_plain("love@soopoo.jp", "lovesecret");
  d.raw("MAIL FROM:<love@soopoo.jp>\r\nRCPT TO:<cop@hunet.jp>\r\nDATA\r\nSubject: b\r\n\r\ntwo\r\n.\r\n");
  BOOST_TEST(d.spool.messages.at(0).data().find("X-AuthUser") == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
