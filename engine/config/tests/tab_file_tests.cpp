#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <future>

#include "config/tab_file.hpp"
#include "config/tests/temp_dir.hpp"

using namespace mailflow;
using namespace mailflow::config;

namespace {
std::unique_ptr<tab_file> parse(std::string text, diagnostic_list& d) { return tab_file::parse("t.tab", text, d); }
}  // namespace

BOOST_AUTO_TEST_SUITE(tab_reader)

BOOST_AUTO_TEST_CASE(quoted_and_bare_fields_with_lines) {
  diagnostic_list d;
  auto f = parse("# comment\n\n\"hunet.jp\"\t\"cop\"\t\"060a15160006170011\"\t1\t\"cop\"\t\"U\"\n", d);
  BOOST_TEST(d.empty());
  BOOST_REQUIRE(f->records().size() == 1u);
  auto& r = f->records()[0];
  BOOST_TEST(r.line == 3u);
  BOOST_TEST(r.size() == 6u);
  BOOST_TEST(r[0] == "hunet.jp");
  BOOST_TEST(r[3] == "1");
  BOOST_TEST(!r.fields[3].quoted);
  BOOST_TEST(r.column(0) == 2u);   // inside the quote
  BOOST_TEST(r.column(1) == 13u);
  BOOST_TEST(f->rule(r).text == "\"hunet.jp\"\t\"cop\"\t\"060a15160006170011\"\t1\t\"cop\"\t\"U\"");
}

BOOST_AUTO_TEST_CASE(crlf_and_missing_final_newline) {
  diagnostic_list d;
  auto f = parse("\"a\"\t\"b\"\r\n\"c\"\t\"d\"", d);
  BOOST_TEST(d.empty());
  BOOST_REQUIRE(f->records().size() == 2u);
  BOOST_TEST(f->records()[0][1] == "b");
  BOOST_TEST(f->records()[1][1] == "d");
  BOOST_TEST(f->records()[1].line == 2u);
}

BOOST_AUTO_TEST_CASE(empty_quoted_field_and_tab_runs) {
  diagnostic_list d;
  auto f = parse("\"a\"\t\t\"b\"\t\"\"\n", d);
  BOOST_REQUIRE(f->records().size() == 1u);
  BOOST_TEST(f->records()[0].size() == 3u);  // runs of TAB are one separator, "" is a field
  BOOST_TEST(f->records()[0][2] == "");
}

BOOST_AUTO_TEST_CASE(unterminated_quote_is_an_error_with_column) {
  diagnostic_list d;
  auto f = parse("\"ok\"\n\"a\"\t\"broken\n\"next\"\n", d);
  BOOST_TEST(f->records().size() == 2u);
  BOOST_REQUIRE(d.items().size() == 1u);
  BOOST_TEST(format_diagnostic(d.items()[0]) ==
             "t.tab:2:5: error: unterminated quote: field has no closing '\"' [tab-unterminated-quote]");
}

BOOST_AUTO_TEST_CASE(spaces_instead_of_tabs_are_named) {
  diagnostic_list d;
  auto f = parse("\"hunet.jp\"   \"foo\"   \"cop\"\n", d);
  BOOST_TEST(f->records().empty());
  BOOST_REQUIRE(d.items().size() == 1u);
  BOOST_TEST(d.items()[0].code == "tab-space-separator");
  BOOST_TEST(d.items()[0].column == 11u);
}

BOOST_AUTO_TEST_CASE(stray_quotes) {
  diagnostic_list d;
  parse("ab\"c\n\"a\"b\"\n", d);
  BOOST_REQUIRE(d.items().size() == 2u);
  BOOST_TEST(d.items()[0].code == "tab-bad-quoting");
  BOOST_TEST(d.items()[0].column == 3u);
  BOOST_TEST(d.items()[1].code == "tab-bad-quoting");
  BOOST_TEST(d.items()[1].line == 2u);
}

BOOST_AUTO_TEST_CASE(stray_spaces_are_warnings_and_ignored) {
  diagnostic_list d;
  auto f = parse("\"a\" \t \"b\"\n", d);
  BOOST_REQUIRE(f->records().size() == 1u);
  BOOST_TEST(f->records()[0][0] == "a");
  BOOST_TEST(f->records()[0][1] == "b");
  BOOST_TEST(d.error_count() == 0u);
  BOOST_TEST(d.warning_count() == 2u);
}

BOOST_AUTO_TEST_CASE(nul_byte_and_bom) {
  diagnostic_list d;
  auto f = parse(std::string("\xEF\xBB\xBF\"a\"\n\"b\0c\"\n", 13), d);
  BOOST_TEST(f->records().size() == 1u);
  BOOST_TEST(d.warning_count() == 1u);
  BOOST_TEST(d.error_count() == 1u);
  BOOST_TEST(d.items()[1].code == "tab-nul-byte");
}

// Every credential table cites its lines with the password field as "***"
// (PRODUCT.md: secrets never appear in any report), other fields kept as
// written, quotes and TAB runs included; other tables are cited as written.
BOOST_AUTO_TEST_CASE(credential_tables_are_cited_with_the_password_masked) {
  struct table_case {
    const char* path;
    const char* line;
    const char* cited;
  };
  const table_case cases[] = {
      {"mailusers.tab", "\"hunet.jp\"\t\"cop\"\t\"060a15160006170011\"\t1\t\"cop\"\t\"U\"",
       "\"hunet.jp\"\t\"cop\"\t\"***\"\t1\t\"cop\"\t\"U\""},
      {"smtpauth.tab", "\"relayer\"\t\t\"relaypw\"\t\"MR\"", "\"relayer\"\t\t\"***\"\t\"MR\""},
      {"ctrlaccounts.tab", "\"hunet-admin\"\t\"2e015d4615375713441d14524806111709\"", "\"hunet-admin\"\t\"***\""},
      {"pop3links.tab", "\"a.test\"\t\"me\"\t\"pop.remote.test\"\t\"them\"\t\"361117550b02\"\t\"CLR\"",
       "\"a.test\"\t\"me\"\t\"pop.remote.test\"\t\"them\"\t\"***\"\t\"CLR\""},
      {"userauth/smtp/mail.remote.test.tab", "\"PLAIN\"\t\"user\"\t\"Sm7p-secret\"", "\"PLAIN\"\t\"user\"\t\"***\""},
      // bare (unquoted) password field, CRLF line end
      {"smtpauth.tab", "plainuser\tb4re-secret\tM\r", "plainuser\t***\tM"},
      // a line too short to have a password field has nothing to hide
      {"ctrlaccounts.tab", "\"lonely\"", "\"lonely\""},
      // not a credential table: cited as written
      {"smtprelay.tab", "\"192.0.2.0\"\t\"255.255.255.0\"", "\"192.0.2.0\"\t\"255.255.255.0\""},
      {"userauth/pop3/remote.test.tab", "\"/bin/auth\"\t\"@@PASSWD\"", "\"/bin/auth\"\t\"@@PASSWD\""},
  };
  for (auto& c : cases) {
    diagnostic_list d;
    auto f = tab_file::parse(c.path, std::string("# a comment\n") + c.line + "\n", d);
    BOOST_TEST_CONTEXT(c.path << ": " << c.line) {
      BOOST_TEST(d.error_count() == 0u);
      BOOST_REQUIRE(f->records().size() == 1u);
      auto rule = f->rule(f->records()[0]);
      BOOST_TEST(rule.file == c.path);
      BOOST_TEST(rule.line == 2u);
      BOOST_TEST(rule.text == c.cited);
      source src{f.get(), &f->records()[0]};
      BOOST_TEST(src.rule().text == c.cited);
    }
  }
  BOOST_TEST(password_field("mailusers.tab").value_or(0) == 2u);
  BOOST_TEST(!password_field("aliases.tab").has_value());
}

BOOST_AUTO_TEST_CASE(a_carriage_return_inside_a_line_refuses_the_line) {
  // Found by fuzz/tables_fuzz (fuzz/regressions/tables/cr-inside-a-quoted-field):
  // "0\r" would have put a line break into a value, e.g. a reply text.
  diagnostic_list d;
  auto f = parse("\"SmtpMsgIPBan\"\t\"go\raway\"\n\"RootDomain\"\t\"a.jp\"\r\n", d);
  BOOST_REQUIRE(f->records().size() == 1u);
  BOOST_TEST(f->records()[0][1] == "a.jp");  // a CRLF ending stays an ending
  BOOST_REQUIRE(d.items().size() == 1u);
  BOOST_TEST(d.items()[0].code == "tab-bare-cr");
  BOOST_TEST(d.items()[0].line == 1u);
}

BOOST_AUTO_TEST_CASE(a_fifo_or_device_is_refused_without_waiting) {
  // Issue 10.7: a FIFO named aliases.tab hung verify in open(); a link to
  // /dev/zero as message.id read without end. Both are errors at once.
  testing::temp_dir t;
  BOOST_REQUIRE(::mkfifo((t.path() / "aliases.tab").c_str(), 0600) == 0);
  std::filesystem::create_symlink("/dev/zero", t.path() / "message.id");
  auto read = [&](std::string name) {
    return std::async(std::launch::async, [&t, name] {
      diagnostic_list d;
      std::string text;
      bool ok = read_file_text(t.path(), name, text, d);
      return std::make_pair(ok, d.items().empty() ? std::string() : d.items()[0].message);
    });
  };
  for (auto name : {"aliases.tab", "message.id"}) {
    auto f = read(name);
    if (f.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
      // it waits in open(): a writer releases it, so the test fails instead of hanging
      int fd = ::open((t.path() / name).c_str(), O_WRONLY | O_NONBLOCK);
      f.wait();
      if (fd >= 0) ::close(fd);
      BOOST_FAIL(std::string(name) + ": the read waited for a writer");
    }
    auto [ok, message] = f.get();
    BOOST_TEST(!ok);
    BOOST_TEST(message == "not a regular file");
  }
}

BOOST_AUTO_TEST_SUITE_END()
