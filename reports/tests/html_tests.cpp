// The HTML page: self-contained, escaped, stable, and it shows what failed.
#include <boost/test/unit_test.hpp>

#include <string>

#include "core/stage.hpp"
#include "sample_run.hpp"

using namespace mailflow::reports::test;

BOOST_AUTO_TEST_SUITE(html_report)

BOOST_AUTO_TEST_CASE(page_is_self_contained) {
  const auto html = html_of(sample_run());
  // For a look in a browser (headless screenshots show only the top of a page).
  save_artifact("sample_report.html", html);
  auto passing = sample_run();
  std::erase_if(passing.scenarios, [](auto& sc) { return sc.status != "passed"; });
  save_artifact("sample_report_passing.html", html_of(passing));
  BOOST_TEST(html.starts_with("<!DOCTYPE html>"));
  BOOST_TEST(html.find("http://") == std::string::npos);
  BOOST_TEST(html.find("https://") == std::string::npos);
  BOOST_TEST(html.find("src=") == std::string::npos);
  BOOST_TEST(html.find("<link") == std::string::npos);
  BOOST_TEST(html.find("@import") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(markup_from_the_model_is_escaped) {
  const auto html = html_of(sample_run());
  BOOST_TEST(html.find("<script>alert(1)</script>") == std::string::npos);
  BOOST_TEST(html.find("HELO &lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
  BOOST_TEST(html.find("second line &lt;b&gt;of&lt;/b&gt; the description") != std::string::npos);
  BOOST_TEST(html.find("odd HELO &amp; noted") != std::string::npos);
  BOOST_TEST(html.find("550 looks like spam: &quot;viagra&quot;") != std::string::npos);
  BOOST_TEST(!has_raw_control_bytes(html));
  BOOST_TEST(html.find("\\x1B[31m\\xFF") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(failures_show_expected_and_actual_first) {
  const auto html = html_of(sample_run());
  const auto expected = html.find("<td class=\"expected\"><pre>250</pre>");
  const auto actual = html.find("<td class=\"actual\"><pre>550 Relay denied</pre>");
  BOOST_TEST(expected != std::string::npos);
  BOOST_TEST(actual != std::string::npos);
  BOOST_TEST(html.find("<td class=\"actual\"><pre><span class=\"field\">(nothing)</span></pre>") != std::string::npos);
  BOOST_TEST(html.find("<pre>outcome reject\nrule smtprelay.tab:2\nreply 550 Relay denied</pre>") != std::string::npos);
  // In the summary the failures come before the passing scenario.
  const auto failed_row = html.find("<tr class=\"row-failed\"");
  const auto passed_row = html.find("<tr class=\"row-passed\"");
  BOOST_TEST(failed_row != std::string::npos);
  BOOST_TEST(failed_row < passed_row);
}

BOOST_AUTO_TEST_CASE(timeline_and_consulted_files) {
  const auto html = html_of(sample_run());
  BOOST_TEST(html.find("<div class=\"k\">C:</div><div class=\"v\"><pre>***</pre>") != std::string::npos);
  BOOST_TEST(html.find("<div class=\"k\">S:</div><div class=\"v\"><pre>250-hunet.jp\n250-VRFY") != std::string::npos);
  BOOST_TEST(html.find("<span class=\"o o-reject\">reject</span>") != std::string::npos);
  BOOST_TEST(html.find("<span class=\"loc\">smtprelay.tab:2</span>") != std::string::npos);
  // Seed 000's table: consults text from the catalogue and the cited files.
  const std::string relay_row = "<tr><td class=\"stage\">rcpt.relay</td><td>recipients</td><td>" +
                                std::string(mailflow::info(mailflow::stage::rcpt_relay).consults) + "</td>";
  BOOST_TEST(html.find(relay_row + "<td><span class=\"loc\">smtprelay.tab</span></td></tr>") != std::string::npos);
  BOOST_TEST(html.find("<td class=\"stage\">filter.in</td><td>after the session</td>") != std::string::npos);
  BOOST_TEST(html.find("<span class=\"loc\">filters.in.tab</span>, <span class=\"loc\">filters/spam.tab</span>") !=
             std::string::npos);
  BOOST_TEST(html.find("<details class=\"message\">") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(two_writes_are_byte_identical) {
  BOOST_TEST(html_of(sample_run()) == html_of(sample_run()));
  BOOST_TEST(html_of(sample_run()).find("Y29wOmh1bmV0Lm5lLmpw") == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
