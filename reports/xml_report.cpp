// The decision report (reports/report.xsd). Built as a pugixml tree so
// markup escaping is the library's job; printable() removes what XML 1.0
// cannot carry at all. Optional attributes are written only when the model
// has something to say, in one fixed order, so output is byte-stable.
#include <string>
#include <variant>

#include <pugixml.hpp>

#include "text_escape.hpp"
#include "writers.hpp"

namespace mailflow::reports {

namespace {

constexpr const char* report_namespace = "urn:mailflow:report:1";

void set(pugi::xml_node node, const char* name, std::string_view value) {
  node.append_attribute(name).set_value(printable(value).c_str());
}

void set_if(pugi::xml_node node, const char* name, std::string_view value) {
  if (!value.empty()) set(node, name, value);
}

void set_number(pugi::xml_node node, const char* name, long long value) {
  node.append_attribute(name).set_value(std::to_string(value).c_str());
}

void set_bool(pugi::xml_node node, const char* name, bool value) {
  node.append_attribute(name).set_value(value ? "true" : "false");
}

pugi::xml_node text_child(pugi::xml_node parent, const char* name, std::string_view value) {
  auto child = parent.append_child(name);
  if (!value.empty()) child.append_child(pugi::node_pcdata).set_value(printable(value).c_str());
  return child;
}

// Multi-line text keeps its lines as <line> elements instead of escaped
// line breaks: readable, and no parser normalises them away.
pugi::xml_node lines_child(pugi::xml_node parent, const char* name, std::string_view value) {
  auto child = parent.append_child(name);
  for (auto line : split_lines(value)) text_child(child, "line", line);
  return child;
}

void add_rule(pugi::xml_node parent, const char* name, const rule_ref& rule) {
  auto node = text_child(parent, name, rule.text);
  set(node, "file", rule.file);
  set_number(node, "line", rule.line);
}

struct event_writer {
  mutable pugi::xml_node timeline;  // appending does not change which node it is
  bool timings;
  std::int64_t offset_ms = 0;       // the event's time since the scenario's start (virtual)

  // at-ms: written only when time has moved, so reports of timeless scenarios stay as they were.
  pugi::xml_node stamp(pugi::xml_node node) const {
    if (offset_ms != 0) set_number(node, "at-ms", offset_ms);
    return node;
  }

  void operator()(const client_line& e) const { stamp(text_child(timeline, "client", e.text)); }

  void operator()(const server_reply& e) const {
    auto node = stamp(timeline.append_child("server"));
    for (auto& line : e.lines) text_child(node, "line", line);
  }

  void operator()(const stage_decision& e) const {
    auto node = stamp(timeline.append_child("decision"));
    set(node, "stage", stage_name(e.id));
    set(node, "outcome", outcome_name(e.result));
    set_if(node, "input", e.input);
    set_if(node, "reply", e.reply);
    set_if(node, "detail", e.detail);
    if (e.rule) add_rule(node, "rule", *e.rule);
  }

  void operator()(const filter_invocation& e) const {
    auto node = stamp(timeline.append_child("filter"));
    set(node, "hook", stage_name(e.hook));
    set(node, "status", filter_status_name(e.status));
    if (e.exit_code) set_number(node, "exit-code", *e.exit_code);
    set(node, "action", filter_action_name(e.action));
    set_bool(node, "stop-list", e.stop_list);
    set_bool(node, "message-changed", e.message_changed);
    if (timings) set_number(node, "duration-ms", e.duration_ms);
    if (e.selector) add_rule(node, "selector", *e.selector);
    add_rule(node, "command", e.line);
    for (auto& arg : e.argv) text_child(node, "arg", arg);
    if (!e.rej_text.empty()) text_child(node, "rej", e.rej_text);
  }

  void operator()(const session_note& e) const {
    auto node = stamp(text_child(timeline, "note", e.detail));
    set(node, "kind", note_kind_name(e.kind));
  }

  void operator()(const message_spooled& e) const {
    auto node = stamp(timeline.append_child("spooled"));
    set(node, "ref", e.message_ref);
    set_if(node, "spool-file", e.spool_file);
    set(node, "from", e.mail_from);
    set_number(node, "size", static_cast<long long>(e.size));
    for (auto& rcpt : e.rcpts) text_child(node, "rcpt", rcpt);
  }
};

void add_session(pugi::xml_node parent, const session_result& session, bool timings, std::int64_t start_ms) {
  auto node = parent.append_child("session");
  set(node, "protocol", session.protocol);
  set(node, "client", session.client);
  set(node, "server", session.server);
  set_bool(node, "closed-by-server", session.closed_by_server);

  auto timeline = node.append_child("timeline");
  for (auto& e : session.events) std::visit(event_writer{timeline, timings, e.at_ms - start_ms}, e.what);

  auto steps = node.append_child("steps");
  for (auto& step : session.steps) {
    auto s = steps.append_child("step");
    set_number(s, "line", step.scenario_line);
    set(s, "kind", step.kind);
    set_bool(s, "passed", step.passed);
    set_bool(s, "read-reply", step.read_reply);
    set_if(s, "reply-status", step.reply_status);
    if (!step.sent.empty()) text_child(s, "sent", step.sent);
    if (!step.reply.empty()) {
      auto reply = s.append_child("reply");
      for (auto& line : step.reply) text_child(reply, "line", line);
    }
  }

  if (!session.trailing.empty()) {
    auto trailing = node.append_child("trailing");
    for (auto& line : session.trailing) text_child(trailing, "line", line);
  }
}

// `same_as`: the 1-based position of an earlier message of the scenario with
// the same body (0: none), whose body lines this one does not repeat.
void add_message(pugi::xml_node parent, const spooled_message& m, std::size_t same_as) {
  auto node = parent.append_child("message");
  set(node, "ref", m.message_ref);
  set(node, "from", m.mail_from);
  set(node, "rcpt", m.rcpt_to);
  set_if(node, "auth-user", m.auth_user);
  set_number(node, "size", static_cast<long long>(m.size));
  auto parts = m.split(same_as == 0);
  auto headers = node.append_child("headers");
  for (auto line : parts.headers) text_child(headers, "line", line);
  auto body = node.append_child("body");
  if (same_as) {
    set_number(body, "same-as", static_cast<long long>(same_as));
    return;
  }
  for (auto line : parts.body) text_child(body, "line", line);
}

void add_scenario(pugi::xml_node root, const scenario_result& sc) {
  const bool timings = sc.duration_ms >= 0;
  auto node = root.append_child("scenario");
  set(node, "path", sc.path);
  set(node, "name", sc.name);
  set(node, "status", sc.status);
  set_if(node, "mode", sc.mode);
  set_if(node, "mailroot", sc.mailroot);
  set_if(node, "start", sc.start_time);
  set_number(node, "checks", sc.checks);
  if (timings) set_number(node, "duration-ms", sc.duration_ms);

  if (!sc.description.empty()) lines_child(node, "description", sc.description);
  for (auto& note : sc.notes) text_child(node, "note", note);
  if (!sc.error.empty()) text_child(node, "error", sc.error);
  for (auto& session : sc.sessions) add_session(node, session, timings, sc.start_ms);
  if (!sc.spooled.empty()) {
    auto messages = node.append_child("messages");
    for (std::size_t i = 0; i < sc.spooled.size(); ++i) add_message(messages, sc.spooled[i], same_body_as(sc.spooled, i));
  }
  if (!sc.failures.empty()) {
    auto failures = node.append_child("failures");
    for (auto& f : sc.failures) {
      auto fn = failures.append_child("failure");
      set(fn, "where", f.where);
      set(fn, "what", f.what);
      lines_child(fn, "expected", f.expected);
      lines_child(fn, "actual", f.actual);
    }
  }
}

}  // namespace

void write_xml(const run_result& run, std::ostream& out) {
  pugi::xml_document doc;
  auto decl = doc.append_child(pugi::node_declaration);
  decl.append_attribute("version").set_value("1.0");
  decl.append_attribute("encoding").set_value("UTF-8");

  auto root = doc.append_child("mailflow-report");
  root.append_attribute("xmlns").set_value(report_namespace);
  root.append_attribute("schema-version").set_value("1");
  set(root, "tool-version", run.tool_version);

  auto totals = root.append_child("totals");
  set_number(totals, "scenarios", static_cast<long long>(run.scenarios.size()));
  set_number(totals, "passed", static_cast<long long>(run.passed()));
  set_number(totals, "failed", static_cast<long long>(run.failed()));

  for (auto& sc : run.scenarios) add_scenario(root, sc);
  doc.save(out, "  ", pugi::format_indent, pugi::encoding_utf8);
}

}  // namespace mailflow::reports
