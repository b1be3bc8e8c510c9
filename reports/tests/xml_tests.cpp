// The decision report: schema validity, the schema's closed enumerations
// against the stage catalogue, stable bytes, escaping, redaction.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include <pugixml.hpp>

#include "core/stage.hpp"
#include "sample_run.hpp"
#include "text_escape.hpp"
#include "writers.hpp"

namespace mr = mailflow::reports;
using namespace mailflow::reports::test;

namespace {

const std::string xsd_path = std::string(MAILFLOW_SOURCE_DIR) + "/reports/report.xsd";

struct xmllint_available {
  boost::test_tools::assertion_result operator()(boost::unit_test::test_unit_id) const {
    boost::test_tools::assertion_result r(std::string(MAILFLOW_XMLLINT).find("NOTFOUND") == std::string::npos &&
                                          !std::string(MAILFLOW_XMLLINT).empty() &&
                                          std::filesystem::exists(MAILFLOW_XMLLINT));
    r.message() << "xmllint not found (install libxml2-utils): schema validation skipped";
    return r;
  }
};

// xmllint's messages go to FILE.log, shown when the result is not the expected one.
int xmllint_validate(const std::string& file) {
  const std::string cmd = "'" + std::string(MAILFLOW_XMLLINT) + "' --noout --schema '" + xsd_path + "' '" + file +
                          "' >'" + file + ".log' 2>&1";
  return std::system(cmd.c_str());
}

std::string log_of(const std::string& file) {
  std::ifstream in(file + ".log");
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<std::string> enumeration(const pugi::xml_document& xsd, const char* type) {
  std::vector<std::string> values;
  auto simple = xsd.child("xs:schema").find_child_by_attribute("xs:simpleType", "name", type);
  for (auto e : simple.child("xs:restriction").children("xs:enumeration")) values.emplace_back(e.attribute("value").value());
  return values;
}

pugi::xml_node scenario_by_name(const pugi::xml_document& doc, const char* name) {
  return doc.child("mailflow-report").find_child_by_attribute("scenario", "name", name);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(xml_report)

BOOST_AUTO_TEST_CASE(sample_report_validates_against_the_schema, *boost::unit_test::precondition(xmllint_available{})) {
  const auto file = save_artifact("sample_report.xml", xml_of(sample_run()));
  BOOST_TEST(xmllint_validate(file) == 0, log_of(file));
}

// The recipients of one message share its body: written once, referred to after.
BOOST_AUTO_TEST_CASE(a_shared_body_is_written_once) {
  pugi::xml_document doc;
  const std::string xml = xml_of(sample_run());
  BOOST_REQUIRE(doc.load_string(xml.c_str()));
  std::vector<pugi::xml_node> messages;
  for (auto sc : doc.child("mailflow-report").children("scenario"))
    for (auto m : sc.child("messages").children("message")) messages.push_back(m);
  BOOST_REQUIRE(messages.size() >= 2u);
  auto first = messages[messages.size() - 2], second = messages.back();
  BOOST_TEST(std::string(first.child("body").child("line").text().get()) == "hello");
  BOOST_TEST(first.child("body").attribute("same-as").empty());
  BOOST_TEST(second.child("body").attribute("same-as").as_int() == 1);
  BOOST_TEST(second.child("body").child("line").empty());
  BOOST_TEST(std::string(second.child("headers").last_child().text().get()) == "Subject: test");
}

// The validation above must be able to fail: a report with an unknown stage
// name (an engine stage the schema does not list) is rejected.
BOOST_AUTO_TEST_CASE(schema_rejects_an_unknown_stage, *boost::unit_test::precondition(xmllint_available{})) {
  std::string xml = xml_of(sample_run());
  const std::string known = "stage=\"rcpt.relay\"";
  const auto at = xml.find(known);
  BOOST_REQUIRE(at != std::string::npos);
  xml.replace(at, known.size(), "stage=\"rcpt.teleport\"");
  const auto file = save_artifact("invalid_report.xml", xml);
  BOOST_TEST(xmllint_validate(file) != 0, log_of(file));
  BOOST_TEST(log_of(file).find("rcpt.teleport") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(schema_enumerations_match_the_catalogue) {
  pugi::xml_document xsd;
  BOOST_REQUIRE(xsd.load_file(xsd_path.c_str()));
  std::vector<std::string> stages;
  for (auto& s : mailflow::all_stages()) stages.emplace_back(s.name);
  BOOST_TEST(enumeration(xsd, "stage-name") == stages, boost::test_tools::per_element());

  std::vector<std::string> outcomes;
  for (int o = 0; o <= static_cast<int>(mailflow::outcome::error); ++o)
    outcomes.emplace_back(mailflow::outcome_name(static_cast<mailflow::outcome>(o)));
  BOOST_TEST(enumeration(xsd, "outcome-name") == outcomes, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(two_writes_are_byte_identical) {
  const auto first = xml_of(sample_run());
  const auto second = xml_of(sample_run());
  BOOST_TEST(first == second);
  BOOST_TEST(first.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<mailflow-report "));
}

BOOST_AUTO_TEST_CASE(root_totals_and_scenario_fields) {
  pugi::xml_document doc;
  BOOST_REQUIRE(doc.load_string(xml_of(sample_run()).c_str()));
  auto root = doc.child("mailflow-report");
  BOOST_TEST(root.attribute("schema-version").value() == std::string("1"));
  BOOST_TEST(root.attribute("tool-version").value() == std::string("mailflow 0.1"));
  BOOST_TEST(root.child("totals").attribute("scenarios").as_int() == 4);
  BOOST_TEST(root.child("totals").attribute("passed").as_int() == 1);
  BOOST_TEST(root.child("totals").attribute("failed").as_int() == 3);

  auto passing = scenario_by_name(doc, "cop-to-love");
  BOOST_TEST(passing.attribute("mailroot").value() == std::string("../../fixtures/mailroots/hunet"));
  BOOST_TEST(passing.attribute("start").value() == std::string("2009-04-05T13:47:22+09:00"));
  auto timeline = passing.child("session").child("timeline");
  // Every event type, in the model's order.
  std::vector<std::string> kinds;
  for (auto e : timeline.children()) kinds.emplace_back(e.name());
  BOOST_TEST(kinds.front() == "decision");
  BOOST_TEST(kinds.back() == "note");
  for (const char* k : {"client", "server", "decision", "filter", "note", "spooled"})
    BOOST_TEST((std::find(kinds.begin(), kinds.end(), k) != kinds.end()), k);

  auto auth = timeline.find_child_by_attribute("decision", "stage", "auth");
  BOOST_TEST(auth.attribute("outcome").value() == std::string("accept"));
  BOOST_TEST(auth.child("rule").attribute("file").value() == std::string("mailusers.tab"));
  BOOST_TEST(auth.child("rule").attribute("line").as_int() == 3);
  BOOST_TEST(auth.attribute("reply").value() == std::string("235 Authentication successful"));

  auto filter = timeline.find_child_by_attribute("filter", "hook", "filter.post-data");
  BOOST_TEST(filter.attribute("stop-list").value() == std::string("true"));
  BOOST_TEST(filter.attribute("exit-code").as_int() == 16);
  BOOST_TEST(filter.attribute("message-changed").value() == std::string("true"));
  BOOST_TEST(filter.child("command").attribute("file").value() == std::string("filters.post-data.tab"));
  BOOST_TEST(filter.child("arg").text().get() == std::string("{root}/filters/tag.sh"));

  auto message = passing.child("messages").child("message");
  BOOST_TEST(message.attribute("auth-user").value() == std::string("cop@hunet.jp"));
  BOOST_TEST(message.child("headers").first_child().text().get() ==
             std::string("Received: from hunet.jp (203.0.113.9) by hunet.jp with [XMail 1.27 ESMTP Server]"));
  BOOST_TEST(message.child("body").first_child().text().get() == std::string("hello"));

  auto error = scenario_by_name(doc, "broken");
  BOOST_TEST(error.attribute("status").value() == std::string("error"));
  BOOST_TEST(error.child("error").text().get() == std::string("scenarios/broken.xml:7: unknown step <frobnicate>"));
}

BOOST_AUTO_TEST_CASE(failure_expected_and_actual_are_reported) {
  pugi::xml_document doc;
  BOOST_REQUIRE(doc.load_string(xml_of(sample_run()).c_str()));
  auto failure = scenario_by_name(doc, "relay-denied").child("failures").child("failure");
  BOOST_TEST(failure.attribute("where").value() == std::string("scenarios/relay/denied.xml:13"));
  BOOST_TEST(failure.child("expected").child("line").text().get() == std::string("250"));
  BOOST_TEST(failure.child("actual").child("line").text().get() == std::string("550 Relay denied"));
  auto description = scenario_by_name(doc, "relay-denied").child("description");
  BOOST_TEST(description.last_child().text().get() == std::string("second line <b>of</b> the description"));
  auto multi = failure.next_sibling("failure");
  BOOST_TEST(std::distance(multi.child("actual").children("line").begin(), multi.child("actual").children("line").end()) == 3);
}

BOOST_AUTO_TEST_CASE(durations_only_with_timings) {
  auto run = sample_run();
  BOOST_TEST(xml_of(run).find("duration-ms") == std::string::npos);
  for (auto& sc : run.scenarios) sc.duration_ms = 1234;
  const auto timed = xml_of(run);
  BOOST_TEST(timed.find("duration-ms=\"1234\"") != std::string::npos);
  BOOST_TEST(timed.find("duration-ms=\"12\"") != std::string::npos);  // the post-data filter
}

BOOST_AUTO_TEST_CASE(redacted_lines_stay_redacted) {
  const auto xml = xml_of(sample_run());
  BOOST_TEST(xml.find("<client>***</client>") != std::string::npos);
  BOOST_TEST(xml.find("<client>AUTH PLAIN ***</client>") != std::string::npos);
  // The base64 user name of seed 000 is not in the model, so not in the report.
  BOOST_TEST(xml.find("Y29wOmh1bmV0Lm5lLmpw") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(control_bytes_and_invalid_utf8_are_escaped) {
  const auto xml = xml_of(sample_run());
  BOOST_TEST(!has_raw_control_bytes(xml));
  BOOST_TEST(xml.find("MAIL FROM:&lt;a\\x01b@x.example&gt;\\x1B[31m\\xFF\\xC0\\xAF") != std::string::npos);
  BOOST_TEST(xml.find("service not available\\x07") != std::string::npos);
  BOOST_TEST(xml.find("\"\\x09") == std::string::npos);  // TAB is kept as TAB
  pugi::xml_document doc;
  BOOST_TEST(static_cast<bool>(doc.load_string(xml.c_str())));
}

BOOST_AUTO_TEST_CASE(printable_keeps_valid_utf8_and_escapes_the_rest) {
  BOOST_TEST(mr::printable("plain\ttab") == "plain\ttab");
  BOOST_TEST(mr::printable("\xe6\x97\xa5\xe6\x9c\xac") == "\xe6\x97\xa5\xe6\x9c\xac");  // 日本
  BOOST_TEST(mr::printable("\xf0\x9f\x93\xa7") == "\xf0\x9f\x93\xa7");                  // U+1F4E7
  BOOST_TEST(mr::printable("a\r\nb") == "a\\x0D\\x0Ab");
  BOOST_TEST(mr::printable(std::string("\0", 1)) == "\\x00");
  BOOST_TEST(mr::printable("\x7f") == "\\x7F");
  BOOST_TEST(mr::printable("\xc0\xaf") == "\\xC0\\xAF");          // overlong '/'
  BOOST_TEST(mr::printable("\xed\xa0\x80") == "\\xED\\xA0\\x80");  // surrogate
  BOOST_TEST(mr::printable("\xef\xbf\xbe") == "\\xEF\\xBF\\xBE");  // U+FFFE
  BOOST_TEST(mr::printable("\xc2\x85") == "\\xC2\\x85");          // C1 control NEL
  BOOST_TEST(mr::printable("\xe6\x97") == "\\xE6\\x97");          // truncated sequence
  BOOST_TEST(mr::printable("\xf4\x90\x80\x80") == "\\xF4\\x90\\x80\\x80");  // above U+10FFFF
}

BOOST_AUTO_TEST_CASE(bidi_controls_are_shown_as_code_points) {
  BOOST_TEST(mr::printable("a\xe2\x80\xae" "b") == "a\\u{202E}b");  // RIGHT-TO-LEFT OVERRIDE
  BOOST_TEST(mr::printable("\xe2\x80\xaa\xe2\x80\xac") == "\\u{202A}\\u{202C}");
  BOOST_TEST(mr::printable("\xe2\x81\xa6x\xe2\x81\xa9") == "\\u{2066}x\\u{2069}");
  BOOST_TEST(mr::printable("\xe2\x80\x8e\xe2\x80\x8f") == "\\u{200E}\\u{200F}");
  BOOST_TEST(mr::printable("\xd8\x9c") == "\\u{061C}");
  BOOST_TEST(mr::printable("\xe2\x80\x94") == "\xe2\x80\x94");  // an em dash is no control
}

BOOST_AUTO_TEST_CASE(terminal_text_escapes_and_cuts) {
  BOOST_TEST(mr::terminal_text("\x1b[2J\x07\x08\r\n\x7f ok") == "\\x1B[2J\\x07\\x08\\x0D\\x0A\\x7F ok");
  BOOST_TEST(mr::terminal_text("\xc2\x9b" "2J") == "\\xC2\\x9B2J");  // C1 CSI
  BOOST_TEST(mr::terminal_text("\x9b" "2J") == "\\x9B2J");          // a lone CSI byte
  BOOST_TEST(mr::terminal_text("x\xe2\x80\xae") == "x\\u{202E}");
  BOOST_TEST(mr::terminal_text(std::string(1000, 'x'), 10) == std::string(10, 'x') + "... (990 bytes more)");
  BOOST_TEST(mr::terminal_text("short", 10) == "short");
  // cut at a character, never inside one
  BOOST_TEST(mr::clip("ab\xe6\x97\xa5", 3) == "ab... (3 bytes more)");
  BOOST_TEST(mr::clip("abc", 3) == "abc");
}

BOOST_AUTO_TEST_CASE(for_each_text_reaches_every_field) {
  // Every text of the sample run becomes MARK; every text the XML report
  // writes from the model must then read MARK (a field for_each_text missed
  // would show its own text).
  auto run = sample_run();
  for (auto& sc : run.scenarios) mr::for_each_text(sc, [](std::string& s) { s = "MARK"; });
  std::ostringstream out;
  mr::write_xml(run, out);
  pugi::xml_document doc;
  BOOST_REQUIRE(doc.load_string(out.str().c_str()));
  std::size_t texts = 0;
  std::vector<std::string> unmarked;
  std::function<void(pugi::xml_node)> walk = [&](pugi::xml_node n) {
    if (n.type() == pugi::node_pcdata) {
      ++texts;
      if (std::string(n.value()) != "MARK") unmarked.push_back(n.parent().name() + std::string(": ") + n.value());
    }
    for (auto c : n.children()) walk(c);
  };
  for (auto sc : doc.child("mailflow-report").children("scenario")) walk(sc);
  BOOST_TEST(texts > 20u);
  BOOST_TEST(unmarked.empty(), "not reached: " << (unmarked.empty() ? "" : unmarked.front()));
  for (auto sc : doc.child("mailflow-report").children("scenario"))
    for (auto a : {"path", "name", "status"}) BOOST_TEST(std::string(sc.attribute(a).value()) == "MARK");
}

BOOST_AUTO_TEST_CASE(passed_and_failed_counts) {
  auto run = sample_run();
  BOOST_TEST(run.passed() == 1u);
  BOOST_TEST(run.failed() == 3u);
  run.scenarios.clear();
  BOOST_TEST(run.passed() == 0u);
  BOOST_TEST(run.failed() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
