// JUnit output: counts, names, failure bodies, stable bytes.
#include <boost/test/unit_test.hpp>

#include <string>

#include <pugixml.hpp>

#include "sample_run.hpp"

using namespace mailflow::reports::test;

namespace {

pugi::xml_node testcase(const pugi::xml_document& doc, const char* name) {
  return doc.child("testsuites").child("testsuite").find_child_by_attribute("testcase", "name", name);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(junit_report)

BOOST_AUTO_TEST_CASE(counts_match_the_statuses) {
  pugi::xml_document doc;
  const auto text = junit_of(sample_run());
  save_artifact("sample_junit.xml", text);
  BOOST_REQUIRE(doc.load_string(text.c_str()));
  auto suite = doc.child("testsuites").child("testsuite");
  BOOST_TEST(suite.attribute("name").value() == std::string("mailflow replay"));
  BOOST_TEST(suite.attribute("tests").as_int() == 4);
  BOOST_TEST(suite.attribute("failures").as_int() == 1);
  BOOST_TEST(suite.attribute("errors").as_int() == 2);  // error + timeout
  BOOST_TEST(doc.child("testsuites").attribute("tests").as_int() == 4);
  BOOST_TEST(std::distance(suite.children("testcase").begin(), suite.children("testcase").end()) == 4);
  BOOST_TEST(suite.select_nodes("testcase/failure").size() == 1u);
  BOOST_TEST(suite.select_nodes("testcase/error").size() == 2u);
}

BOOST_AUTO_TEST_CASE(class_names_and_names) {
  pugi::xml_document doc;
  BOOST_REQUIRE(doc.load_string(junit_of(sample_run()).c_str()));
  BOOST_TEST(testcase(doc, "relay-denied").attribute("classname").value() == std::string("scenarios.relay"));
  BOOST_TEST(testcase(doc, "cop-to-love").attribute("classname").value() == std::string("scenarios.seed000"));
  // No name in the scenario: the file stem; no folder: the tool's name.
  auto slow = testcase(doc, "slow-peer");
  BOOST_REQUIRE(slow);
  BOOST_TEST(slow.attribute("classname").value() == std::string("mailflow"));
  BOOST_TEST(slow.child("error").attribute("type").value() == std::string("timeout"));
  BOOST_TEST(testcase(doc, "broken").child("error").attribute("message").value() ==
             std::string("scenarios/broken.xml:7: unknown step <frobnicate>"));
  BOOST_TEST(!testcase(doc, "cop-to-love").child("failure"));
}

BOOST_AUTO_TEST_CASE(failure_lists_expected_and_actual) {
  pugi::xml_document doc;
  BOOST_REQUIRE(doc.load_string(junit_of(sample_run()).c_str()));
  auto failure = testcase(doc, "relay-denied").child("failure");
  BOOST_TEST(failure.attribute("message").value() ==
             std::string("scenarios/relay/denied.xml:13: reply to RCPT TO:<love@soopoo.jp>"));
  const std::string body = failure.text().get();
  BOOST_TEST(body.find("scenarios/relay/denied.xml:13: reply to RCPT TO:<love@soopoo.jp>\n"
                       "  expected: 250\n"
                       "  actual:   550 Relay denied\n") != std::string::npos);
  BOOST_TEST(body.find("  expected: outcome accept\n            rule smtprelay.tab:2\n") != std::string::npos);
  BOOST_TEST(body.find("  actual:   (nothing)\n") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(time_is_zero_without_timings) {
  auto run = sample_run();
  const auto plain = junit_of(run);
  BOOST_TEST(plain.find("time=\"0\"") != std::string::npos);
  BOOST_TEST(plain.find("time=\"0.") == std::string::npos);
  for (auto& sc : run.scenarios) sc.duration_ms = 1500;
  const auto timed = junit_of(run);
  BOOST_TEST(timed.find("time=\"1.500\"") != std::string::npos);
  BOOST_TEST(timed.find("time=\"6.000\"") != std::string::npos);  // the suite: four scenarios
}

BOOST_AUTO_TEST_CASE(byte_identical_escaped_and_redacted) {
  const auto first = junit_of(sample_run());
  BOOST_TEST(first == junit_of(sample_run()));
  BOOST_TEST(!has_raw_control_bytes(first));
  BOOST_TEST(first.find("Y29wOmh1bmV0Lm5lLmpw") == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
