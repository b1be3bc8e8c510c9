#include <boost/test/unit_test.hpp>

#include "config/tab_file.hpp"

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

BOOST_AUTO_TEST_SUITE_END()
