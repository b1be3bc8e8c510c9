// One self-contained page for people: no external resources (CI artifact
// viewers and mail clients block them), everything HTML-escaped after
// printable() so a hostile client line can neither inject markup nor hide
// bytes. Order follows the model; scenarios are numbered, not hashed.
#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <variant>

#include "core/text.hpp"
#include "text_escape.hpp"
#include "writers.hpp"

namespace mailflow::reports {

namespace {

std::string esc(std::string_view text) {
  std::string out;
  for (char c : printable(text)) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

// Multi-line text: each line escaped, joined with real line breaks for a
// white-space: pre-wrap container.
std::string esc_lines(std::string_view text) {
  std::string out;
  for (auto line : split_lines(text)) {
    if (!out.empty()) out += '\n';
    out += esc(line);
  }
  return out;
}

std::string_view status_class(const scenario_result& sc) {
  if (sc.status == "passed") return "passed";
  if (sc.status == "failed") return "failed";
  return "error";  // error, timeout, anything unknown
}

std::string display_name(const scenario_result& sc) {
  return sc.name.empty() ? std::string(path_stem(sc.path)) : sc.name;
}

std::string anchor(std::size_t index) { return "s" + std::to_string(index + 1); }

// "30 s", "1.5 s": virtual time since the scenario's start.
std::string seconds_text(std::int64_t ms) {
  std::string out = std::to_string(ms / 1000);
  if (ms % 1000) {
    char frac[8];
    std::snprintf(frac, sizeof frac, ".%03lld", static_cast<long long>(ms % 1000 < 0 ? -(ms % 1000) : ms % 1000));
    out += frac;
  }
  return out + " s";
}

std::string rule_html(const rule_ref& rule) {
  std::string out = "<span class=\"rule\"><span class=\"loc\">" + esc(rule.file);
  if (rule.line != 0) out += ":" + std::to_string(rule.line);
  out += "</span>";
  if (!rule.text.empty()) out += " <code>" + esc(rule.text) + "</code>";
  return out + "</span>";
}

constexpr std::string_view style = R"css(
:root{--ok:#1a7f37;--bad:#cf222e;--err:#8250df;--muted:#57606a;--line:#d0d7de;--bg2:#f6f8fa}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:0;color:#1f2328;background:#fff}
header{padding:16px 24px;border-bottom:1px solid var(--line);background:var(--bg2)}
h1{font-size:20px;margin:0 0 4px}
h2{font-size:17px;margin:0 0 8px;display:flex;gap:8px;align-items:baseline;flex-wrap:wrap}
h2 small{color:var(--muted);font-weight:normal;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
h3{font-size:14px;margin:16px 0 6px}
main{padding:0 24px 40px}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
pre{white-space:pre-wrap;word-break:break-word;margin:0}
.meta{color:var(--muted);margin:0}
.counts{display:flex;gap:12px;margin:16px 0}
.count{border:1px solid var(--line);border-radius:6px;padding:8px 14px;min-width:110px}
.count b{display:block;font-size:22px}
.count.passed b{color:var(--ok)}.count.failed b{color:var(--bad)}
.badge{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;font-weight:600;color:#fff;white-space:nowrap}
.badge.passed{background:var(--ok)}.badge.failed{background:var(--bad)}.badge.error{background:var(--err)}
.tools{display:flex;gap:16px;align-items:center;margin:8px 0}
.tools input[type=search]{padding:4px 8px;width:320px;border:1px solid var(--line);border-radius:6px}
table{border-collapse:collapse;width:100%}
th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
th{background:var(--bg2);font-weight:600}
table.summary td.first{color:var(--bad)}
tr.row-failed td,tr.row-error td{background:#fff5f5}
section.scenario{border:1px solid var(--line);border-radius:8px;padding:14px 16px;margin:20px 0}
section.scenario.failed,section.scenario.error{border-left:6px solid var(--bad)}
section.scenario.passed{border-left:6px solid var(--ok)}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0 0 8px;color:var(--muted)}
dl.facts dt{font-weight:600}dl.facts dd{margin:0}
.description{margin:0 0 8px;white-space:pre-wrap}
.notes{margin:4px 0;color:var(--muted)}
.error-box,.failure{border:1px solid #ffb3b8;background:#fff5f5;border-radius:6px;padding:8px 10px;margin:6px 0}
.error-box{color:var(--bad);font-weight:600}
.failure .head{font-weight:600;color:var(--bad)}
.failure table{margin-top:4px;background:#fff}
.failure th{width:90px}
.failure td.expected{color:var(--ok)}.failure td.actual{color:var(--bad)}
.timeline{border:1px solid var(--line);border-radius:6px;overflow:hidden}
.ev{display:grid;grid-template-columns:78px 1fr;border-top:1px solid #eaeef2}
.ev:first-child{border-top:0}
.ev>.k{padding:3px 8px;font-weight:600;color:var(--muted);font-size:12px;background:var(--bg2)}
.ev>.v{padding:3px 8px;min-width:0}
.ev.c>.v{background:#f0f7ff}.ev.c>.k{color:#0969da}
.ev.s>.k{color:#1f2328}
.ev.decision>.v,.ev.filter>.v{font-size:13px}
.ev.note>.v,.ev.spooled>.v{color:var(--muted)}
.ev.refusal>.v{background:#fff5f5}.ev.refusal>.k{color:var(--bad);box-shadow:inset 3px 0 0 var(--bad)}
.stage{font-weight:600;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
.o{display:inline-block;border-radius:4px;padding:0 6px;font-size:12px;font-weight:600;border:1px solid}
.o-pass{color:#57606a;border-color:#d0d7de}.o-accept{color:#1a7f37;border-color:#1a7f37}
.o-reject{color:#fff;background:#cf222e;border-color:#cf222e}.o-defer{color:#9a6700;border-color:#d4a72c;background:#fff8c5}
.o-drop{color:#fff;background:#82071e;border-color:#82071e}.o-flag{color:#8250df;border-color:#8250df}
.o-rewrite{color:#0969da;border-color:#0969da}.o-skip{color:#8c959f;border-color:#d0d7de}
.o-error{color:#fff;background:#8250df;border-color:#8250df}
.field{color:var(--muted);margin-right:4px}
.sub{margin-top:2px}
.loc{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px;color:#0550ae}
.reply{color:#953800}
.steps tr.bad td{background:#fff5f5;color:var(--bad)}
details{margin:6px 0}
details>summary{cursor:pointer}
details.message{border:1px solid var(--line);border-radius:6px;padding:4px 10px}
details.message pre{background:var(--bg2);padding:6px;border-radius:4px;margin:4px 0}
.consults td:first-child,.consults .loc{white-space:nowrap}
.hidden{display:none}
)css";

// Filters the summary and the sections by text and by status; the page
// works without it.
constexpr std::string_view script = R"js(
(function(){
  var box=document.getElementById('filter'), only=document.getElementById('only-failed');
  function apply(){
    var q=box.value.toLowerCase(), f=only.checked;
    document.querySelectorAll('[data-key]').forEach(function(el){
      var show=el.getAttribute('data-key').indexOf(q)>=0 && (!f || el.getAttribute('data-status')!=='passed');
      el.classList.toggle('hidden',!show);
    });
  }
  box.addEventListener('input',apply); only.addEventListener('change',apply);
})();
)js";

struct timeline_writer {
  std::string& out;
  bool timings;
  std::int64_t offset_ms = 0;  // the event's time since the scenario's start (virtual)

  void row(std::string_view cls, std::string_view key, const std::string& value) const {
    out += "<div class=\"ev ";
    out += cls;
    out += "\"><div class=\"k\">";
    out += key;
    if (offset_ms != 0) out += "<br><span class=\"field\">+" + seconds_text(offset_ms) + "</span>";
    out += "</div><div class=\"v\">" + value + "</div></div>\n";
  }

  void operator()(const client_line& e) const { row("c", "C:", "<pre>" + esc(e.text) + "</pre>"); }

  void operator()(const server_reply& e) const {
    std::string v = "<pre>";
    for (std::size_t i = 0; i < e.lines.size(); ++i) v += (i ? "\n" : "") + esc(e.lines[i]);
    row("s", "S:", v + "</pre>");
  }

  void operator()(const stage_decision& e) const {
    const auto outcome = outcome_name(e.result);
    std::string v = "<span class=\"stage\">" + esc(stage_name(e.id)) + "</span> <span class=\"o o-" + esc(outcome) +
                    "\">" + esc(outcome) + "</span>";
    if (!e.input.empty()) v += " <span class=\"field\">input</span><code>" + esc(e.input) + "</code>";
    if (e.rule) v += "<div class=\"sub\"><span class=\"field\">rule</span>" + rule_html(*e.rule) + "</div>";
    if (!e.reply.empty()) v += "<div class=\"sub\"><span class=\"field\">reply</span><code class=\"reply\">" + esc(e.reply) + "</code></div>";
    if (!e.detail.empty()) v += "<div class=\"sub\">" + esc(e.detail) + "</div>";
    // A refusal is what a reader scans the timeline for.
    const bool refusal = e.result == outcome::reject || e.result == outcome::defer || e.result == outcome::drop ||
                         e.result == outcome::error;
    row(refusal ? "decision refusal" : "decision", "stage", v);
  }

  void operator()(const filter_invocation& e) const {
    std::string v = "<span class=\"stage\">" + esc(stage_name(e.hook)) + "</span> ";
    v += "<span class=\"field\">action</span><b>" + esc(filter_action_name(e.action)) + "</b> ";
    v += "<span class=\"field\">status</span>" + esc(filter_status_name(e.status));
    if (e.exit_code) v += " <span class=\"field\">exit</span>" + std::to_string(*e.exit_code);
    if (e.stop_list) v += " <span class=\"o o-flag\">stop list</span>";
    if (e.message_changed) v += " <span class=\"o o-rewrite\">message changed</span>";
    if (timings) v += " <span class=\"field\">" + std::to_string(e.duration_ms) + " ms</span>";
    if (e.selector) v += "<div class=\"sub\"><span class=\"field\">selected by</span>" + rule_html(*e.selector) + "</div>";
    v += "<div class=\"sub\"><span class=\"field\">command</span>" + rule_html(e.line) + "</div>";
    if (!e.argv.empty()) {
      v += "<div class=\"sub\"><span class=\"field\">argv</span><code>";
      for (std::size_t i = 0; i < e.argv.size(); ++i) v += (i ? " " : "") + esc(e.argv[i]);
      v += "</code></div>";
    }
    if (!e.rej_text.empty()) v += "<div class=\"sub\"><span class=\"field\">.rej</span><code class=\"reply\">" + esc(e.rej_text) + "</code></div>";
    const bool refusal = e.action == filter_action::reject || e.action == filter_action::reject_notify;
    row(refusal ? "filter refusal" : "filter", "filter", v);
  }

  void operator()(const session_note& e) const {
    row("note", "note", "<b>" + esc(note_kind_name(e.kind)) + "</b>" + (e.detail.empty() ? "" : " " + esc(e.detail)));
  }

  void operator()(const message_spooled& e) const {
    std::string v = "<b>spooled " + esc(e.message_ref) + "</b> from <code>" + esc(e.mail_from) + "</code> to ";
    for (std::size_t i = 0; i < e.rcpts.size(); ++i) v += (i ? ", " : "") + ("<code>" + esc(e.rcpts[i]) + "</code>");
    v += ", " + std::to_string(e.size) + " bytes";
    if (!e.spool_file.empty()) v += " <span class=\"loc\">" + esc(e.spool_file) + "</span>";
    row("spooled", "spool", v);
  }
};

// An empty side is said in words: a blank cell reads like a rendering bug.
std::string failure_side(std::string_view text) {
  return text.empty() ? "<span class=\"field\">(nothing)</span>" : esc_lines(text);
}

void write_failure(std::string& out, const check_failure& f) {
  out += "<div class=\"failure\"><div class=\"head\"><span class=\"loc\">" + esc(f.where) + "</span> " + esc(f.what) +
         "</div><table><tr><th>expected</th><td class=\"expected\"><pre>" + failure_side(f.expected) +
         "</pre></td></tr><tr><th>actual</th><td class=\"actual\"><pre>" + failure_side(f.actual) +
         "</pre></td></tr></table></div>\n";
}

void write_session(std::string& out, const session_result& session, std::size_t index, bool timings,
                   std::int64_t start_ms) {
  out += "<h3>Session " + std::to_string(index + 1) + " &middot; " + esc(session.protocol) + " <span class=\"mono\">" +
         esc(session.client) + " &rarr; " + esc(session.server) + "</span>";
  if (session.closed_by_server) out += " <span class=\"field\">(closed by the server)</span>";
  out += "</h3>\n<div class=\"timeline\">\n";
  for (auto& e : session.events) std::visit(timeline_writer{out, timings, e.at_ms - start_ms}, e.what);
  if (session.events.empty()) out += "<div class=\"ev note\"><div class=\"k\">&nbsp;</div><div class=\"v\">no events recorded</div></div>\n";
  out += "</div>\n";

  if (!session.trailing.empty()) {
    out += "<p><span class=\"field\">unread reply lines</span></p><pre>";
    for (std::size_t i = 0; i < session.trailing.size(); ++i) out += (i ? "\n" : "") + esc(session.trailing[i]);
    out += "</pre>\n";
  }

  const auto bad = std::count_if(session.steps.begin(), session.steps.end(), [](auto& s) { return !s.passed; });
  out += std::string("<details class=\"steps\"") + (bad ? " open" : "") + "><summary>Steps (" +
         std::to_string(session.steps.size()) + (bad ? ", " + std::to_string(bad) + " failed" : "") +
         ")</summary>\n<table class=\"steps\"><tr><th>line</th><th>step</th><th>sent</th><th>reply</th><th>result</th></tr>\n";
  for (auto& step : session.steps) {
    out += std::string("<tr") + (step.passed ? "" : " class=\"bad\"") + "><td>" + std::to_string(step.scenario_line) +
           "</td><td>" + esc(step.kind) + "</td><td><pre>" + esc(step.sent) + "</pre></td><td><pre>";
    for (std::size_t i = 0; i < step.reply.size(); ++i) out += (i ? "\n" : "") + esc(step.reply[i]);
    if (step.read_reply && step.reply.empty()) out += "(" + esc(step.reply_status) + ")";
    out += "</pre></td><td>" + std::string(step.passed ? "ok" : "failed") + "</td></tr>\n";
  }
  out += "</table></details>\n";
}

void write_message(std::string& out, const spooled_message& m, std::size_t same_as) {
  auto parts = m.split(same_as == 0);
  std::string headers, body;
  for (auto line : parts.headers) headers += (headers.empty() ? "" : "\n") + esc(line);
  for (auto line : parts.body) body += (body.empty() ? "" : "\n") + esc(line);
  if (same_as) body = "(the body of message " + std::to_string(same_as) + " above)";
  out += "<details class=\"message\"><summary><b>" + esc(m.message_ref) + "</b> <code>" + esc(m.mail_from) +
         "</code> &rarr; <code>" + esc(m.rcpt_to) + "</code>, " + std::to_string(m.size) + " bytes";
  if (!m.auth_user.empty()) out += ", authenticated as <code>" + esc(m.auth_user) + "</code>";
  out += "</summary>\n<pre>" + headers + "</pre>\n<pre>" + body + "</pre></details>\n";
}

// Seed 000's table for this scenario: the stages that decided something,
// what each consults, and the rule files the decisions actually cited.
void write_consulted(std::string& out, const scenario_result& sc) {
  std::map<stage, std::set<std::string>> cited;  // enum order is the catalogue's order
  auto cite = [&](stage s, const std::optional<rule_ref>& r) {
    auto& files = cited[s];
    if (r && !r->file.empty()) files.insert(r->file);
  };
  for (auto& session : sc.sessions)
    for (auto& e : session.events) {
      if (auto* d = std::get_if<stage_decision>(&e.what)) cite(d->id, d->rule);
      if (auto* f = std::get_if<filter_invocation>(&e.what)) {
        cite(f->hook, f->selector);
        cite(f->hook, f->line);
      }
    }
  if (cited.empty()) return;
  out += "<h3>Files consulted per stage</h3>\n<table class=\"consults\"><tr><th>stage</th><th>group</th><th>consults</th>"
         "<th>rule files cited</th></tr>\n";
  for (auto& [id, files] : cited) {
    const auto& si = info(id);
    out += "<tr><td class=\"stage\">" + esc(si.name) + "</td><td>" + esc(si.group) + "</td><td>" + esc(si.consults) +
           "</td><td>";
    bool first = true;
    for (auto& file : files) {
      out += (first ? "" : ", ") + ("<span class=\"loc\">" + esc(file) + "</span>");
      first = false;
    }
    if (files.empty()) out += "&mdash;";
    out += "</td></tr>\n";
  }
  out += "</table>\n";
}

std::string filter_key(const scenario_result& sc) {
  const std::string key = esc(sc.path + " " + display_name(sc) + " " + sc.status);
  return to_lower(key);
}

void write_scenario(std::string& out, const scenario_result& sc, std::size_t index) {
  const bool timings = sc.duration_ms >= 0;
  const auto cls = status_class(sc);
  out += "<section class=\"scenario " + std::string(cls) + "\" id=\"" + anchor(index) + "\" data-key=\"" +
         filter_key(sc) + "\" data-status=\"" + std::string(cls) + "\">\n";
  out += "<h2><span class=\"badge " + std::string(cls) + "\">" + esc(sc.status) + "</span>" + esc(display_name(sc)) +
         "<small>" + esc(sc.path) + "</small></h2>\n<dl class=\"facts\">";
  auto fact = [&](std::string_view name, const std::string& value) {
    if (!value.empty()) out += "<dt>" + std::string(name) + "</dt><dd>" + esc(value) + "</dd>";
  };
  fact("mode", sc.mode);
  fact("mailroot", sc.mailroot);
  fact("start", sc.start_time);
  fact("checks", std::to_string(sc.checks));
  if (timings) fact("duration", std::to_string(sc.duration_ms) + " ms");
  out += "</dl>\n";
  if (!sc.description.empty()) out += "<p class=\"description\">" + esc_lines(sc.description) + "</p>\n";
  if (!sc.notes.empty()) {
    out += "<ul class=\"notes\">";
    for (auto& note : sc.notes) out += "<li>" + esc(note) + "</li>";
    out += "</ul>\n";
  }
  if (!sc.error.empty()) out += "<div class=\"error-box\"><pre>" + esc_lines(sc.error) + "</pre></div>\n";
  if (!sc.failures.empty()) {
    out += "<h3>Failures (" + std::to_string(sc.failures.size()) + ")</h3>\n";
    for (auto& f : sc.failures) write_failure(out, f);
  }
  for (std::size_t i = 0; i < sc.sessions.size(); ++i) write_session(out, sc.sessions[i], i, timings, sc.start_ms);
  if (!sc.spooled.empty()) {
    out += "<h3>Spooled messages (" + std::to_string(sc.spooled.size()) + ")</h3>\n";
    for (std::size_t i = 0; i < sc.spooled.size(); ++i) write_message(out, sc.spooled[i], same_body_as(sc.spooled, i));
  }
  write_consulted(out, sc);
  out += "</section>\n";
}

void write_summary(std::string& out, const run_result& run) {
  const auto total = run.scenarios.size(), passed = run.passed(), failed = run.failed();
  out += "<div class=\"counts\"><div class=\"count\">scenarios<b>" + std::to_string(total) +
         "</b></div><div class=\"count passed\">passed<b>" + std::to_string(passed) +
         "</b></div><div class=\"count failed\">failed<b>" + std::to_string(failed) + "</b></div></div>\n";
  out += "<div class=\"tools\"><input type=\"search\" id=\"filter\" placeholder=\"filter by path or name\" "
         "aria-label=\"filter scenarios\"><label><input type=\"checkbox\" id=\"only-failed\"> failures only</label></div>\n";
  out += "<table class=\"summary\"><tr><th>status</th><th>scenario</th><th>path</th><th>checks</th><th>first "
         "failure</th></tr>\n";
  // Failures first, each group in the model's (path) order.
  for (int pass = 0; pass < 2; ++pass)
    for (std::size_t i = 0; i < run.scenarios.size(); ++i) {
      const auto& sc = run.scenarios[i];
      const auto cls = status_class(sc);
      if ((cls == "passed") != (pass == 1)) continue;
      std::string first;
      if (!sc.failures.empty()) first = sc.failures.front().where + ": " + sc.failures.front().what;
      else if (!sc.error.empty()) first = split_lines(sc.error).front();
      out += "<tr class=\"row-" + std::string(cls) + "\" data-key=\"" + filter_key(sc) + "\" data-status=\"" +
             std::string(cls) + "\"><td><span class=\"badge " + std::string(cls) + "\">" + esc(sc.status) +
             "</span></td><td><a href=\"#" + anchor(i) + "\">" + esc(display_name(sc)) + "</a></td><td class=\"mono\">" +
             esc(sc.path) + "</td><td>" + std::to_string(sc.checks) + "</td><td class=\"first\">" + esc(first) +
             "</td></tr>\n";
    }
  out += "</table>\n";
}

}  // namespace

void write_html(const run_result& run, std::ostream& out) {
  std::string page;
  page += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>mailflow replay: " +
          std::to_string(run.failed()) + " of " + std::to_string(run.scenarios.size()) +
          " failed</title>\n<style>" + std::string(style) + "</style>\n</head>\n<body>\n";
  page += "<header><h1>mailflow replay report</h1><p class=\"meta\">" + esc(run.tool_version) + "</p></header>\n<main>\n";
  write_summary(page, run);
  for (std::size_t i = 0; i < run.scenarios.size(); ++i) write_scenario(page, run.scenarios[i], i);
  page += "</main>\n<script>" + std::string(script) + "</script>\n</body>\n</html>\n";
  out << page;
}

}  // namespace mailflow::reports
