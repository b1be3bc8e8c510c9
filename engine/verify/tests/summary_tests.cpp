// The plain data of a report (summary.hpp), the code catalogue and the
// "did you mean" suggestions.
#include <boost/test/unit_test.hpp>
#include <set>

#include "verify/codes.hpp"
#include "verify/suggest.hpp"
#include "verify/summary.hpp"
#include "verify/tests/sample_report.hpp"

using namespace mailflow;
using namespace mailflow::verify;

BOOST_AUTO_TEST_SUITE(summary)

BOOST_AUTO_TEST_CASE(summary_counts_and_plurals) {
  BOOST_TEST(summary_line({0, 0, 0}) == "0 errors, 0 warnings");
  BOOST_TEST(summary_line({1, 1, 0}) == "1 error, 1 warning");
  BOOST_TEST(summary_line({2, 3, 1}) == "2 errors, 3 warnings, 1 note");
  auto c = count(sample_report().diags);
  BOOST_TEST(c.errors == 2u);
  BOOST_TEST(c.warnings == 2u);
  BOOST_TEST(c.notes == 1u);
}

BOOST_AUTO_TEST_CASE(ignored_codes_are_left_out) {
  auto r = sample_report();
  drop_codes(r, {"weak-password", "missing-standard-file"});
  BOOST_TEST(r.diags.items().size() == 3u);
  BOOST_TEST(summary_line(count(r.diags)) == "2 errors, 1 warning");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(codes_and_suggestions)

BOOST_AUTO_TEST_CASE(codes_are_unique_kebab_case) {
  std::set<std::string_view> seen;
  for (auto& c : diagnostic_codes()) {
    BOOST_TEST_INFO(c.code);
    BOOST_TEST(seen.insert(c.code).second);
    BOOST_TEST(!c.summary.empty());
    bool kebab = !c.code.empty() && c.code.front() != '-' && c.code.back() != '-' &&
                 c.code.find("--") == std::string_view::npos &&
                 c.code.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") == std::string_view::npos;
    BOOST_TEST(kebab);
  }
  BOOST_TEST((find_code("alias-loop")->level == severity::error));
  BOOST_TEST(!find_code("no-such-code"));
}

BOOST_AUTO_TEST_CASE(did_you_mean_picks_the_nearest_close_name) {
  std::vector<std::string_view> names{"RootDomain", "SmtpServerDomain", "POP3Domain", "PostMaster"};
  BOOST_TEST(edit_distance("kitten", "sitting") == 3u);
  BOOST_TEST(edit_distance("RootDomain", "rootdomain") == 0u);  // case is not a typo
  BOOST_TEST(did_you_mean("RootDomian", names) == " (did you mean 'RootDomain'?)");
  BOOST_TEST(did_you_mean("Pop3Domain", names) == " (did you mean 'POP3Domain'?)");
  BOOST_TEST(did_you_mean("Frobnicate", names) == "");
  BOOST_TEST(did_you_mean("ab", names) == "");
}

BOOST_AUTO_TEST_SUITE_END()
