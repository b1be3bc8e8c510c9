// The verify report writers: text, XML (reports/verify-report.xsd), JUnit and SARIF.
#include <boost/property_tree/json_parser.hpp>
#include <boost/property_tree/ptree.hpp>
#include <boost/test/unit_test.hpp>
#include <pugixml.hpp>
#include <sstream>

#include "verify/codes.hpp"
#include "verify/tests/sample_report.hpp"
#include "verify_output.hpp"

using namespace mailflow;
using namespace mailflow::verify;

namespace {

std::string write(const report& r, output_format f, bool strict = false) {
  std::ostringstream out;
  write_report(out, r, f, {"roots/mine", strict});
  return out.str();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(verify_output)

BOOST_AUTO_TEST_CASE(formats_by_name) {
  BOOST_TEST((parse_output_format("text") == output_format::text));
  BOOST_TEST((parse_output_format("xml") == output_format::xml));
  BOOST_TEST((parse_output_format("junit") == output_format::junit));
  BOOST_TEST((parse_output_format("sarif") == output_format::sarif));
  BOOST_TEST(!parse_output_format("json"));
}

BOOST_AUTO_TEST_CASE(text_is_one_line_per_diagnostic_then_the_summary) {
  auto text = write(sample_report(), output_format::text);
  BOOST_TEST(text.substr(0, text.find('\n')) ==
             "aliases.tab:3:24: error: alias gone@x.test points to bob@x.test, which is no account "
             "[alias-target-missing]");
  BOOST_TEST(text.find("my folder/odd&name.tab: warning: standard folder is missing [missing-standard-folder]\n") !=
             std::string::npos);
  BOOST_TEST(text.substr(text.rfind('\n', text.size() - 2) + 1) == "2 errors, 2 warnings, 1 note\n");
}

BOOST_AUTO_TEST_CASE(xml_lists_every_file_with_its_diagnostics) {
  auto text = write(sample_report(), output_format::xml);
  pugi::xml_document doc;
  BOOST_REQUIRE(doc.load_string(text.c_str()));
  auto root = doc.child("verify-report");
  BOOST_TEST(std::string(root.attribute("version").value()) == "1");
  BOOST_TEST(std::string(root.attribute("mailroot").value()) == "roots/mine");
  BOOST_TEST(root.attribute("errors").as_int() == 2);
  BOOST_TEST(root.attribute("warnings").as_int() == 2);
  BOOST_TEST(root.attribute("notes").as_int() == 1);
  std::vector<std::string> paths;
  for (auto f : root.children("file")) paths.push_back(f.attribute("path").value());
  BOOST_TEST(paths == (std::vector<std::string>{"aliases.tab", "mailusers.tab", "my folder/odd&name.tab", "server.tab",
                                                "smtpfwd.tab", "spam-address.tab"}),
             boost::test_tools::per_element());
  auto server = root.find_child_by_attribute("file", "path", "server.tab");
  BOOST_TEST(server.attribute("errors").as_int() == 0);
  BOOST_TEST(!server.child("diagnostic"));
  auto alias = root.find_child_by_attribute("file", "path", "aliases.tab").child("diagnostic");
  BOOST_TEST(std::string(alias.attribute("severity").value()) == "error");
  BOOST_TEST(alias.attribute("line").as_int() == 3);
  BOOST_TEST(alias.attribute("column").as_int() == 24);
  BOOST_TEST(std::string(alias.attribute("code").value()) == "alias-target-missing");
  auto folder = root.find_child_by_attribute("file", "path", "my folder/odd&name.tab").child("diagnostic");
  BOOST_TEST(folder.attribute("line").empty());  // the file as a whole
  // Control characters and invalid UTF-8 become U+FFFD; the rest survives escaping.
  auto odd = root.find_child_by_attribute("file", "path", "spam-address.tab").child("diagnostic");
  BOOST_TEST(std::string(odd.text().get()) == "bad \xEF\xBF\xBD byte \xEF\xBF\xBD and <xml> & \"quotes\"");
}

BOOST_AUTO_TEST_CASE(junit_one_testcase_per_file_errors_fail) {
  auto count_failures = [](const std::string& text, std::vector<std::string>* failed) {
    pugi::xml_document doc;
    BOOST_REQUIRE(doc.load_string(text.c_str()));
    auto suite = doc.child("testsuites").child("testsuite");
    BOOST_TEST(suite.attribute("tests").as_int() == 6);
    for (auto tc : suite.children("testcase"))
      if (tc.child("failure")) failed->push_back(tc.attribute("name").value());
    return suite.attribute("failures").as_int();
  };
  std::vector<std::string> failed;
  BOOST_TEST(count_failures(write(sample_report(), output_format::junit), &failed) == 2);
  BOOST_TEST(failed == (std::vector<std::string>{"aliases.tab", "spam-address.tab"}), boost::test_tools::per_element());

  pugi::xml_document doc;
  doc.load_string(write(sample_report(), output_format::junit).c_str());
  auto users = doc.child("testsuites").child("testsuite").find_child_by_attribute("testcase", "name", "mailusers.tab");
  BOOST_TEST(std::string(users.child("system-out").text().get()).find("[weak-password]") != std::string::npos);
  BOOST_TEST(std::string(doc.child("testsuites").child("testsuite").attribute("name").value()) ==
             "mailflow verify roots/mine");

  failed.clear();  // --strict: warnings fail too
  BOOST_TEST(count_failures(write(sample_report(), output_format::junit, true), &failed) == 4);
}

BOOST_AUTO_TEST_CASE(sarif_2_1_0_results_point_at_rules_and_regions) {
  namespace pt = boost::property_tree;
  std::istringstream in(write(sample_report(), output_format::sarif));
  pt::ptree doc;
  BOOST_REQUIRE_NO_THROW(pt::read_json(in, doc));
  BOOST_TEST(doc.get<std::string>("version") == "2.1.0");
  BOOST_TEST(doc.get<std::string>("$schema").find("sarif-2.1.0") != std::string::npos);
  auto& run = doc.get_child("runs").front().second;
  BOOST_TEST(run.get<std::string>("tool.driver.name") == "mailflow verify");
  BOOST_TEST(run.get<std::string>("originalUriBaseIds.MAILROOT.uri").rfind("file:///", 0) == 0);
  std::vector<std::string> rules;
  for (auto& r : run.get_child("tool.driver.rules")) rules.push_back(r.second.get<std::string>("id"));
  BOOST_TEST(rules.size() == 5u);
  auto& results = run.get_child("results");
  BOOST_TEST(results.size() == 5u);
  for (auto& [_, result] : results) {
    auto id = result.get<std::string>("ruleId");
    BOOST_TEST(rules.at(result.get<std::size_t>("ruleIndex")) == id);
    BOOST_TEST(result.get<std::string>("level") == severity_name(find_code(id)->level));
    auto& location = result.get_child("locations").front().second.get_child("physicalLocation");
    BOOST_TEST(location.get<std::string>("artifactLocation.uriBaseId") == "MAILROOT");
    if (id == "alias-target-missing") {
      BOOST_TEST(location.get<int>("region.startLine") == 3);
      BOOST_TEST(location.get<int>("region.startColumn") == 24);
    }
    if (id == "missing-standard-folder") {
      BOOST_TEST(location.get<std::string>("artifactLocation.uri") == "my%20folder/odd%26name.tab");
      BOOST_TEST(!location.get_child_optional("region"));  // the file as a whole
    }
    if (id == "bad-value")
      BOOST_TEST(result.get<std::string>("message.text") == "bad \xEF\xBF\xBD byte \xEF\xBF\xBD and <xml> & \"quotes\"");
  }
}

BOOST_AUTO_TEST_CASE(empty_reports_are_valid_too) {
  report r;
  pugi::xml_document doc;
  BOOST_TEST(doc.load_string(write(r, output_format::xml).c_str()));
  BOOST_TEST(doc.load_string(write(r, output_format::junit).c_str()));
  std::istringstream in(write(r, output_format::sarif));
  boost::property_tree::ptree json;
  BOOST_REQUIRE_NO_THROW(boost::property_tree::read_json(in, json));
  BOOST_TEST(json.get_child("runs").front().second.get_child("results").empty());
  BOOST_TEST(write(r, output_format::text) == "0 errors, 0 warnings\n");
}

BOOST_AUTO_TEST_SUITE_END()
