#include "verify_output.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <pugixml.hpp>

#include "verify/codes.hpp"

namespace mailflow::verify {

namespace {

// XML 1.0 and JSON need valid UTF-8 without control characters; a MailRoot
// line may hold anything, so other bytes become U+FFFD.
std::string clean_text(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  const std::string_view replacement = "\xEF\xBF\xBD";
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
        out += replacement;
      } else if (c == 0x7f) {
        out += replacement;
      } else {
        out += static_cast<char>(c);
      }
      ++i;
      continue;
    }
    std::size_t len = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c <= 0xDF ? 2 : 0;
    bool ok = len > 0 && i + len <= s.size();
    for (std::size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    if (ok && len == 3) {
      auto c1 = static_cast<unsigned char>(s[i + 1]);
      ok = !(c == 0xE0 && c1 < 0xA0) && !(c == 0xED && c1 >= 0xA0);  // overlong, surrogates
    }
    if (ok && len == 4) {
      auto c1 = static_cast<unsigned char>(s[i + 1]);
      ok = !(c == 0xF0 && c1 < 0x90) && !(c == 0xF4 && c1 >= 0x90);
    }
    if (!ok) {
      out += replacement;
      ++i;
      continue;
    }
    out.append(s.substr(i, len));
    i += len;
  }
  return out;
}

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (char ch : clean_text(s)) {
    auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default: out += ch;
    }
  }
  return out + "\"";
}

// RFC 3986: a relative reference, each path byte outside the unreserved set percent-encoded.
std::string uri_path(std::string_view path) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (char ch : path) {
    auto c = static_cast<unsigned char>(ch);
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                 c == '.' || c == '_' || c == '~' || c == '/';
    if (plain) {
      out += ch;
      continue;
    }
    out += '%';
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  return out;
}

bool fails(const diagnostic& d, bool strict) {
  return d.level == severity::error || (strict && d.level == severity::warning);
}

// Every file checked or named by a diagnostic, each with its diagnostics, by path.
std::map<std::string, std::vector<const diagnostic*>> by_file(const report& r) {
  std::map<std::string, std::vector<const diagnostic*>> files;
  for (auto& f : r.files) files[f];
  for (auto& d : r.diags.items()) files[d.file].push_back(&d);
  return files;
}

void write_text(std::ostream& out, const report& r) {
  for (auto& d : r.diags.items()) out << format_diagnostic(d) << '\n';
  out << summary_line(count(r.diags)) << '\n';
}

void set_counts(pugi::xml_node node, const counts& c) {
  node.append_attribute("errors") = static_cast<unsigned long long>(c.errors);
  node.append_attribute("warnings") = static_cast<unsigned long long>(c.warnings);
  node.append_attribute("notes") = static_cast<unsigned long long>(c.notes);
}

void save(std::ostream& out, pugi::xml_document& doc) {
  auto decl = doc.prepend_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  decl.append_attribute("encoding") = "UTF-8";
  doc.save(out, "  ", pugi::format_default, pugi::encoding_utf8);
}

// reports/verify-report.xsd
void write_xml(std::ostream& out, const report& r, const output_options& options) {
  pugi::xml_document doc;
  auto root = doc.append_child("verify-report");
  root.append_attribute("version") = "1";
  root.append_attribute("mailroot") = clean_text(options.mailroot).c_str();
  set_counts(root, count(r.diags));
  for (auto& [path, diags] : by_file(r)) {
    auto file = root.append_child("file");
    file.append_attribute("path") = clean_text(path).c_str();
    counts c;
    for (auto* d : diags) {
      c.errors += d->level == severity::error;
      c.warnings += d->level == severity::warning;
      c.notes += d->level == severity::note;
    }
    set_counts(file, c);
    for (auto* d : diags) {
      auto node = file.append_child("diagnostic");
      node.append_attribute("severity") = severity_name(d->level);
      if (d->line) node.append_attribute("line") = d->line;
      if (d->column) node.append_attribute("column") = d->column;
      node.append_attribute("code") = d->code.c_str();
      node.text() = clean_text(d->message).c_str();
    }
  }
  save(out, doc);
}

// JUnit XML as Jenkins and GitLab read it: one testcase per file; errors (and
// warnings with --strict) are its failure, the rest goes to system-out.
void write_junit(std::ostream& out, const report& r, const output_options& options) {
  auto files = by_file(r);
  std::size_t failures = 0;
  for (auto& [path, diags] : files)
    failures += std::any_of(diags.begin(), diags.end(), [&](auto* d) { return fails(*d, options.strict); });
  pugi::xml_document doc;
  auto suites = doc.append_child("testsuites");
  suites.append_attribute("name") = "mailflow verify";
  auto suite = suites.append_child("testsuite");
  suite.append_attribute("name") = clean_text("mailflow verify " + options.mailroot).c_str();
  for (auto node : {suites, suite}) {
    node.append_attribute("tests") = static_cast<unsigned long long>(files.size());
    node.append_attribute("failures") = static_cast<unsigned long long>(failures);
    node.append_attribute("errors") = 0;
    node.append_attribute("skipped") = 0;
  }
  for (auto& [path, diags] : files) {
    auto testcase = suite.append_child("testcase");
    testcase.append_attribute("classname") = "mailflow.verify";
    testcase.append_attribute("name") = clean_text(path).c_str();
    std::string failed, other;
    std::size_t failed_count = 0;
    for (auto* d : diags) {
      if (fails(*d, options.strict)) {
        failed += format_diagnostic(*d) + "\n";
        ++failed_count;
      } else {
        other += format_diagnostic(*d) + "\n";
      }
    }
    if (failed_count) {
      auto failure = testcase.append_child("failure");
      failure.append_attribute("type") = "verify";
      failure.append_attribute("message") =
          clean_text(path + ": " + std::to_string(failed_count) + (failed_count == 1 ? " problem" : " problems")).c_str();
      failure.text() = clean_text(failed).c_str();
    }
    if (!other.empty()) testcase.append_child("system-out").text() = clean_text(other).c_str();
  }
  save(out, doc);
}

const char* sarif_level(severity s) {
  switch (s) {
    case severity::error: return "error";
    case severity::warning: return "warning";
    case severity::note: return "note";
  }
  return "error";
}

// SARIF 2.1.0 (OASIS): one run, a rule per code that occurs, file URIs
// relative to the MAILROOT base.
void write_sarif(std::ostream& out, const report& r, const output_options& options) {
  std::vector<const code_info*> rules;
  std::map<std::string, std::size_t, std::less<>> rule_index;
  for (auto& info : diagnostic_codes()) {
    bool used = std::any_of(r.diags.items().begin(), r.diags.items().end(),
                            [&](auto& d) { return d.code == info.code; });
    if (!used) continue;
    rule_index.emplace(std::string(info.code), rules.size());
    rules.push_back(&info);
  }
  std::error_code ec;
  auto base = std::filesystem::absolute(options.mailroot, ec).lexically_normal().string();
  if (base.empty() || base.back() != '/') base += '/';

  out << "{\n  \"$schema\": \"https://json.schemastore.org/sarif-2.1.0.json\",\n  \"version\": \"2.1.0\",\n"
      << "  \"runs\": [\n    {\n      \"tool\": {\n        \"driver\": {\n"
      << "          \"name\": \"mailflow verify\",\n          \"version\": \"0.1\",\n          \"rules\": [";
  for (std::size_t i = 0; i < rules.size(); ++i) {
    out << (i ? "," : "") << "\n            {\"id\": " << json_string(rules[i]->code)
        << ", \"shortDescription\": {\"text\": " << json_string(rules[i]->summary)
        << "}, \"defaultConfiguration\": {\"level\": \"" << sarif_level(rules[i]->level) << "\"}}";
  }
  out << (rules.empty() ? "]\n" : "\n          ]\n") << "        }\n      },\n"
      << "      \"originalUriBaseIds\": {\"MAILROOT\": {\"uri\": " << json_string("file://" + uri_path(base))
      << "}},\n      \"results\": [";
  bool first = true;
  for (auto& d : r.diags.items()) {
    out << (first ? "" : ",") << "\n        {\"ruleId\": " << json_string(d.code);
    first = false;
    if (auto it = rule_index.find(d.code); it != rule_index.end()) out << ", \"ruleIndex\": " << it->second;
    out << ", \"level\": \"" << sarif_level(d.level) << "\", \"message\": {\"text\": " << json_string(d.message)
        << "}, \"locations\": [{\"physicalLocation\": {\"artifactLocation\": {\"uri\": "
        << json_string(uri_path(d.file)) << ", \"uriBaseId\": \"MAILROOT\"}";
    if (d.line) {
      out << ", \"region\": {\"startLine\": " << d.line;
      if (d.column) out << ", \"startColumn\": " << d.column;
      out << "}";
    }
    out << "}}]}";
  }
  out << (first ? "]\n" : "\n      ]\n") << "    }\n  ]\n}\n";
}

}  // namespace

std::optional<output_format> parse_output_format(std::string_view name) {
  if (name == "text") return output_format::text;
  if (name == "xml") return output_format::xml;
  if (name == "junit") return output_format::junit;
  if (name == "sarif") return output_format::sarif;
  return std::nullopt;
}

void write_report(std::ostream& out, const report& r, output_format format, const output_options& options) {
  switch (format) {
    case output_format::text: write_text(out, r); return;
    case output_format::xml: write_xml(out, r, options); return;
    case output_format::junit: write_junit(out, r, options); return;
    case output_format::sarif: write_sarif(out, r, options); return;
  }
}

}  // namespace mailflow::verify
