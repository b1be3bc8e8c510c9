#include <boost/test/unit_test.hpp>

#include "config/mailroot.hpp"
#include "temp_dir.hpp"

using namespace mailflow;
using namespace mailflow::config;
using mailflow::testing::temp_dir;

namespace {
std::unique_ptr<mailroot> load(const temp_dir& t, diagnostic_list& d) { return mailroot::load(t.path(), d); }
ip_address ip(const char* s) { return *ip_address::parse(s); }
}  // namespace

BOOST_AUTO_TEST_SUITE(mailroot_model)

BOOST_AUTO_TEST_CASE(aliases_exact_beats_wildcard_and_longest_wildcard_wins) {
  temp_dir t;
  t.write("domains.tab", "\"hunet.jp\"\n\"dojo.jp\"\n\"top.jp\"\n");
  t.write("mailusers.tab", "\"hunet.jp\"\t\"cop\"\t\"1d\"\t1\t\"cop\"\t\"U\"\n\"hunet.jp\"\t\"postmaster\"\t\"1d\"\t2\t\"pm\"\t\"U\"\n");
  t.write("aliases.tab",
          "\"hunet.jp\"\t\"*\"\t\"catchall\"\n"       // shortest wildcard, first in file
          "\"hunet.jp\"\t\"*master\"\t\"cop\"\n"
          "\"hunet.jp\"\t\"web*master\"\t\"web\"\n"
          "\"hunet.jp\"\t\"webmaster\"\t\"exact\"\n"
          "\"???.jp\"\t\"bar\"\t\"love@soopoo.jp\"\n"
          "\"dojo.jp\"\t\"foo\"\t\"cop@hunet.jp\"\n");
  diagnostic_list d;
  auto m = load(t, d);
  BOOST_TEST(d.empty());
  BOOST_TEST(m->find_alias("webmaster", "hunet.jp")->target == "exact");
  BOOST_TEST(m->find_alias("WebMaster", "HUNET.JP")->target == "exact");
  BOOST_TEST(m->find_alias("webXmaster", "hunet.jp")->target == "web");
  BOOST_TEST(m->find_alias("postmaster", "hunet.jp")->target == "cop");  // *master is longer than *
  BOOST_TEST(m->find_alias("anyone", "hunet.jp")->target == "catchall");
  BOOST_TEST(m->find_alias("bar", "top.jp")->target == "love@soopoo.jp");
  BOOST_TEST(m->find_alias("bar", "dojo.jp") == nullptr);
  auto foo = m->find_alias("foo", "dojo.jp");
  BOOST_TEST((m->alias_target(*foo, "dojo.jp") == std::pair<std::string, std::string>{"cop", "hunet.jp"}));
  auto pm = m->find_alias("postmaster", "hunet.jp");
  BOOST_TEST((m->alias_target(*pm, "hunet.jp") == std::pair<std::string, std::string>{"cop", "hunet.jp"}));
  // a real account is found by account lookup (callers try it before aliases)
  BOOST_TEST(m->find_account("PostMaster", "Hunet.JP")->dir == "pm");
  BOOST_TEST(m->find_account("cop@hunet.jp")->id == 1u);
  BOOST_TEST(m->find_domain("HUNET.jp") != nullptr);
  BOOST_TEST(m->find_domain("soopoo.jp") == nullptr);
}

BOOST_AUTO_TEST_CASE(alias_domains_exact_and_wildcards) {
  temp_dir t;
  t.write("aliasdomain.tab", "\"*.com\"\t\"hunet.jp\"\n\"*.hunet.jp\"\t\"hunet.jp\"\n\"kodomo21.net\"\t\"hunet.jp\"\n");
  diagnostic_list d;
  auto m = load(t, d);
  BOOST_TEST(m->find_alias_domain("kodomo21.net")->target == "hunet.jp");
  BOOST_TEST(m->find_alias_domain("sub1.sub2.hunet.jp")->pattern == "*.hunet.jp");
  BOOST_TEST(m->find_alias_domain("mail.xyz.com")->pattern == "*.com");
  BOOST_TEST(m->find_alias_domain("hunet.jp") == nullptr);
}

BOOST_AUTO_TEST_CASE(ipmap_precedence_higher_wins_then_later_line) {
  temp_dir t;
  t.write("smtp.ipmap.tab",
          "\"0.0.0.0\"\t\"0.0.0.0\"\t\"DENY\"\t1\n"
          "\"127.0.0.0\"\t\"255.0.0.0\"\t\"ALLOW\"\t2\n"
          "\"127.0.0.0\"\t\"255.255.0.0\"\t\"DENY\"\t2\n"
          "\"192.168.0.0\"\t\"255.255.0.0\"\t\"ALLOW\"\t3\n"
          "\"192.168.1.0\"\t\"255.255.255.0\"\t\"DENY\"\t2\n");
  diagnostic_list d;
  auto m = load(t, d);
  auto& e = m->ipmap(ipmap_kind::smtp);
  BOOST_TEST(!mailroot::decide_ipmap(e, ip("8.8.8.8"))->allow);
  BOOST_TEST(mailroot::decide_ipmap(e, ip("127.0.0.1"))->src.record->line == 3u);  // equal precedence: later line
  BOOST_TEST(mailroot::decide_ipmap(e, ip("192.168.1.5"))->allow);                 // precedence 3 beats 2
  BOOST_TEST(mailroot::decide_ipmap(m->ipmap(ipmap_kind::pop3), ip("1.1.1.1")) == nullptr);  // no file: allowed
}

BOOST_AUTO_TEST_CASE(network_tables_and_spam_addresses) {
  temp_dir t;
  t.write("smtprelay.tab", "\"10.0.0.0\"\t\"255.0.0.0\"\n");
  t.write("spammers.tab", "\"127.0.0.0/8\"\t\"code=0\"\n");
  t.write("spam-address.tab", "\"*@rude.net\"\n\"*-admin@even.more.rude.net\"\n");
  t.write("smtp.hnprop.tab", "\".xmailserver.org\"\t\"WhiteList=1\"\n\"exact.test\"\t\"NoAuth=1\"\n");
  diagnostic_list d;
  auto m = load(t, d);
  BOOST_TEST(m->has_file("spammers.tab"));
  BOOST_TEST(!m->has_file("smtpauth.tab"));
  BOOST_TEST(m->find_relay(ip("10.1.2.3")) != nullptr);
  BOOST_TEST(m->find_relay(ip("11.1.2.3")) == nullptr);
  BOOST_TEST(m->find_spammer(ip("127.0.0.1"))->code == 0);
  BOOST_TEST(m->find_spam_address("anyone@rude.net") != nullptr);
  BOOST_TEST(m->find_spam_address("list-admin@even.more.rude.net") != nullptr);
  BOOST_TEST(m->find_spam_address("admin@even.more.rude.net") == nullptr);
  BOOST_TEST(m->find_hnprop("mx.xmailserver.org") != nullptr);
  BOOST_TEST(m->find_hnprop("xmailserver.org") != nullptr);
  BOOST_TEST(m->find_hnprop("badxmailserver.org") == nullptr);
  BOOST_TEST(m->find_hnprop("EXACT.test") != nullptr);
  BOOST_TEST(m->find_hnprop("sub.exact.test") == nullptr);
}

BOOST_AUTO_TEST_CASE(lookup_orders) {
  BOOST_TEST((mailroot::custom_domain_candidates("sub1.sub2.domain.net") ==
              std::vector<std::string>{"sub1.sub2.domain.net.tab", ".sub2.domain.net.tab", ".domain.net.tab",
                                       ".net.tab", ".tab"}));
  BOOST_TEST((mailroot::smtp_client_auth_candidates("mail.foo.net") ==
              std::vector<std::string>{"mail.foo.net.tab", "foo.net.tab", "net.tab"}));
  temp_dir t;
  t.write("custdomains/.wild.org.tab", "\"lredirect\"\t\"love@soopoo.jp\"\n");
  t.write("custdomains/cust.org.tab", "\"redirect\"\t\"cop@hunet.jp\"\n");
  t.write("cmdaliases/hunet.jp/helpdesk.tab", "\"redirect\"\t\"cop@hunet.jp\"\n");
  t.write("userauth/pop3/.tab", "\"userauth\"\t\"/bin/true\"\n");
  t.write("userauth/smtp/foo.net.tab", "\"PLAIN\"\t\"u\"\t\"p\"\n");
  diagnostic_list d;
  auto m = load(t, d);
  BOOST_TEST(m->custom_domain("a.wild.org")->file->path() == "custdomains/.wild.org.tab");
  BOOST_TEST(m->custom_domain("cust.org")->commands.at(0).args.at(0) == "cop@hunet.jp");
  BOOST_TEST(m->custom_domain("other.org") == nullptr);
  BOOST_TEST(m->cmd_alias("HelpDesk", "Hunet.jp") != nullptr);
  BOOST_TEST(m->cmd_alias("nobody", "hunet.jp") == nullptr);
  BOOST_TEST(m->pop3_userauth("hunet.jp")->file->path() == "userauth/pop3/.tab");
  BOOST_TEST(m->smtp_client_auth("mail.foo.net")->file->path() == "userauth/smtp/foo.net.tab");
  BOOST_TEST(m->smtp_client_auth("other.org") == nullptr);
}

BOOST_AUTO_TEST_CASE(account_files_are_read_on_first_use) {
  temp_dir t;
  t.write("server.tab", "\"DefaultSmtpPerms\"\t\"MR\"\n");
  t.write("mailusers.tab", "\"hunet.jp\"\t\"cop\"\t\"1d\"\t1\t\"cop\"\t\"U\"\n\"hunet.jp\"\t\"staff\"\t\"1d\"\t2\t\"staff\"\t\"M\"\n"
                           "\"hunet.jp\"\t\"love\"\t\"1d\"\t3\t\"love\"\t\"U\"\n");
  t.write("domains/hunet.jp/cop/user.tab", "\"RealName\"\t\"Cop Hunet\"\n\"MaxMBSize\"\t\"10000\"\n\"SmtpPerms\"\t\"MRZ\"\n");
  t.write("domains/hunet.jp/staff/user.tab", "\"ClosedML\"\t\"1\"\n");
  t.write("domains/hunet.jp/staff/mlusers.tab", "\"cop@hunet.jp\"\t\"RW\"\n\"far@remote.test\"\t\"R\"\n");
  diagnostic_list d;
  auto m = load(t, d);
  auto cop = m->account_data(*m->find_account("cop", "hunet.jp"));
  BOOST_TEST(*cop->var("RealName") == "Cop Hunet");
  BOOST_TEST(cop->number("MaxMBSize", 0) == 10000);
  BOOST_TEST(m->perms_for(*m->find_account("cop", "hunet.jp")).no_size_limit);
  BOOST_TEST(!m->perms_for(*m->find_account("love", "hunet.jp")).vrfy);  // DefaultSmtpPerms MR
  BOOST_TEST(m->perms_for(*m->find_account("love", "hunet.jp")).relay);
  auto staff = m->account_data(*m->find_account("staff", "hunet.jp"));
  BOOST_TEST(staff->members.size() == 2u);
  BOOST_TEST(staff->flag("ClosedML", false));
  BOOST_TEST(cop.get() == m->account_data(*m->find_account("COP", "hunet.jp")).get());  // cached
}

BOOST_AUTO_TEST_CASE(duplicates_first_line_wins_case_insensitively) {
  temp_dir t;
  t.write("domains.tab", "\"hunet.jp\"\n\"HUNET.JP\"\n");
  t.write("mailusers.tab", "\"hunet.jp\"\t\"cop\"\t\"1d\"\t1\t\"first\"\t\"U\"\n\"Hunet.jp\"\t\"COP\"\t\"1d\"\t2\t\"second\"\t\"U\"\n");
  t.write("aliases.tab", "\"hunet.jp\"\t\"foo\"\t\"cop\"\n\"hunet.jp\"\t\"FOO\"\t\"other\"\n");
  t.write("aliasdomain.tab", "\"kodomo21.net\"\t\"hunet.jp\"\n\"Kodomo21.NET\"\t\"soopoo.jp\"\n");
  diagnostic_list d;
  auto m = load(t, d);
  BOOST_TEST(m->find_domain("hunet.jp") == &m->domains()[0]);
  BOOST_TEST(m->find_account("cop", "hunet.jp")->dir == "first");
  BOOST_TEST(m->find_alias("Foo", "hunet.jp")->target == "cop");
  BOOST_TEST(m->find_alias_domain("KODOMO21.net")->target == "hunet.jp");
  BOOST_TEST(m->find_account("cop", "hunet.j") == nullptr);
  BOOST_TEST(m->find_account("co", "phunet.jp") == nullptr);  // the parts are hashed apart
  std::vector<mailroot::account_key> keys{{"COP", "hunet.jp"}, {"cop", "soopoo.jp"}, {"cop", "Hunet.JP"}};
  std::vector<const account*> found(keys.size());
  m->find_accounts(keys, found);
  BOOST_TEST((found == std::vector<const account*>{&m->accounts()[0], nullptr, &m->accounts()[0]}));
  using dups = std::vector<mailroot::duplicate>;
  BOOST_TEST((m->duplicate_domains() == dups{{1, 0}}));
  BOOST_TEST((m->duplicate_accounts() == dups{{1, 0}}));
  BOOST_TEST((m->duplicate_aliases() == dups{{1, 0}}));
  auto [user, domain] = mailroot::alias_target_view(m->aliases()[0], "other.jp");
  BOOST_TEST(user == "cop");
  BOOST_TEST(domain == "hunet.jp");
}

BOOST_AUTO_TEST_CASE(large_alias_table_gives_the_same_results_and_diagnostic_order) {
  temp_dir t;
  std::string aliases;
  for (int i = 0; i < 120000; ++i) aliases += "\"hunet.jp\"\t\"alias-number-" + std::to_string(i) + "\"\t\"cop\"\n";
  aliases += "\"hunet.jp\"\t\"broken\"\n";
  BOOST_REQUIRE(aliases.size() >= (4u << 20));  // big enough for the second thread
  t.write("aliases.tab", aliases);
  t.write("mailusers.tab", "\"hunet.jp\"\t\"cop\"\t\"1d\"\t0\t\"cop\"\t\"U\"\n\"hunet.jp\"\t\"love\"\t\"1d\"\t2\t\"love\"\t\"U\"\n");
  diagnostic_list d;
  auto m = load(t, d);
  BOOST_TEST(m->aliases().size() == 120000u);
  BOOST_TEST(m->find_alias("ALIAS-number-119999", "hunet.jp")->src.record->line == 120000u);
  BOOST_TEST(m->file("aliases.tab") == m->aliases()[0].src.file);
  BOOST_REQUIRE(d.items().size() == 2u);
  BOOST_TEST(d.items()[0].code == "account-id-zero");  // mailusers.tab is reported first, as when read in turn
  BOOST_TEST(d.items()[1].file == "aliases.tab");
  BOOST_TEST(d.items()[1].line == 120001u);
  std::vector<mailroot::account_key> keys;  // many batches of lookups
  for (std::size_t i = 0; i < m->aliases().size(); ++i)
    keys.push_back(i % 2 ? mailroot::account_key{"LOVE", "hunet.jp"}
                         : mailroot::alias_target_view(m->aliases()[i], "hunet.jp"));  // cop: id 0 left it out
  std::vector<const account*> found(keys.size());
  m->find_accounts(keys, found);
  BOOST_TEST(std::count(found.begin(), found.end(), &m->accounts()[0]) == 60000);  // love
  BOOST_TEST(std::count(found.begin(), found.end(), nullptr) == 60000);
}

BOOST_AUTO_TEST_CASE(read_account_files_is_uncached) {
  temp_dir t;
  t.write("mailusers.tab", "\"hunet.jp\"\t\"cop\"\t\"1d\"\t1\t\"cop\"\t\"U\"\n");
  t.write("domains/hunet.jp/cop/user.tab", "\"RealName\"\t\"Cop Hunet\"\n\"Bogus\"\n");
  t.write("domains/hunet.jp/userdef.tab", "\"MaxMBSize\"\t\"10000\"\n");
  diagnostic_list d;
  auto m = load(t, d);
  auto& cop = *m->find_account("cop", "hunet.jp");
  auto a = read_account_files(t.path(), cop);
  BOOST_TEST(*a->var("RealName") == "Cop Hunet");
  BOOST_TEST(a->diags.items().size() == 1u);  // the one-field line
  BOOST_TEST(a.get() != read_account_files(t.path(), cop).get());
  BOOST_TEST(*read_domain_files(t.path(), "hunet.jp")->userdef.get("MaxMBSize") == "10000");
}

BOOST_AUTO_TEST_SUITE_END()
