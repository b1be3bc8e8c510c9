#include "run_result.hpp"

#include <algorithm>
#include <map>
#include <variant>

#include "text_escape.hpp"

namespace mailflow::reports {

std::size_t run_result::passed() const {
  return static_cast<std::size_t>(
      std::count_if(scenarios.begin(), scenarios.end(), [](const scenario_result& s) { return s.status == "passed"; }));
}

// Everything that did not pass counts as failed, so an unexpected status can
// never make a run look green.
std::size_t run_result::failed() const { return scenarios.size() - passed(); }

namespace {

struct event_texts {
  const std::function<void(std::string&)>& fix;
  void rule(rule_ref& r) const {
    fix(r.file);
    fix(r.text);
  }
  void operator()(client_line& e) const { fix(e.text); }
  void operator()(server_reply& e) const {
    for (auto& l : e.lines) fix(l);
  }
  void operator()(stage_decision& e) const {
    fix(e.input);
    if (e.rule) rule(*e.rule);
    fix(e.reply);
    fix(e.detail);
  }
  void operator()(filter_invocation& e) const {
    if (e.selector) rule(*e.selector);
    rule(e.line);
    for (auto& a : e.argv) fix(a);
    fix(e.rej_text);
  }
  void operator()(session_note& e) const { fix(e.detail); }
  void operator()(message_spooled& e) const {
    fix(e.message_ref);
    fix(e.spool_file);
    fix(e.mail_from);
    for (auto& r : e.rcpts) fix(r);
  }
};

}  // namespace

void for_each_text(scenario_result& r, const std::function<void(std::string&)>& fix) {
  for (auto* s : {&r.path, &r.name, &r.description, &r.mode, &r.mailroot, &r.start_time, &r.status, &r.error}) fix(*s);
  for (auto& n : r.notes) fix(n);
  const event_texts events{fix};
  for (auto& session : r.sessions) {
    fix(session.protocol);
    fix(session.client);
    fix(session.server);
    for (auto& st : session.steps) {
      fix(st.kind);
      fix(st.sent);
      for (auto& l : st.reply) fix(l);
      fix(st.reply_status);
    }
    for (auto& e : session.events) std::visit(events, e.what);
    for (auto& l : session.trailing) fix(l);
  }
  // old body -> (old, fixed): holding the old one keeps its address from being reused meanwhile
  std::map<const std::string*, std::pair<std::shared_ptr<const std::string>, std::shared_ptr<const std::string>>> bodies;
  for (auto& m : r.spooled) {
    fix(m.message_ref);
    fix(m.mail_from);
    fix(m.rcpt_to);
    fix(m.auth_user);
    fix(m.added_headers);
    if (!m.body) continue;
    auto& [old, fixed] = bodies[m.body.get()];
    if (!fixed) {
      old = m.body;
      std::string text = *m.body;
      fix(text);
      fixed = text == *m.body ? m.body : std::make_shared<const std::string>(std::move(text));
    }
    m.body = fixed;
  }
  for (auto& f : r.failures) {
    fix(f.where);
    fix(f.what);
    fix(f.expected);
    fix(f.actual);
  }
}

std::size_t same_body_as(const std::vector<spooled_message>& messages, std::size_t i) {
  if (!messages[i].body) return 0;
  for (std::size_t k = 0; k < i; ++k)
    if (messages[k].body == messages[i].body) return k + 1;
  return 0;
}

spooled_message::lines spooled_message::split(bool with_body) const {
  lines out;
  out.headers = split_lines(added_headers);
  std::string_view rest = body ? std::string_view(*body) : std::string_view();
  while (!rest.empty()) {
    const auto nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
    if (!line.empty() && line.back() == '\r' && nl != std::string_view::npos) line.remove_suffix(1);
    if (line.empty()) {
      if (with_body) out.body = split_lines(rest);
      break;
    }
    out.headers.push_back(line);
  }
  return out;
}

}  // namespace mailflow::reports
