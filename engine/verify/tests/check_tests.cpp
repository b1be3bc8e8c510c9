// Each check of verify on a clean MailRoot broken in one place.
#include <boost/test/unit_test.hpp>

#include "mailroot_builder.hpp"

using namespace mailflow;
using mailflow::testing::mailroot_builder;
using lines = std::vector<std::string>;

BOOST_AUTO_TEST_SUITE(files_and_folders)

BOOST_AUTO_TEST_CASE(the_clean_mailroot_has_no_diagnostic) {
  mailroot_builder m;
  BOOST_TEST(m.lines() == lines{}, boost::test_tools::per_element());
  auto r = m.verify();
  BOOST_TEST(std::is_sorted(r.files.begin(), r.files.end()));
  BOOST_TEST(std::count(r.files.begin(), r.files.end(), "mailusers.tab") == 1);
  BOOST_TEST(std::count(r.files.begin(), r.files.end(), "message.id") == 1);
  BOOST_TEST(std::count(r.files.begin(), r.files.end(), "userdef.tab") == 1);
}

BOOST_AUTO_TEST_CASE(each_required_file_is_an_error) {
  for (auto name : {"server.tab", "domains.tab", "mailusers.tab", "spammers.tab"}) {
    mailroot_builder m;
    m.remove(name);
    if (std::string(name) == "domains.tab") m.remove("domains/example.test");  // keep the rest consistent
    auto codes = m.codes();
    BOOST_TEST_INFO(name);
    BOOST_TEST(std::count(codes.begin(), codes.end(), "missing-required-file") == 1);
  }
  mailroot_builder m;
  m.remove("spammers.tab");
  BOOST_TEST(m.lines() == lines{"spammers.tab: error: required file is missing: XMail refuses every SMTP connection "
                                "with 421 (-19, unable to open file) [missing-required-file]"},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(standard_files_are_notes_and_standard_folders_warnings) {
  mailroot_builder m;
  m.remove("smtpgw.tab");
  m.remove("spool");
  m.remove("userauth/smtp");
  m.remove("tabindex");
  m.write("tabindex", "a file where a folder belongs");
  BOOST_TEST(m.lines() ==
                 (lines{"smtpgw.tab: note: standard MailRoot file is missing [missing-standard-file]",
                        "spool: warning: standard folder is missing: XMail keeps its message queue here "
                        "[missing-standard-folder]",
                        "tabindex: warning: standard folder is not a folder: XMail keeps the indexes of its indexed "
                        "tables here [missing-standard-folder]",
                        "userauth/smtp: warning: standard folder is missing: SMTP client authentication files live "
                        "here (manual: SMTP CLIENT AUTHENTICATION) [missing-standard-folder]"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_folder_where_a_table_belongs_is_unreadable) {
  mailroot_builder m;
  m.remove("smtpgw.tab");
  m.mkdir("smtpgw.tab");
  BOOST_TEST(m.lines() == lines{"smtpgw.tab: error: not a regular file [file-unreadable]"},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(parser_diagnostics_of_root_tables_are_kept) {
  mailroot_builder m;
  m.write("spammers.tab", "\"192.0.2.0/24\"\t\"code=0,colour=red\"\n");
  BOOST_TEST(m.lines() == lines{"spammers.tab:1:17: warning: unknown parameter 'colour' (supported: code) "
                                "[unknown-parameter]"},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(keep_files_are_ignored) {
  mailroot_builder m;
  for (auto folder : {"spool", "cmdaliases", "cmdaliases/example.test", "custdomains", "userauth/pop3",
                      "domains/example.test", "domains/example.test/ann", "domains/example.test/ann/Maildir/tmp"})
    m.write(std::string(folder) + "/.keep", "");
  BOOST_TEST(m.lines() == lines{}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(variables)

BOOST_AUTO_TEST_CASE(server_tab_unknown_duplicate_and_bad_values) {
  mailroot_builder m;
  m.append("server.tab",
           "\"SmtpServerDomian\"\t\"example.test\"\n"  // line 3
           "\"Frobnicate\"\t\"1\"\n"                   // line 4: nothing close
           "\"SmtpConfig-192.168.1.17,1025\"\t\"MailAuth\"\n"
           "\"RootDomain\"\t\"other.test\"\n"          // line 6
           "\"MaxMTAOps\"\t\"many\"\n");               // line 7
  BOOST_TEST(m.lines() ==
                 (lines{"server.tab:3:2: error: unknown server.tab variable 'SmtpServerDomian': XMail ignores it (did "
                        "you mean 'SmtpServerDomain'?) [unknown-variable]",
                        "server.tab:4:2: error: unknown server.tab variable 'Frobnicate': XMail ignores it "
                        "[unknown-variable]",
                        "server.tab:6:2: warning: 'RootDomain' is set again: XMail uses server.tab:1 and ignores this "
                        "line [duplicate-variable]",
                        "server.tab:7:14: error: MaxMTAOps: expected a whole number, found 'many' [bad-value]"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(server_tab_without_root_domain) {
  mailroot_builder m;
  m.write("server.tab", "# nothing set\n");
  BOOST_TEST(m.lines() == lines{"server.tab: warning: RootDomain is not set: XMail names itself with it in EHLO/HELO "
                                "replies and bounces [missing-root-domain]"},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(user_variables_in_user_tab_and_both_userdef_tabs) {
  mailroot_builder m;
  m.write("domains/example.test/ann/user.tab", "\"MaxMBSize\"\t\"10000\"\n\"Homepage\"\t\"x\"\n\"MaxMBSize\"\t\"1\"\n");
  m.write("domains/example.test/userdef.tab", "\"ReceiveEnable\"\t\"yes\"\n");
  m.write("userdef.tab", "\"Colour\"\t\"blue\"\n");
  BOOST_TEST(m.lines() ==
                 (lines{"domains/example.test/ann/user.tab:2:2: warning: unknown user variable 'Homepage': XMail "
                        "ignores it (did you mean 'HomePage'?) [unknown-user-variable]",
                        "domains/example.test/ann/user.tab:3:2: warning: 'MaxMBSize' is set again: XMail uses "
                        "domains/example.test/ann/user.tab:1 and ignores this line [duplicate-variable]",
                        "domains/example.test/userdef.tab:1:18: error: ReceiveEnable: expected 0 or 1, found 'yes' "
                        "[bad-value]",
                        "userdef.tab:1:2: warning: unknown user variable 'Colour': XMail ignores it "
                        "[unknown-user-variable]"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(accounts)

BOOST_AUTO_TEST_CASE(duplicates_ids_and_foreign_domains) {
  mailroot_builder m;
  m.append("mailusers.tab",
           "\"Example.TEST\"\t\"ANN\"\t\"240b55110d001748360006170011\"\t2\t\"ann2\"\t\"U\"\n"
           "\"example.test\"\t\"bob\"\t\"240b55110d001748360006170011\"\t1\t\"bob\"\t\"U\"\n"
           "\"elsewhere.test\"\t\"cat\"\t\"240b55110d001748360006170011\"\t3\t\"cat\"\t\"U\"\n");
  m.maildir("domains/example.test/bob");
  m.maildir("domains/elsewhere.test/cat");
  BOOST_TEST(m.lines() ==
                 (lines{"mailusers.tab:2:17: warning: account ANN@Example.TEST is already defined at mailusers.tab:1: "
                        "XMail uses that line and ignores this one [duplicate-account]",
                        "mailusers.tab:3:53: error: account id 1 of bob@example.test is already used by "
                        "ann@example.test at mailusers.tab:1: ids must be unique [duplicate-account-id]",
                        "mailusers.tab:4:2: warning: domain 'elsewhere.test' of account cat@elsewhere.test is not in "
                        "domains.tab: XMail treats mail for it as remote [account-domain-not-local]"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(folders_missing_in_the_wrong_case_shared_or_without_mailbox) {
  mailroot_builder m;
  const std::string pw = "\"240b55110d001748360006170011\"";
  m.append("mailusers.tab", "\"example.test\"\t\"bob\"\t" + pw + "\t2\t\"bob\"\t\"U\"\n" +        // 2: missing
                                "\"example.test\"\t\"cy\"\t" + pw + "\t3\t\"cy\"\t\"U\"\n" +       // 3: Cy on disk
                                "\"example.test\"\t\"dee\"\t" + pw + "\t4\t\"ann\"\t\"U\"\n" +     // 4: ann's folder
                                "\"example.test\"\t\"eve\"\t" + pw + "\t5\t\"eve\"\t\"U\"\n" +     // 5: mailbox/
                                "\"example.test\"\t\"fay\"\t" + pw + "\t6\t\"fay\"\t\"U\"\n" +     // 6: nothing
                                "\"example.test\"\t\"gus\"\t" + pw + "\t7\t\"gus\"\t\"U\"\n" +     // 7: no cur, tmp
                                "\"example.test\"\t\"hal\"\t" + pw + "\t8\t\"hal\"\t\"U\"\n" +     // 8: a file
                                "\"other.test\"\t\"ivy\"\t" + pw + "\t9\t\"ivy\"\t\"U\"\n");      // 9: no domain folder
  m.write("domains.tab", "\"example.test\"\n\"other.test\"\n");
  m.maildir("domains/example.test/Cy");
  m.mkdir("domains/example.test/eve/mailbox");
  m.mkdir("domains/example.test/fay");
  m.mkdir("domains/example.test/gus/Maildir/new");
  m.write("domains/example.test/hal", "not a folder");
  m.mkdir("cmdaliases/other.test");
  BOOST_TEST(m.lines() ==
                 (lines{"mailusers.tab:2:56: error: account folder domains/example.test/bob does not exist: XMail "
                        "cannot store mail for bob@example.test [account-folder-missing]",
                        "mailusers.tab:3:55: error: folder domains/example.test/cy does not exist; "
                        "domains/example.test/Cy differs in case: the folder must match the mailusers.tab field "
                        "exactly (manual: MAILUSERS.TAB) [account-folder-case]",
                        "mailusers.tab:4:56: warning: dee@example.test uses folder domains/example.test/ann, which is "
                        "already the folder of ann@example.test (mailusers.tab:1): both share one mailbox "
                        "[account-folder-shared]",
                        "mailusers.tab:6:56: warning: domains/example.test/fay has neither Maildir/ (tmp, new, cur) "
                        "nor mailbox/: XMail answers 552 to every RCPT for fay@example.test [account-no-mailbox]",
                        "mailusers.tab:7:56: warning: domains/example.test/gus/Maildir lacks tmp, cur: XMail answers "
                        "552 to every RCPT for gus@example.test [account-no-mailbox]",
                        "mailusers.tab:8:56: error: account folder domains/example.test/hal is not a folder: XMail "
                        "cannot store mail for hal@example.test [account-folder-missing]",
                        "mailusers.tab:9:54: error: account folder domains/other.test/ivy does not exist: XMail "
                        "cannot store mail for ivy@other.test [account-folder-missing]"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_domain_folder_in_the_wrong_case) {
  mailroot_builder m;
  std::filesystem::rename(m.path() / "domains/example.test", m.path() / "domains/Example.Test");
  BOOST_TEST(m.lines() == lines{"mailusers.tab:1:2: error: folder domains/example.test/ann does not exist; "
                                "domains/Example.Test differs in case (XMail needs the exact name) "
                                "[account-folder-case]"},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(mailing_lists_need_mlusers_and_known_local_members) {
  mailroot_builder m;
  const std::string pw = "\"240b55110d001748360006170011\"";
  m.append("mailusers.tab", "\"example.test\"\t\"list\"\t" + pw + "\t2\t\"list\"\t\"M\"\n" +
                                "\"example.test\"\t\"team\"\t" + pw + "\t3\t\"team\"\t\"M\"\n");
  m.mkdir("domains/example.test/list");  // a list needs no mailbox, but its mlusers.tab
  m.write("aliases.tab", "\"example.test\"\t\"boss\"\t\"ann\"\n");
  m.write("cmdaliases/example.test/robot.tab", "\"smtp\"\n");
  m.write("domains/example.test/team/mlusers.tab",
          "\"ann@example.test\"\t\"RW\"\n\"boss@example.test\"\n\"robot@example.test\"\n\"far@remote.test\"\t\"R\"\n"
          "\"ghost@Example.Test\"\t\"R\"\n");
  BOOST_TEST(m.lines() ==
                 (lines{"domains/example.test/team/mlusers.tab:5:2: warning: member ghost@Example.Test of list "
                        "team@example.test is in a local domain but is no account or alias: the list's copies to it "
                        "cannot be delivered [ml-member-unknown]",
                        "mailusers.tab:2:64: error: mailing list list@example.test has no "
                        "domains/example.test/list/mlusers.tab: XMail has no subscribers to send to [mlusers-missing]"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(parser_errors_of_account_files_are_reported_once) {
  mailroot_builder m;
  m.write("domains/example.test/ann/mailproc.tab", "\"mailbox\"\n\"smtp\"\n");
  m.write("domains/example.test/ann/pop3.ipmap.tab", "\"1.2.3.4/40\"\t\"ALLOW\"\t1\n");
  BOOST_TEST(m.lines() ==
                 (lines{"domains/example.test/ann/mailproc.tab:2:2: error: 'smtp' is only valid in custom domain and "
                        "command alias files [unknown-command]",
                        "domains/example.test/ann/pop3.ipmap.tab:1:2: error: invalid prefix length '40' (0-32) "
                        "[bad-network]"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(aliases)

BOOST_AUTO_TEST_CASE(targets_must_be_local_accounts_one_level) {
  mailroot_builder m;
  m.write("domains.tab", "\"example.test\"\n\"other.test\"\n");
  m.mkdir("cmdaliases/other.test");
  m.write("aliasdomain.tab", "\"mirror.test\"\t\"example.test\"\n");
  m.write("aliases.tab",
          "\"example.test\"\t\"ok\"\t\"ann\"\n"                      // 1 fine
          "\"example.test\"\t\"ok2\"\t\"ANN@Example.Test\"\n"        // 2 fine: case does not matter
          "\"other.test\"\t\"cross\"\t\"ann@example.test\"\n"        // 3 fine: another local domain
          "\"example.test\"\t\"gone\"\t\"bob\"\n"                    // 4 no account
          "\"example.test\"\t\"far\"\t\"ann@remote.test\"\n"         // 5 remote
          "\"example.test\"\t\"mirror\"\t\"ann@mirror.test\"\n"      // 6 a domain alias
          "\"example.test\"\t\"chain\"\t\"ok\"\n"                    // 7 an alias
          "\"example.test\"\t\"ping\"\t\"pong\"\n"                   // 8 loop
          "\"example.test\"\t\"pong\"\t\"ping@example.test\"\n");    // 9 loop
  BOOST_TEST(m.lines() ==
                 (lines{"aliases.tab:4:24: error: alias gone@example.test points to bob@example.test, which is no "
                        "account, so RCPT to gone@example.test answers 550 [alias-target-missing]",
                        "aliases.tab:5:23: error: alias far@example.test points to ann@remote.test, which is not in a "
                        "local domain: XMail resolves an alias to a local account only, so RCPT to far@example.test "
                        "answers 550 [alias-target-remote]",
                        "aliases.tab:6:26: error: alias mirror@example.test points to ann@mirror.test, which is not in "
                        "a local domain (a domain alias: the target is looked up as written): XMail resolves an alias "
                        "to a local account only, so RCPT to mirror@example.test answers 550 [alias-target-remote]",
                        "aliases.tab:7:25: error: alias chain@example.test points to ok@example.test, which is itself "
                        "an alias (aliases.tab:1): XMail resolves an alias one level, to a local account only, so RCPT "
                        "to chain@example.test answers 550 [alias-chain]",
                        "aliases.tab:8:24: error: alias loop: ping@example.test -> pong@example.test -> "
                        "ping@example.test: aliases resolve one level only, so RCPT to ping@example.test answers 550 "
                        "[alias-loop]",
                        "aliases.tab:9:24: error: alias loop: pong@example.test -> ping@example.test -> "
                        "pong@example.test: aliases resolve one level only, so RCPT to pong@example.test answers 550 "
                        "[alias-loop]"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(wildcards_shadowing_duplicates_and_foreign_domains) {
  mailroot_builder m;
  m.write("domains.tab", "\"example.test\"\n\"other.test\"\n");
  m.mkdir("cmdaliases/other.test");
  m.write("aliases.tab",
          "\"*\"\t\"postmaster\"\t\"ann\"\n"                         // 1 ann@other.test does not exist
          "\"example.test\"\t\"*master\"\t\"ann\"\n"                 // 2 fine
          "\"???.test\"\t\"x\"\t\"ann@example.test\"\n"              // 3 fine: matches no local domain today
          "\"example.test\"\t\"*\"\t\"nobody\"\n"                    // 4 nobody@ matches this alias again
          "\"example.test\"\t\"ann\"\t\"ann@other.test\"\n"          // 5 the account wins
          "\"remote.test\"\t\"x\"\t\"ann@example.test\"\n"           // 6 not local
          "\"example.test\"\t\"*MASTER\"\t\"ann\"\n"                 // 7 duplicate of 2
          "\"example.test\"\t\"a\"\t\"ann\"\n"                       // 8
          "\"Example.Test\"\t\"A\"\t\"ann\"\n");                     // 9 duplicate of 8
  BOOST_TEST(m.lines() ==
                 (lines{"aliases.tab:1:19: error: alias postmaster@* points to 'ann' in the recipient's domain, which "
                        "is no account in other.test, so RCPT there answers 550 [alias-target-missing]",
                        "aliases.tab:4:21: error: alias loop: *@example.test -> nobody@example.test: aliases resolve "
                        "one level only, so RCPT to *@example.test answers 550 [alias-loop]",
                        "aliases.tab:5:17: warning: ann@example.test is an account (mailusers.tab:1): the account wins "
                        "and this alias is never used [alias-shadowed-by-account]",
                        "aliases.tab:6:2: warning: domain 'remote.test' is not in domains.tab: XMail looks up aliases "
                        "only for local domains, so this alias is never used [alias-domain-not-local]",
                        "aliases.tab:7:17: warning: alias *MASTER@example.test is already defined at aliases.tab:2: "
                        "this line is never used [duplicate-alias]",
                        "aliases.tab:9:17: warning: alias A@Example.Test is already defined at aliases.tab:8: this "
                        "line is never used [duplicate-alias]"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(domain_aliases_ext_aliases_and_pop3_links) {
  mailroot_builder m;
  m.write("aliasdomain.tab",
          "\"mirror.test\"\t\"example.test\"\n\"*.example.test\"\t\"example.test\"\n\"Mirror.Test\"\t\"other.test\"\n"
          "\"lost.test\"\t\"nowhere.test\"\n\"twice.test\"\t\"mirror.test\"\n");
  m.write("extaliases.tab", "\"ext.test\"\t\"ann\"\t\"example.test\"\t\"ann\"\n\"ext.test\"\t\"bob\"\t\"example.test\"\t\"bob\"\n");
  m.write("pop3links.tab",
          "\"example.test\"\t\"ann\"\t\"pop.test\"\t\"ann\"\t\"00\"\t\"CLR\"\n"
          "\"@example.test\"\t\"x\"\t\"pop.test\"\t\"x\"\t\"00\"\t\"CLR\"\n"
          "\"example.test\"\t\"bob\"\t\"pop.test\"\t\"bob\"\t\"00\"\t\"APOP\"\n");
  BOOST_TEST(m.lines() ==
                 (lines{"aliasdomain.tab:3:2: warning: domain alias 'Mirror.Test' is already defined at "
                        "aliasdomain.tab:1: this line is never used [duplicate-alias-domain]",
                        "aliasdomain.tab:4:14: error: domain alias 'lost.test' maps to 'nowhere.test', which is not in "
                        "domains.tab: mail for lost.test is not delivered locally [alias-domain-target-unknown]",
                        "aliasdomain.tab:5:15: error: domain alias 'twice.test' maps to 'mirror.test', which is not in "
                        "domains.tab (it is itself a domain alias): mail for twice.test is not delivered locally "
                        "[alias-domain-target-unknown]",
                        "extaliases.tab:2:19: warning: extaliases.tab maps bob@ext.test to bob@example.test, which is "
                        "no local account [ext-alias-target-unknown]",
                        "pop3links.tab:3:2: warning: mail fetched from bob@pop.test goes to bob@example.test, which is "
                        "no local account [pop3link-account-unknown]"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(duplicate_domains) {
  mailroot_builder m;
  m.write("domains.tab", "\"example.test\"\n\"EXAMPLE.test\"\n");
  BOOST_TEST(m.lines() == lines{"domains.tab:2:2: warning: domain 'EXAMPLE.test' is already listed at domains.tab:1 "
                                "[duplicate-domain]"},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(security)

BOOST_AUTO_TEST_CASE(weak_and_undecodable_passwords) {
  mailroot_builder m;
  m.write("mailusers.tab",
          "\"example.test\"\t\"ann\"\t\"240b55110d001748360006170011\"\t1\t\"ann\"\t\"U\"\n"
          "\"example.test\"\t\"bob\"\t\"\"\t2\t\"ann\"\t\"U\"\n"                                   // empty
          "\"example.test\"\t\"cat\"\t\"35041616\"\t3\t\"ann\"\t\"U\"\n"                           // "Pass"
          "\"example.test\"\t\"dan\"\t\"01040b\"\t4\t\"ann\"\t\"U\"\n"                             // "dan"
          "\"example.test\"\t\"eve\"\t\"20130025201d04081509004b31001611\"\t5\t\"ann\"\t\"U\"\n"    // her address
          "\"example.test\"\t\"fox\"\t\"03 0a 1d\"\t6\t\"ann\"\t\"U\"\n");                         // not hex
  m.write("ctrlaccounts.tab", "\"root\"\t\"370a0a11\"\n");                                         // "root"
  m.write("smtpauth.tab", "\"relay\"\t\"LetMeIn\"\t\"MR\"\n\"ok\"\t\"An0ther-Secret\"\t\"MR\"\n");
  auto out = m.lines();
  out.erase(std::remove_if(out.begin(), out.end(),
                           [](auto& l) { return l.find("account-folder-shared") != std::string::npos; }),
            out.end());
  BOOST_TEST(out == (lines{"ctrlaccounts.tab:1:9: warning: the password of CTRL account 'root' is the same as the "
                           "user name [weak-password]",
                           "mailusers.tab:2:23: warning: the password of account bob@example.test is empty "
                           "[weak-password]",
                           "mailusers.tab:3:23: warning: the password of account cat@example.test is a well-known "
                           "password [weak-password]",
                           "mailusers.tab:4:23: warning: the password of account dan@example.test is the same as the "
                           "user name [weak-password]",
                           "mailusers.tab:5:23: warning: the password of account eve@example.test is the same as the "
                           "user name [weak-password]",
                           "mailusers.tab:6:23: warning: the password of account fox@example.test is not "
                           "XMCrypt-encoded (pairs of hex digits): XMail cannot decode it, so logins fail "
                           "[bad-password-encoding]",
                           "smtpauth.tab:1:10: warning: the password of smtpauth.tab user 'relay' is a well-known "
                           "password [weak-password]"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(open_relay) {
  mailroot_builder m;
  m.write("smtprelay.tab", "\"192.168.0.0\"\t\"255.255.0.0\"\n\"0.0.0.0/0\"\n");
  BOOST_TEST(m.lines() == lines{"smtprelay.tab:2:2: warning: smtprelay.tab lets every address relay (0.0.0.0/0): an "
                                "open relay [open-relay]"},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(ctrl_port_open_to_everyone) {
  const std::string allow_all = "ctrl.ipmap.tab:1:2: warning: every address may connect to the CTRL (admin) port: "
                                "allow only trusted networks such as 127.0.0.0/8 [ctrl-open]";
  const std::string no_deny = "ctrl.ipmap.tab: warning: no line denies the addresses it does not list, and XMail "
                              "allows what no line matches: every address may connect to the CTRL (admin) port; add "
                              "\"0.0.0.0\" \"0.0.0.0\" \"DENY\" 1 [ctrl-open]";
  mailroot_builder m;
  m.write("ctrl.ipmap.tab", "\"0.0.0.0\"\t\"0.0.0.0\"\t\"ALLOW\"\t1\n");
  BOOST_TEST(m.lines() == lines{allow_all}, boost::test_tools::per_element());
  m.write("ctrl.ipmap.tab", "\"127.0.0.0\"\t\"255.0.0.0\"\t\"ALLOW\"\t2\n");
  BOOST_TEST(m.lines() == lines{no_deny}, boost::test_tools::per_element());
  m.write("ctrl.ipmap.tab", "");
  BOOST_TEST(m.lines() == lines{no_deny}, boost::test_tools::per_element());
  // A DENY for everyone that a later ALLOW of the same precedence overrides.
  m.write("ctrl.ipmap.tab", "\"0.0.0.0\"\t\"0.0.0.0\"\t\"DENY\"\t1\n\"0.0.0.0/0\"\t\"ALLOW\"\t1\n");
  BOOST_TEST(m.lines() == lines{"ctrl.ipmap.tab:2:2: warning: every address may connect to the CTRL (admin) port: "
                                "allow only trusted networks such as 127.0.0.0/8 [ctrl-open]"},
             boost::test_tools::per_element());
  m.write("ctrl.ipmap.tab", "\"0.0.0.0\"\t\"0.0.0.0\"\t\"DENY\"\t1\n\"203.0.113.0/24\"\t\"ALLOW\"\t2\n");
  BOOST_TEST(m.lines() == lines{}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(cleartext_auth_when_tls_is_configured) {
  const std::string warning =
      "warning: server.cert and server.key are present and STARTTLS is on, but SmtpNoTLSAuths is not set: clients may "
      "send their password before STARTTLS; set SmtpNoTLSAuths to \"\" (or CRAM-MD5) to keep passwords off "
      "clear-text connections [cleartext-auth]";
  mailroot_builder m;
  m.write("server.cert", "cert");
  BOOST_TEST(m.lines() == lines{}, boost::test_tools::per_element());  // no key: no TLS
  m.write("server.key", "key");
  BOOST_TEST(m.lines() == lines{"server.tab: " + warning}, boost::test_tools::per_element());
  m.append("server.tab", "\"EnableSMTP-TLS\"\t\"1\"\n");
  BOOST_TEST(m.lines() == lines{"server.tab:3:2: " + warning}, boost::test_tools::per_element());
  m.append("server.tab", "\"SmtpNoTLSAuths\"\t\"\"\n");
  BOOST_TEST(m.lines() == lines{}, boost::test_tools::per_element());
  m.write("server.tab", "\"RootDomain\"\t\"example.test\"\n\"EnableSMTP-TLS\"\t\"0\"\n");
  BOOST_TEST(m.lines() == lines{}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(programs_and_command_files)

BOOST_AUTO_TEST_CASE(programs_must_exist_and_run) {
  mailroot_builder m;
  m.program("filters/ok.sh");
  m.write("filters/plain.sh", "#!/bin/sh\n");
  m.mkdir("filters/folder.sh");
  m.program("bin/relative.sh");
  m.write("filters.post-rcpt.tab",
          "\"{root}/filters/ok.sh\"\t\"$(FILE)\"\n"           // 1 fine
          "\"!aex\"\t\"{root}/filters/gone.sh\"\n"            // 2 missing (after the flags field)
          "\"{root}/filters/plain.sh\"\n"                     // 3 no x bit
          "\"{root}/filters/folder.sh\"\n"                    // 4 a folder
          "\"{root}/filters/$(RCPT).sh\"\n"                   // 5 a macro: left alone
          "\"@@FILTER\"\n"                                    // 6 the old macro form
          "\"sh\"\t\"-c\"\t\"exit 0\"\n"                      // 7 found in PATH
          "\"no-such-program-mailflow\"\n"                    // 8 not in PATH
          "\"bin/relative.sh\"\n");                           // 9 relative to the MailRoot
  m.write("smtpextauth.tab", "\"PLAIN\"\t\"/nonexistent/mailflow/auth\"\t\"@@USER\"\n");
  BOOST_TEST(m.lines() ==
                 (lines{"filters.post-rcpt.tab:2:9: error: program '{root}/filters/gone.sh' does not exist: XMail "
                        "counts a filter it cannot run as a pass, so this check never happens [program-missing]",
                        "filters.post-rcpt.tab:3:2: error: program '{root}/filters/plain.sh' is not executable (no x "
                        "permission): XMail counts a filter it cannot run as a pass, so this check never happens "
                        "[program-not-executable]",
                        "filters.post-rcpt.tab:4:2: error: program '{root}/filters/folder.sh' is not a regular file: "
                        "XMail counts a filter it cannot run as a pass, so this check never happens "
                        "[program-not-executable]",
                        "filters.post-rcpt.tab:8:2: error: program 'no-such-program-mailflow' is not in PATH: XMail "
                        "counts a filter it cannot run as a pass, so this check never happens [program-missing]",
                        "smtpextauth.tab:1:10: error: program '/nonexistent/mailflow/auth' does not exist: XMail "
                        "cannot run it to check PLAIN logins [program-missing]"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(filter_selection_files) {
  mailroot_builder m;
  m.program("filters/ok.sh");
  m.write("filters.in.tab", "\"*\"\t\"*\"\t\"0.0.0.0/0\"\t\"0.0.0.0/0\"\t\"av.tab\"\n"
                            "\"*\"\t\"*\"\t\"0.0.0.0/0\"\t\"0.0.0.0/0\"\t\"gone.tab\"\n");
  m.write("filters.out.tab", "\"*\"\t\"*\"\t\"0.0.0.0/0\"\t\"0.0.0.0/0\"\t\"av.tab\"\n");  // checked once
  m.write("filters/av.tab", "\"{root}/filters/ok.sh\"\t\"$(FILE)\"\n\"!bogus\"\t\"{root}/filters/none.sh\"\n");
  BOOST_TEST(m.lines() ==
                 (lines{"filters.in.tab:2:34: error: filter file filters/gone.tab does not exist (manual: MESSAGE "
                        "FILTERS) [filter-file-missing]",
                        "filters/av.tab:2:2: warning: unknown filter flag 'bogus' (aex, wlex, timeo=N) "
                        "[unknown-filter-flag]",
                        "filters/av.tab:2:11: error: program '{root}/filters/none.sh' does not exist: the filter "
                        "cannot run [program-missing]"}),
             boost::test_tools::per_element());
  auto files = m.verify().files;
  BOOST_TEST(std::count(files.begin(), files.end(), "filters/av.tab") == 1);
}

BOOST_AUTO_TEST_CASE(mailproc_command_aliases_and_custom_domains) {
  mailroot_builder m;
  m.write("domains/example.test/mailproc.tab", "\"external\"\t\"0\"\t\"0\"\t\"/nonexistent/mailflow/x\"\n");
  m.write("cmdaliases/example.test/ann.tab", "\"redirect\"\t\"ann@other.test\"\n");
  m.write("cmdaliases/example.test/Bob.tab", "\"smtp\"\n");
  m.write("cmdaliases/example.test/robot.tab", "\"lredirect\"\n\"smtprelay\"\t\"a\"\t\"b\"\n");
  m.write("cmdaliases/example.test/notes.txt", "not a command file\n");
  m.write("cmdaliases/Other.Test/x.tab", "\"smtp\"\n");
  m.write("custdomains/example.test.tab", "\"smtp\"\n");
  m.write("custdomains/Remote.Test.tab", "\"smtp\"\n");
  m.write("custdomains/.remote.test.tab", "\"external\"\t\"1\"\t\"30\"\t\"$(HOME)/bin/x\"\n\"mailbox\"\n");
  BOOST_TEST(m.lines() ==
                 (lines{"cmdaliases/Other.Test: warning: XMail looks up lower-case domain and user names only "
                        "(manual: CMD ALIASES): this folder is never used [command-file-name-case]",
                        "cmdaliases/example.test/Bob.tab: warning: XMail looks up lower-case domain and user names "
                        "only (manual: CMD ALIASES): this file is never used [command-file-name-case]",
                        "cmdaliases/example.test/ann.tab: warning: command alias ann@example.test hides the account or "
                        "alias at mailusers.tab:1: XMail checks command aliases first [cmdalias-shadows-account]",
                        "cmdaliases/example.test/robot.tab:1:1: error: expected 2 or more fields "
                        "(\"redirect|lredirect\" \"address-or-domain\"...), found 1 [field-count]",
                        "cmdaliases/example.test/robot.tab:2:18: error: expected 2 fields (\"smtprelay\" "
                        "\"server[:port];...\"), found 3 [field-count]",
                        "custdomains/.remote.test.tab:2:2: error: 'mailbox' is only valid in mailproc.tab "
                        "[unknown-command]",
                        "custdomains/Remote.Test.tab: warning: XMail looks up lower-case domain names only: this file "
                        "is never used [command-file-name-case]",
                        "custdomains/example.test.tab: warning: example.test is in domains.tab, and custom domain "
                        "processing applies only to domains XMail does not handle (manual: CUSTOM DOMAIN MAIL "
                        "PROCESSING): this file is never used [custdomain-shadowed]",
                        "domains/example.test/mailproc.tab:1:21: error: program '/nonexistent/mailflow/x' does not "
                        "exist: XMail cannot run this command [program-missing]"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(userauth_files) {
  mailroot_builder m;
  m.program("bin/auth.sh");
  m.write("userauth/pop3/example.test.tab", "\"userauth\"\t\"{root}/bin/auth.sh\"\t\"@@USER\"\t\"@@PASSWD\"\n"
                                            "\"useradd\"\t\"/nonexistent/mailflow/add\"\n\"login\"\t\"x\"\n");
  m.write("userauth/smtp/relay.test.tab", "\"CRAM-MD5\"\t\"me\"\t\"secret\"\n");
  m.write("userauth/smtp/other.test.tab", "\"NTLM\"\t\"me\"\t\"secret\"\n\"PLAIN\"\t\"me\"\n");
  BOOST_TEST(m.lines() ==
                 (lines{"userauth/pop3/example.test.tab:2:12: error: program '/nonexistent/mailflow/add' does not "
                        "exist: external authentication cannot run [program-missing]",
                        "userauth/pop3/example.test.tab:3:2: error: unknown action 'login' (userauth, useradd, "
                        "useredit, userdel, domaindrop) [bad-value]",
                        "userauth/smtp/other.test.tab:1:2: error: unknown authentication type 'NTLM' (PLAIN, LOGIN, "
                        "CRAM-MD5) [bad-value]",
                        "userauth/smtp/other.test.tab:2:2: error: expected 3 fields (\"auth-type\" \"username\" "
                        "\"password\"), found 2 [field-count]"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()
