#include <boost/test/unit_test.hpp>

#include "core/stage.hpp"
#include "core/text.hpp"
#include "core/wildcard.hpp"

using namespace mailflow;

BOOST_AUTO_TEST_SUITE(text)

BOOST_AUTO_TEST_CASE(case_helpers) {
  BOOST_TEST(to_lower("HuNet.JP") == "hunet.jp");
  BOOST_TEST(iequals("Cop@Hunet.jp", "cop@HUNET.JP"));
  BOOST_TEST(!iequals("cop", "cops"));
  BOOST_TEST(istarts_with("MAIL FROM:<a>", "mail from:"));
  BOOST_TEST(trim("  x \t\r\n") == "x");
  BOOST_TEST(split("a;;b", ';').size() == 3u);
  BOOST_TEST(*parse_int("-12") == -12);
  BOOST_TEST(!parse_int("12x"));
  BOOST_TEST(!parse_int(""));
  BOOST_TEST(!parse_int("99999999999999999999"));
}

BOOST_AUTO_TEST_CASE(wildcards_follow_xmail) {
  BOOST_TEST(wildcard_match("*master", "postmaster"));
  BOOST_TEST(wildcard_match("*master", "WebMaster"));
  BOOST_TEST(wildcard_match("*master", "master"));
  BOOST_TEST(!wildcard_match("*master", "masters"));
  BOOST_TEST(wildcard_match("???.jp", "top.jp"));
  BOOST_TEST(!wildcard_match("???.jp", "dojo.jp"));
  BOOST_TEST(wildcard_match("*", ""));
  BOOST_TEST(wildcard_match("foo*bog", "foobarbog"));
  BOOST_TEST(wildcard_match("??trips", "ootrips"));
  BOOST_TEST(!wildcard_match("??trips", "trips"));
  BOOST_TEST(wildcard_match("*.hunet.jp", "sub1.sub2.hunet.jp"));
  BOOST_TEST(!wildcard_match("*.hunet.jp", "hunet.jp"));
  BOOST_TEST(wildcard_match("*@rude.net", "anyone@RUDE.net"));
  BOOST_TEST(wildcard_match("*-admin@even.more.rude.net", "list-admin@even.more.rude.net"));
  BOOST_TEST(!wildcard_match("*-admin@even.more.rude.net", "admin@even.more.rude.net"));
  BOOST_TEST(wildcard_match("a*b*c", "aXXbYYbZZc"));
  BOOST_TEST(has_wildcards("a?"));
  BOOST_TEST(!has_wildcards("hunet.jp"));
}

BOOST_AUTO_TEST_CASE(stage_catalogue_is_closed_and_named) {
  BOOST_TEST(all_stages().size() == 37u);
  BOOST_TEST(stage_name(stage::rcpt_relay) == "rcpt.relay");
  BOOST_TEST(stage_name(stage::auth_pop3_before_smtp) == "auth.pop3-before-smtp");
  BOOST_TEST((stage_from_name("filter.post-data") == stage::filter_post_data));
  BOOST_TEST(!stage_from_name("rcpt.nothing"));
  BOOST_TEST(outcome_name(outcome::flag) == "flag");
  BOOST_TEST((outcome_from_name("defer") == outcome::defer));
}

BOOST_AUTO_TEST_SUITE_END()

#include "core/redact.hpp"

BOOST_AUTO_TEST_CASE(secrets_are_redacted) {
  using mailflow::redact_client_line;
  BOOST_TEST(redact_client_line("Y29wOmh1bmV0Lm5lLmpw", true) == "***");
  BOOST_TEST(redact_client_line("AUTH PLAIN AGNvcEBodW5ldC5qcABjb3BzZWNyZXQ=", false) == "AUTH PLAIN ***");
  BOOST_TEST(redact_client_line("AUTH LOGIN", false) == "AUTH LOGIN");
  BOOST_TEST(redact_client_line("auth login Y29w", false) == "AUTH login ***");
  BOOST_TEST(redact_client_line("PASS copsecret", false) == "PASS ***");
  BOOST_TEST(redact_client_line("APOP cop@hunet.jp 0123abcd", false) == "APOP cop@hunet.jp ***");
  BOOST_TEST(redact_client_line("MAIL FROM:<a@b>", false) == "MAIL FROM:<a@b>");
  // blanks and control bytes separate words too: a malformed line still hides its secret
  BOOST_TEST(redact_client_line("AUTH\tPLAIN AGNvcA==", false) == "AUTH PLAIN ***");
  BOOST_TEST(redact_client_line("AUTH PLAIN\rAGNvcA==", false) == "AUTH PLAIN ***");
  BOOST_TEST(redact_client_line("  auth  plain  AGNvcA==", false) == "AUTH plain ***");
  BOOST_TEST(redact_client_line("PASS", false) == "PASS");
}

BOOST_AUTO_TEST_CASE(pipelined_and_split_secrets_are_redacted) {
  using mailflow::client_redactor;
  {  // AUTH LOGIN with user and password in one write
    client_redactor r;
    BOOST_TEST(r.bytes("AUTH LOGIN\r\nY29w\r\nc2VjcmV0\r\nNOOP\r\n") == "AUTH LOGIN\r\n***\r\n***\r\nNOOP\r\n");
  }
  {  // a line split over two writes, the split in the credentials
    client_redactor r;
    BOOST_TEST(r.bytes("AUTH PLAIN AGNv") == "***");
    BOOST_TEST(r.bytes("cA==\r\nNOOP\r\n") == "\r\nNOOP\r\n");
  }
  {  // the split inside the verb
    client_redactor r;
    BOOST_TEST(r.bytes("AU") == "***");
    BOOST_TEST(r.bytes("TH PLAIN AGNvcA==\r\n") == "\r\n");
  }
  {  // a start that cannot become a secret shows; its end shows too
    client_redactor r;
    BOOST_TEST(r.bytes("body li") == "body li");
    BOOST_TEST(r.bytes("ne\r\n") == "ne\r\n");
    BOOST_TEST(r.bytes("  ") == "  ");
    BOOST_TEST(r.bytes("AUTH PLAIN AGNvcA==\n") == "***\n");  // blanks first, then a secret
  }
  {  // a 334 makes the next line an answer; another reply ends the exchange
    client_redactor r;
    BOOST_TEST(r.line("AUTH LOGIN") == "AUTH LOGIN");
    r.server_replied("504 no");
    BOOST_TEST(r.line("NOOP") == "NOOP");
    r.server_replied("334 VXNlcm5hbWU6");
    BOOST_TEST(r.line("Y29w") == "***");
  }
}
