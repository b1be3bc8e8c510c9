#include <boost/test/unit_test.hpp>

#include "config/tables.hpp"
#include "config/variables.hpp"

using namespace mailflow;
using namespace mailflow::config;

namespace {
struct parsed {
  diagnostic_list diags;
  std::unique_ptr<tab_file> file;
  explicit parsed(std::string text, std::string name = "x.tab") { file = tab_file::parse(name, text, diags); }
};
}  // namespace

BOOST_AUTO_TEST_SUITE(tables)

BOOST_AUTO_TEST_CASE(mailusers_types_ids_and_errors) {
  parsed p(
      "\"hunet.jp\"\t\"cop\"\t\"060a15160006170011\"\t1\t\"cop\"\t\"U\"\n"
      "\"hunet.jp\"\t\"staff\"\t\"1d\"\t3\t\"staff\"\t\"M\"\n"
      "\"hunet.jp\"\t\"zero\"\t\"1d\"\t0\t\"zero\"\t\"U\"\n"
      "\"hunet.jp\"\t\"bad\"\t\"1d\"\t4\t\"bad\"\t\"X\"\n"
      "\"hunet.jp\"\t\"short\"\t\"1d\"\t5\n"
      "\"hunet.jp\"\t\"nan\"\t\"1d\"\tabc\t\"nan\"\t\"U\"\n",
      "mailusers.tab");
  auto accounts = parse_accounts(p.file.get(), p.diags);
  BOOST_REQUIRE(accounts.size() == 2u);
  BOOST_TEST(accounts[0].address() == "cop@hunet.jp");
  BOOST_TEST(accounts[0].folder() == "domains/hunet.jp/cop");
  BOOST_TEST((accounts[1].type == account_type::mailing_list));
  BOOST_REQUIRE(p.diags.items().size() == 4u);
  BOOST_TEST(p.diags.items()[0].code == "account-id-zero");
  BOOST_TEST(p.diags.items()[0].line == 3u);
  BOOST_TEST(p.diags.items()[1].code == "bad-account-type");
  BOOST_TEST(p.diags.items()[2].code == "field-count");
  BOOST_TEST(p.diags.items()[3].code == "bad-account-id");
}

BOOST_AUTO_TEST_CASE(networks_both_forms) {
  parsed p("\"212.131.173.0\"\t\"255.255.255.0\"\n\"10.0.0.0/8\"\n\"10.0.0.1\"\n\"1.2.3.4\"\t\"255.0\"\n");
  auto relay = parse_relay(p.file.get(), p.diags);
  BOOST_TEST(relay.size() == 2u);
  BOOST_TEST(relay[0].net.bits == 24);
  BOOST_TEST(relay[1].net.bits == 8);
  BOOST_REQUIRE(p.diags.items().size() == 2u);
  BOOST_TEST(p.diags.items()[0].message == "address '10.0.0.1' needs a netmask field or a /bits suffix");
  BOOST_TEST(p.diags.items()[1].message == "invalid netmask '255.0'");
}

BOOST_AUTO_TEST_CASE(spammers_codes) {
  parsed p("\"127.0.0.0/8\"\n\"10.0.0.0\"\t\"255.0.0.0\"\t\"code=0\"\n\"192.168.0.0/16\"\t\"code=-5\"\n"
           "\"1.0.0.0/8\"\t\"code=x\"\n");
  auto s = parse_spammers(p.file.get(), p.diags);
  BOOST_REQUIRE(s.size() == 3u);
  BOOST_TEST(s[0].code == 1);
  BOOST_TEST(!s[0].code_given);
  BOOST_TEST(s[1].code == 0);
  BOOST_TEST(s[2].code == -5);
  BOOST_TEST(p.diags.error_count() == 1u);
}

BOOST_AUTO_TEST_CASE(ipmap_and_props) {
  parsed p("\"0.0.0.0\"\t\"0.0.0.0\"\t\"DENY\"\t1\n\"127.0.0.0\"\t\"255.0.0.0\"\t\"ALLOW\"\t2\n"
           "\"1.0.0.0\"\t\"255.0.0.0\"\t\"MAYBE\"\t2\n");
  auto m = parse_ipmap(p.file.get(), p.diags);
  BOOST_TEST(m.size() == 2u);
  BOOST_TEST(!m[0].allow);
  BOOST_TEST(m[1].precedence == 2);
  BOOST_TEST(p.diags.items().at(0).code == "bad-permission");

  parsed q("\"192.168.0.7/32\"\t\"WhiteList=1\"\t\"EaseTLS=0\"\n\"10.0.0.0/8\"\t\"Bogus=1\"\n");
  auto props = parse_ipprop(q.file.get(), q.diags);
  BOOST_REQUIRE(props.size() == 2u);
  BOOST_TEST(*props[0].props.white_list);
  BOOST_TEST(!*props[0].props.ease_tls);
  BOOST_TEST(q.diags.items().at(0).code == "unknown-property");

  parsed h("\".xmailserver.org\"\t\"WhiteList=1\"\n");
  auto hn = parse_hnprop(h.file.get(), h.diags);
  BOOST_TEST(hn.at(0).subdomains);
  BOOST_TEST(hn.at(0).host == "xmailserver.org");
}

BOOST_AUTO_TEST_CASE(filter_commands_and_flags) {
  parsed p("\"!wlex\"\t\"/bin/f\"\t\"$(FILE)\"\n\"!timeo=1,aex\"\t\"/bin/g\"\n\"/bin/h\"\t\"@@FROM\"\n\"!zzz\"\t\"/bin/i\"\n");
  auto c = parse_filter_commands(p.file.get(), p.diags);
  BOOST_REQUIRE(c.size() == 4u);
  BOOST_TEST(c[0].flags.wlex);
  BOOST_TEST(c[0].argv.size() == 2u);
  BOOST_TEST(c[1].flags.aex);
  BOOST_TEST(*c[1].flags.timeout_seconds == 1);
  BOOST_TEST(c[2].argv[1] == "@@FROM");
  BOOST_TEST(p.diags.items().at(0).code == "unknown-filter-flag");
}

BOOST_AUTO_TEST_CASE(proc_commands_keywords_and_arity) {
  parsed p("\"mailbox\"\n\"redirect\"\t\"cop@hunet.jp\"\n\"external\"\t\"0\"\t\"10\"\t\"/bin/x\"\t\"$(FILE)\"\n"
           "\"external\"\t\"0\"\n\"wait\"\t\"8\"\n\"smtprelay\"\t\"a;b\"\n\"smtp\"\n\"filter\"\t\"7\"\t\"10\"\t\"/x\"\n");
  auto c = parse_proc_commands(p.file.get(), proc_context::mailproc, p.diags);
  BOOST_TEST(c.size() == 4u);
  BOOST_REQUIRE(p.diags.items().size() == 4u);
  BOOST_TEST(p.diags.items()[0].code == "field-count");
  BOOST_TEST(p.diags.items()[1].code == "unknown-command");
  BOOST_TEST(p.diags.items()[2].message == "'smtp' is only valid in custom domain and command alias files");
  BOOST_TEST(p.diags.items()[3].message == "priority: expected -1, 0 or 1");

  parsed q("\"smtp\"\n\"mailbox\"\n");
  auto d = parse_proc_commands(q.file.get(), proc_context::custdomain, q.diags);
  BOOST_TEST(d.size() == 1u);
  BOOST_TEST(q.diags.items().at(0).message == "'mailbox' is only valid in mailproc.tab");
}

BOOST_AUTO_TEST_CASE(mlusers_and_filters_in) {
  parsed p("\"cop@hunet.jp\"\t\"RW\"\n\"far@remote.test\"\n\"x@y\"\t\"RQ\"\n\"nodomain\"\t\"R\"\n");
  auto m = parse_ml_members(p.file.get(), p.diags);
  BOOST_REQUIRE(m.size() == 2u);
  BOOST_TEST(m[1].perms == "RW");
  BOOST_TEST(p.diags.error_count() == 2u);

  parsed q("\"*@bad-domain.com\"\t\"*\"\t\"0.0.0.0/0\"\t\"0.0.0.0/0\"\t\"av-filter.tab\"\n\"*\"\t\"*\"\t\"x\"\t\"0.0.0.0/0\"\t\"f\"\n");
  auto s = parse_filter_selection(q.file.get(), q.diags);
  BOOST_TEST(s.size() == 1u);
  BOOST_TEST(s[0].filename == "av-filter.tab");
  BOOST_TEST(q.diags.items().at(0).code == "bad-network");
}

BOOST_AUTO_TEST_CASE(server_variables_typed_with_defaults) {
  parsed p("\"RootDomain\"\t\"hunet.jp\"\n\"MaxMessageSize\"\t\"1\"\n\"AllowNullSender\"\t\"0\"\n"
           "\"ReceivedHdrType\"\t\"9\"\n\"SmtpNoTLSAuths\"\t\"\"\n\"SmtpConfig-127.0.0.1,25\"\t\"WantTLS\"\n"
           "\"SmtpConfig\"\t\"mail-auth\"\n\"SMTP-BareLF\"\t\"reject\"\n\"RootDomain\"\t\"shadowed.jp\"\n",
           "server.tab");
  auto cfg = server_config::from(variable_table::from(p.file.get(), p.diags), p.diags);
  BOOST_TEST(cfg.root_domain == "hunet.jp");
  BOOST_TEST(cfg.smtp_server_domain == "hunet.jp");
  BOOST_TEST(cfg.max_message_size_kb == 1);
  BOOST_TEST(!cfg.allow_null_sender);
  BOOST_TEST(cfg.received_hdr_type == 0);  // 9 is out of range: default kept
  BOOST_TEST(cfg.smtp_no_tls_auths.has_value());
  BOOST_TEST(cfg.smtp_no_tls_auths->empty());
  BOOST_TEST(cfg.default_smtp_perms == "MRVZ");
  BOOST_TEST(cfg.enable_smtp_tls);
  BOOST_TEST((cfg.smtp_bare_lf == bare_lf_policy::reject));
  BOOST_TEST(cfg.smtp_config_for("127.0.0.1", 25).want_tls);
  BOOST_TEST(!cfg.smtp_config_for("127.0.0.1", 25).mail_auth);
  BOOST_TEST(cfg.smtp_config_for("127.0.0.1", 2525).mail_auth);
  BOOST_TEST(cfg.origin("MaxMessageSize").location() == "server.tab:2");
  BOOST_REQUIRE(p.diags.items().size() == 1u);
  BOOST_TEST(p.diags.items()[0].message == "ReceivedHdrType: value 9 outside 0..4");
  BOOST_TEST(smtp_perms::parse("mrvz").to_string() == "MRVZ");
  BOOST_TEST(find_server_variable("SmtpConfig-10.0.0.1") != nullptr);
  BOOST_TEST(find_server_variable("RootDomian") == nullptr);
}

BOOST_AUTO_TEST_CASE(server_address_variables_need_an_at_sign) {
  parsed p("\"PostMaster\"\t\"postmaster\"\n\"ErrorsAdmin\"\t\"\"\n\"TempErrorsAdmin\"\t\"ops@hunet.jp\"\n", "server.tab");
  auto cfg = server_config::from(variable_table::from(p.file.get(), p.diags), p.diags);
  BOOST_REQUIRE(p.diags.items().size() == 1u);  // ErrorsAdmin may be empty (manual: SERVER.TAB VARIABLES)
  BOOST_TEST(format_diagnostic(p.diags.items()[0]) ==
             "server.tab:1:15: error: PostMaster: expected an address user@domain [bad-value]");
  BOOST_TEST(cfg.temp_errors_admin == "ops@hunet.jp");
}

// Issue 10.2: every number has a range, checked where it is parsed; a value
// outside it is an error with its line and the entry falls back, never
// overflowing what it is stored in or multiplied by.
BOOST_AUTO_TEST_CASE(numbers_outside_their_range_are_errors_not_overflows) {
  {
    parsed p("\"MaxMessageSize\"\t\"18014398509481984\"\n\"SmtpMinDiskSpace\"\t\"-1\"\n"
             "\"MaxMessageSize\"\t\"2147483648\"\n", "server.tab");
    auto cfg = server_config::from(variable_table::from(p.file.get(), p.diags), p.diags);
    BOOST_TEST(cfg.max_message_size_kb == 0);  // the default: unlimited
    BOOST_REQUIRE(p.diags.error_count() == 2u);
    // in the order server_config reads them: SmtpMinDiskSpace (line 2), MaxMessageSize (line 1)
    BOOST_TEST(p.diags.items()[0].line == 2u);
    BOOST_TEST(p.diags.items()[1].line == 1u);
    BOOST_TEST(p.diags.items()[1].message.find("outside 0..2147483647") != std::string::npos);
  }
  {
    parsed p("\"MaxMessageSize\"\t\"2147483647\"\n", "server.tab");
    auto cfg = server_config::from(variable_table::from(p.file.get(), p.diags), p.diags);
    BOOST_TEST(cfg.max_message_size_kb == 2147483647);  // the top of the range stays
    BOOST_TEST(p.diags.error_count() == 0u);
  }
  {
    parsed p("\"1.0.0.0/8\"\t\"code=-2147483648\"\n\"2.0.0.0/8\"\t\"code=-4294967295\"\n"
             "\"3.0.0.0/8\"\t\"code=2\"\n\"4.0.0.0/8\"\t\"code=-86400\"\n");
    auto s = parse_spammers(p.file.get(), p.diags);
    BOOST_REQUIRE(s.size() == 1u);
    BOOST_TEST(s[0].code == -86400);
    BOOST_TEST(p.diags.error_count() == 3u);
  }
  {
    parsed p("\"!timeo=4294967296\"\t\"/bin/f\"\n\"!timeo=86400\"\t\"/bin/g\"\n");
    auto c = parse_filter_commands(p.file.get(), p.diags);
    BOOST_TEST(p.diags.error_count() == 1u);
    BOOST_TEST(p.diags.items()[0].line == 1u);
    bool truncated_to_no_timeout = false;
    for (auto& f : c)
      if (f.src.record && f.src.record->line == 1 && !f.flags.timeout_seconds) truncated_to_no_timeout = true;
    BOOST_TEST(!truncated_to_no_timeout);
  }
  {
    parsed p("\"0.0.0.0\"\t\"0.0.0.0\"\t\"ALLOW\"\t4294967297\n");
    auto m = parse_ipmap(p.file.get(), p.diags);
    BOOST_TEST(m.empty());
    BOOST_TEST(p.diags.error_count() == 1u);
  }
}

BOOST_AUTO_TEST_SUITE_END()
