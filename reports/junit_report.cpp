// JUnit XML as Jenkins and GitLab read it: standard elements and attributes
// only, no timestamps or host names (they would break byte-identical output).
#include <cstdio>
#include <string>

#include <pugixml.hpp>

#include "text_escape.hpp"
#include "writers.hpp"

namespace mailflow::reports {

namespace {

// Any status the writer does not know is reported as an error, never as a pass.
bool is_failure(const scenario_result& sc) { return sc.status == "failed"; }
bool is_pass(const scenario_result& sc) { return sc.status == "passed"; }

// "scenarios/rcpt/alias.xml" -> "scenarios.rcpt". Leading "./" and "../"
// are dropped so a suite named relative to the caller still gets clean
// package names; a file at the top gets "mailflow".
std::string class_name(std::string_view path) {
  std::string_view folder = path_folder(path);
  while (true) {
    if (folder.starts_with("./")) folder.remove_prefix(2);
    else if (folder.starts_with("../")) folder.remove_prefix(3);
    else if (folder == "." || folder == "..") folder = {};
    else break;
  }
  if (folder.empty()) return "mailflow";
  std::string out(folder);
  for (auto& c : out)
    if (c == '/') c = '.';
  return out;
}

std::string seconds(std::int64_t ms) {
  if (ms <= 0) return "0";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld.%03lld", static_cast<long long>(ms / 1000), static_cast<long long>(ms % 1000));
  return buf;
}

std::string failure_summary(const check_failure& f) { return f.where + ": " + f.what; }

// The body a person reads in the CI page: every failure with its
// expectation and what happened instead.
std::string failure_body(const scenario_result& sc) {
  std::string body;
  if (!sc.error.empty()) body += sc.error + "\n";
  for (auto& f : sc.failures) {
    body += failure_summary(f) + "\n";
    const auto expected = split_lines(f.expected);
    const auto actual = split_lines(f.actual);
    body += "  expected: ";
    body += expected.empty() ? std::string_view{"(nothing)"} : expected.front();
    body += "\n";
    for (std::size_t i = 1; i < expected.size(); ++i) (body += "            ").append(expected[i]) += "\n";
    body += "  actual:   ";
    body += actual.empty() ? std::string_view{"(nothing)"} : actual.front();
    body += "\n";
    for (std::size_t i = 1; i < actual.size(); ++i) (body += "            ").append(actual[i]) += "\n";
  }
  for (auto& note : sc.notes) body += "note: " + note + "\n";
  return body;
}

void set(pugi::xml_node node, const char* name, std::string_view value) {
  node.append_attribute(name).set_value(printable(value).c_str());
}

// Escapes each line on its own so the body keeps its line breaks.
void set_body(pugi::xml_node node, std::string_view text) {
  std::string escaped;
  for (auto line : split_lines(text)) escaped += printable(line) + "\n";
  if (!escaped.empty()) node.append_child(pugi::node_pcdata).set_value(escaped.c_str());
}

}  // namespace

void write_junit(const run_result& run, std::ostream& out) {
  std::size_t failures = 0, errors = 0;
  std::int64_t total_ms = 0;
  for (auto& sc : run.scenarios) {
    if (is_failure(sc)) ++failures;
    else if (!is_pass(sc)) ++errors;
    if (sc.duration_ms > 0) total_ms += sc.duration_ms;
  }

  pugi::xml_document doc;
  auto decl = doc.append_child(pugi::node_declaration);
  decl.append_attribute("version").set_value("1.0");
  decl.append_attribute("encoding").set_value("UTF-8");

  auto suites = doc.append_child("testsuites");
  suites.append_attribute("name").set_value("mailflow");
  suites.append_attribute("tests").set_value(std::to_string(run.scenarios.size()).c_str());
  suites.append_attribute("failures").set_value(std::to_string(failures).c_str());
  suites.append_attribute("errors").set_value(std::to_string(errors).c_str());
  suites.append_attribute("time").set_value(seconds(total_ms).c_str());

  auto suite = suites.append_child("testsuite");
  suite.append_attribute("name").set_value("mailflow replay");
  suite.append_attribute("tests").set_value(std::to_string(run.scenarios.size()).c_str());
  suite.append_attribute("failures").set_value(std::to_string(failures).c_str());
  suite.append_attribute("errors").set_value(std::to_string(errors).c_str());
  suite.append_attribute("skipped").set_value("0");
  suite.append_attribute("time").set_value(seconds(total_ms).c_str());

  auto properties = suite.append_child("properties");
  auto version = properties.append_child("property");
  version.append_attribute("name").set_value("tool-version");
  set(version, "value", run.tool_version);

  for (auto& sc : run.scenarios) {
    auto tc = suite.append_child("testcase");
    set(tc, "classname", class_name(sc.path));
    set(tc, "name", sc.name.empty() ? path_stem(sc.path) : std::string_view{sc.name});
    set(tc, "file", sc.path);
    tc.append_attribute("time").set_value(seconds(sc.duration_ms).c_str());
    tc.append_attribute("assertions").set_value(std::to_string(sc.checks).c_str());

    if (is_failure(sc)) {
      auto node = tc.append_child("failure");
      set(node, "message", sc.failures.empty() ? std::string("scenario failed") : failure_summary(sc.failures.front()));
      node.append_attribute("type").set_value("expectation");
      set_body(node, failure_body(sc));
    } else if (!is_pass(sc)) {
      auto node = tc.append_child("error");
      set(node, "message", sc.error.empty() ? "scenario " + sc.status : sc.error);
      set(node, "type", sc.status.empty() ? std::string_view{"error"} : std::string_view{sc.status});
      set_body(node, failure_body(sc));
    } else if (!sc.notes.empty()) {
      std::string notes;
      for (auto& note : sc.notes) notes += note + "\n";
      set_body(tc.append_child("system-out"), notes);
    }
  }
  doc.save(out, "  ", pugi::format_indent, pugi::encoding_utf8);
}

}  // namespace mailflow::reports
