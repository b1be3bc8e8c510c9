#include "replay/checks.hpp"

#include <cctype>
#include <unordered_map>

#include "core/stage.hpp"
#include "core/text.hpp"
#include "pattern/pattern.hpp"
#include "replay/mailroot_copy.hpp"
#include "text_escape.hpp"

namespace mailflow::harness {

using reports::scenario_result;
using reports::session_result;
using reports::step_result;

namespace {

// The address inside "MAIL FROM:<a@b>" / "RCPT TO:<a@b>", or the text itself.
std::string address_of(const std::string& line) {
  auto lt = line.find('<'), gt = line.rfind('>');
  if (lt != std::string::npos && gt != std::string::npos && gt > lt) return line.substr(lt + 1, gt - lt - 1);
  return line;
}

// An expected "u@d" also matches a source-routed "@gw1,@gw2:u@d" (smtpgw.tab
// rewrites recipients that way, manual: SMTPGW.TAB); an expected route must match exactly.
bool same_mailbox(const std::string& actual, const std::string& expected) {
  if (iequals(actual, expected)) return true;
  auto colon = actual.rfind(':');
  return actual.rfind('@', 0) == 0 && colon != std::string::npos && expected.find(':') == std::string::npos &&
         iequals(actual.substr(colon + 1), expected);
}

std::string rule_text(const std::optional<rule_ref>& r) {
  if (!r) return "";
  return r->line ? r->file + ":" + std::to_string(r->line) : r->file;
}

struct header_field {
  std::string name, value;
};

// Header fields of a stored message, continuation lines joined with '\n'.
std::vector<header_field> header_fields(const std::string& data, std::string& body) {
  std::vector<header_field> out;
  std::size_t pos = 0;
  while (pos < data.size()) {
    auto eol = data.find('\n', pos);
    std::string line = data.substr(pos, eol == std::string::npos ? std::string::npos : eol - pos);
    std::size_t next = eol == std::string::npos ? data.size() : eol + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) {
      body = data.substr(next);
      return out;
    }
    if ((line[0] == ' ' || line[0] == '\t') && !out.empty()) {
      out.back().value += "\n" + line;
    } else {
      auto colon = line.find(':');
      header_field h{line.substr(0, colon), colon == std::string::npos ? "" : line.substr(colon + 1)};
      if (!h.value.empty() && h.value.front() == ' ') h.value.erase(0, 1);
      out.push_back(std::move(h));
    }
    pos = next;
  }
  body.clear();
  return out;
}

// Compiled patterns by text: compiling costs far more than matching, and a
// suite repeats its patterns, so each worker thread keeps the ones it has
// built (bounded: cleared when it grows past 4096).
class regex_cache {
 public:
  const pattern* get(const std::string& text) {
    if (cache_.size() > 4096) cache_.clear();
    auto it = cache_.find(text);
    if (it == cache_.end()) it = cache_.emplace(text, pattern::compile(text)).first;
    return it->second ? &*it->second : nullptr;
  }

 private:
  std::unordered_map<std::string, std::optional<pattern>> cache_;
};

regex_cache& regexes() {
  thread_local regex_cache cache;
  return cache;
}

std::string describe(const stage_decision& d) {
  std::string s = std::string(stage_name(d.id)) + " " + std::string(outcome_name(d.result));
  if (!d.input.empty()) s += " input=" + d.input;
  if (d.rule) s += " rule=" + rule_text(d.rule);
  if (!d.reply.empty()) s += " reply=\"" + d.reply + "\"";
  return s;
}

std::string describe(const expected_decision& e) {
  std::string s = e.stage + " " + e.outcome.value_or("*");
  if (e.input) s += " input=" + *e.input;
  if (e.rule) s += " rule=" + *e.rule;
  if (e.reply) s += " reply=\"" + *e.reply + "\"";
  return s;
}

std::string describe(const filter_invocation& f) {
  std::string s = std::string(stage_name(f.hook)) + " " + std::string(filter_status_name(f.status));
  if (f.exit_code) s += " exit=" + std::to_string(*f.exit_code);
  s += " action=" + std::string(filter_action_name(f.action));
  if (f.stop_list) s += " stop";
  if (!f.rej_text.empty()) s += " rej=\"" + f.rej_text + "\"";
  return s;
}

}  // namespace

// "[XMail 1.27 ESMTP Server]" and any other "NAME VERSION PROTO Server" compare
// as mailflow's own token, so one scenario holds against XMail and mailflow
// (the conformance tool normalises the same way; its README).
std::string normalise_product(std::string text) {
  for (const char* proto : {" ESMTP Server", " POP3 Server", " CTRL Server"}) {
    for (std::size_t at = text.find(proto); at != std::string::npos; at = text.find(proto, at + 1)) {
      std::size_t version = text.rfind(' ', at == 0 ? 0 : at - 1);
      if (version == std::string::npos || version == 0) continue;
      std::size_t name = text.find_last_of(" [", version - 1);
      name = name == std::string::npos ? 0 : name + 1;
      auto is_version = [&] {
        if (version + 1 >= at || !std::isdigit(static_cast<unsigned char>(text[version + 1]))) return false;
        for (std::size_t i = version + 1; i < at; ++i)
          if (!std::isalnum(static_cast<unsigned char>(text[i])) && text[i] != '.') return false;
        return name < version;
      };
      if (!is_version()) continue;
      text.replace(name, at - name, product_token);
      at = name + std::char_traits<char>::length(product_token);
    }
  }
  return text;
}

expectation_checker::expectation_checker(const scenario& sc, scenario_result& res, std::string root_text)
    : sc_(sc), res_(res), root_(std::move(root_text)) {}

std::string expectation_checker::where(std::uint32_t line) const { return res_.path + ":" + std::to_string(line); }

std::string expectation_checker::expand(const std::string& text) const {
  if (text.find('{') == std::string::npos) return text;
  std::string out = expand_tokens(text, root_, sc_.sink);
  for (std::size_t at = out.find("{product}"); at != std::string::npos; at = out.find("{product}", at))
    out.replace(at, 9, product_token);
  return out;
}

bool expectation_checker::regex_full(const std::string& text, const std::string& re) {
  auto* r = regexes().get(re);
  return r && r->full(text) == match_result::match;  // a match that gives up does not match
}

void expectation_checker::fail(std::uint32_t line, std::string what, std::string expected, std::string actual) {
  res_.failures.push_back({where(line), std::move(what), std::move(expected), std::move(actual)});
}

bool expectation_checker::check_reply(const step& st, const step_result& r, read_status status, bool closed_after) {
  ++res_.checks;
  const auto& e = st.expect;
  const bool got = status == read_status::reply;
  bool ok = true;
  std::vector<std::string> seen;  // the reply as compared: product token normalised
  seen.reserve(r.reply.size());
  for (auto& l : r.reply) seen.push_back(normalise_product(l));
  if (e.none) ok = ok && status == read_status::none;
  if (e.code) ok = ok && got && !seen.empty() && seen.back().compare(0, 3, *e.code) == 0;
  if (e.exact) ok = ok && got && join(seen, "\n") == expand(*e.exact);
  if (e.match) ok = ok && got && regex_full(join(seen, "\n"), expand(*e.match));
  if (e.lines) {
    bool same = got && seen.size() == e.lines->size();
    for (std::size_t i = 0; same && i < e.lines->size(); ++i) {
      auto& l = (*e.lines)[i];
      same = l.regex ? regex_full(seen[i], expand(l.text)) : seen[i] == expand(l.text);
    }
    ok = ok && same;
  }
  if (e.closed) ok = ok && closed_after == *e.closed;
  if (ok) return true;

  // Only a failure pays for describing itself.
  std::vector<std::string> expected;
  std::string actual = got ? join(r.reply, "\n") : status == read_status::none ? "(no reply)" : "(connection closed)";
  if (e.none) expected.push_back("(no reply)");
  if (e.code && !e.exact && !e.lines) expected.push_back("a " + *e.code + " reply");
  if (e.exact) expected.push_back(expand(*e.exact));
  if (e.match) expected.push_back("/" + expand(*e.match) + "/");
  if (e.lines) {
    std::vector<std::string> shown;
    for (auto& l : *e.lines) shown.push_back(l.regex ? "/" + expand(l.text) + "/" : expand(l.text));
    expected.push_back(join(shown, "\n"));
  }
  if (e.closed) {
    expected.push_back(*e.closed ? "then the server closes the connection" : "and the connection stays open");
    if (closed_after != *e.closed)
      actual += closed_after ? "\n(the server closed the connection)" : "\n(the connection stayed open)";
  }
  // A heading names the step; a raw step of megabytes stays in its <sent>, not here.
  std::string what = st.what == step::kind::greeting ? "greeting" : "reply to " + reports::clip(r.sent.empty() ? r.kind : r.sent, 200);
  fail(st.line, what, join(expected, "\n"), actual);
  return false;
}

void expectation_checker::check_outcomes(const std::vector<session_result>& sessions, const std::vector<spool_message>& spooled) {
  std::vector<const stage_decision*> decisions;
  std::vector<const filter_invocation*> filters;
  for (auto& s : sessions)
    for (auto& e : s.events) {
      if (auto d = std::get_if<stage_decision>(&e.what)) decisions.push_back(d);
      if (auto f = std::get_if<filter_invocation>(&e.what)) filters.push_back(f);
    }
  check_decisions(decisions);
  check_filters(filters);
  check_messages(spooled);
}



bool expectation_checker::matches(const expected_decision& e, const stage_decision& d) const {
  if (stage_name(d.id) != e.stage) return false;
  if (e.outcome && outcome_name(d.result) != *e.outcome) return false;
  if (e.input && d.input != expand(*e.input)) return false;
  if (e.reply && d.reply != expand(*e.reply)) return false;
  if (e.rule) {
    bool with_line = e.rule->find(':') != std::string::npos;
    std::string actual = with_line ? rule_text(d.rule) : (d.rule ? d.rule->file : "");
    if (actual != *e.rule) return false;
  }
  return true;
}

void expectation_checker::check_decisions(const std::vector<const stage_decision*>& actual) {
  std::size_t from = 0;
  for (auto& e : sc_.decisions) {
    ++res_.checks;
    if (!stage_from_name(e.stage)) {
      fail(e.line, "decision " + e.stage, "a stage of the catalogue", "'" + e.stage + "' is not a stage name");
      continue;
    }
    if (e.outcome && !outcome_from_name(*e.outcome)) {
      fail(e.line, "decision " + e.stage, "an outcome name", "'" + *e.outcome + "' is not an outcome");
      continue;
    }
    std::vector<std::string> same_stage;
    for (auto* d : actual)
      if (stage_name(d->id) == e.stage) same_stage.push_back(describe(*d));
    std::string seen = same_stage.empty() ? "no " + e.stage + " decision was made" : join(same_stage, "\n");
    if (e.count) {
      int n = 0;
      for (auto* d : actual) n += matches(e, *d) ? 1 : 0;
      if (n != *e.count)
        fail(e.line, "decision " + e.stage, std::to_string(*e.count) + " x " + describe(e),
             std::to_string(n) + " matching; " + seen);
      continue;
    }
    std::size_t i = from;
    while (i < actual.size() && !matches(e, *actual[i])) ++i;
    if (i == actual.size()) {
      bool earlier = false;
      for (std::size_t j = 0; j < from; ++j) earlier = earlier || matches(e, *actual[j]);
      fail(e.line, "decision " + e.stage, describe(e) + (earlier ? " (after the previous expected decision)" : ""),
           seen);
      continue;
    }
    from = i + 1;
  }
}


bool expectation_checker::matches(const expected_filter& e, const filter_invocation& f) const {
  return stage_name(f.hook) == e.hook && (!e.action || filter_action_name(f.action) == *e.action) &&
         (!e.status || filter_status_name(f.status) == *e.status) &&
         (!e.exit_code || (f.exit_code && *f.exit_code == *e.exit_code)) && (!e.stop || f.stop_list == *e.stop) &&
         (!e.rej || f.rej_text == expand(*e.rej));
}

void expectation_checker::check_filters(const std::vector<const filter_invocation*>& actual) {
  std::size_t from = 0;
  for (auto& e : sc_.filters) {
    ++res_.checks;
    std::string want = e.hook;
    if (e.status) want += " " + *e.status;
    if (e.exit_code) want += " exit=" + std::to_string(*e.exit_code);
    if (e.action) want += " action=" + *e.action;
    if (e.stop) want += *e.stop ? " stop" : " no-stop";
    if (e.rej) want += " rej=\"" + *e.rej + "\"";
    std::vector<std::string> seen_list;
    for (auto* f : actual) seen_list.push_back(describe(*f));
    std::string seen = seen_list.empty() ? "no filter ran" : join(seen_list, "\n");
    if (e.count) {
      int n = 0;
      for (auto* f : actual) n += matches(e, *f) ? 1 : 0;
      if (n != *e.count) fail(e.line, "filter " + e.hook, std::to_string(*e.count) + " x " + want, seen);
      continue;
    }
    std::size_t i = from;
    while (i < actual.size() && !matches(e, *actual[i])) ++i;
    if (i == actual.size()) {
      fail(e.line, "filter " + e.hook, want, seen);
      continue;
    }
    from = i + 1;
  }
}

// Empty when `m` meets `e`, else why not.
std::string expectation_checker::mismatch(const expected_message& e, const spool_message& m) {
  if (e.rcpt && !same_mailbox(address_of(m.rcpt_to), expand(*e.rcpt))) return "recipient " + m.rcpt_to;
  if (e.from && !iequals(address_of(m.mail_from), expand(*e.from))) return "sender " + m.mail_from;
  if (e.auth && m.auth_user != *e.auth) return "authenticated as '" + m.auth_user + "'";
  std::string body;
  auto headers = header_fields(m.data(), body);
  for (auto& h : e.headers) {
    std::vector<std::string> values;
    for (auto& f : headers)
      if (iequals(f.name, h.name)) values.push_back(f.value);
    if (h.absent) {
      if (!values.empty()) return "header " + h.name + ": " + values.front() + " (expected absent)";
      continue;
    }
    bool ok = false;
    for (auto& v : values)
      ok = ok || ((!h.value || v == expand(*h.value)) && (!h.match || regex_full(v, expand(*h.match))));
    if (!ok)
      return values.empty() ? "no " + h.name + " header" : "header " + h.name + ": " + join(values, " | ");
  }
  for (auto& b : e.bodies) {
    if (b.contains && body.find(expand(*b.contains)) == std::string::npos)
      return "body without \"" + *b.contains + "\"";
    if (b.equals && body != expand(*b.equals)) return "body \"" + body + "\"";
    if (b.match) {
      auto* r = regexes().get(expand(*b.match));
      auto found = r ? r->search(body) : match_result::no_match;
      if (found == match_result::gave_up)
        return "body not matched: /" + *b.match + "/ gave up on " + std::to_string(body.size()) +
               " bytes (too many steps; simplify the pattern)";
      if (found != match_result::match) return "body not matching /" + *b.match + "/";
    }
  }
  return "";
}

void expectation_checker::check_messages(const std::vector<spool_message>& spooled) {
  std::vector<bool> used(spooled.size(), false);
  for (auto& e : sc_.messages) {
    ++res_.checks;
    std::vector<std::string> why;
    bool found = false;
    for (std::size_t i = 0; i < spooled.size() && !found; ++i) {
      if (used[i]) continue;
      auto m = mismatch(e, spooled[i]);
      if (m.empty()) {
        used[i] = found = true;
      } else {
        why.push_back(spooled[i].message_ref + " " + spooled[i].rcpt_to + ": " + m);
      }
    }
    if (!found) {
      std::string want = "a message";
      if (e.from) want += " from <" + *e.from + ">";
      if (e.rcpt) want += " for <" + *e.rcpt + ">";
      fail(e.line, "message", want, why.empty() ? "no (other) message was spooled" : join(why, "\n"));
    }
  }
  std::optional<int> count = sc_.message_count;
  if (!count && !sc_.messages.empty()) count = static_cast<int>(sc_.messages.size());
  if (count) {
    ++res_.checks;
    if (static_cast<int>(spooled.size()) != *count) {
      std::vector<std::string> got;
      for (auto& m : spooled) got.push_back(m.message_ref + " " + m.mail_from + " " + m.rcpt_to);
      fail(sc_.expect_line, "messages spooled", std::to_string(*count) + " message(s)",
           std::to_string(spooled.size()) + " message(s)" + (got.empty() ? "" : ":\n" + join(got, "\n")));
    }
  }
}

}  // namespace mailflow::harness
