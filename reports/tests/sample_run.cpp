#include "sample_run.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "writers.hpp"

namespace mailflow::reports::test {

namespace {

// Events as the engine stamps them: all at the scenario's start (no time passes), session 1.
std::vector<timed_event> stamp(std::vector<event> events) {
  std::vector<timed_event> out;
  std::int64_t at = 1238906842000;
  for (auto& e : events) out.push_back(timed_event{at, event_origin::session, 1, std::move(e)});
  return out;
}

server_reply reply(std::vector<std::string> lines) { return server_reply{std::move(lines)}; }

stage_decision decision(stage id, std::string input, outcome result, std::optional<rule_ref> rule, std::string reply_text,
                        std::string detail) {
  return stage_decision{id, std::move(input), result, std::move(rule), std::move(reply_text), std::move(detail)};
}

step_result step(std::uint32_t line, std::string kind, std::string sent, std::vector<std::string> reply_lines,
                 bool passed = true) {
  step_result s;
  s.scenario_line = line;
  s.kind = std::move(kind);
  s.sent = std::move(sent);
  s.read_reply = true;
  s.reply_status = reply_lines.empty() ? "none" : "reply";
  s.reply = std::move(reply_lines);
  s.passed = passed;
  return s;
}

scenario_result passing_scenario() {
  scenario_result sc;
  sc.path = "scenarios/seed000/cop-to-love.xml";
  sc.name = "cop-to-love";
  sc.description = "cop@hunet.jp sends to love@soopoo.jp after AUTH LOGIN (seed 000)";
  sc.mode = "in-process";
  sc.mailroot = "../../fixtures/mailroots/hunet";
  sc.start_time = "2009-04-05T13:47:22+09:00";
  sc.start_ms = 1238906842000;
  sc.status = "passed";
  sc.checks = 14;
  sc.notes = {"DNS answers from the scenario zone only"};

  session_result s;
  s.protocol = "smtp";
  s.client = "203.0.113.9:40123";
  s.server = "127.0.0.1:25";
  const std::string greeting =
      "220 hunet.jp <1238906842.1660@hunet.jp> [XMail 1.27 ESMTP Server] service ready; Sun, 5 Apr 2009 13:47:22 +0900";
  s.events = stamp({
      decision(stage::connect_ipmap, "203.0.113.9", outcome::pass, std::nullopt, "", "no smtp.ipmap.tab entry matches"),
      decision(stage::connect_spammers, "203.0.113.9", outcome::pass, rule_ref{"spammers.tab", 0, ""}, "",
               "no line matches the client address"),
      reply({greeting}),
      client_line{"EHLO hunet.jp"},
      decision(stage::helo, "hunet.jp", outcome::accept, std::nullopt, "", "EHLO accepted"),
      reply({"250-hunet.jp", "250-VRFY", "250-ETRN", "250-8BITMIME", "250-PIPELINING", "250-AUTH LOGIN PLAIN CRAM-MD5",
             "250-SIZE", "250 STARTTLS"}),
      client_line{"AUTH LOGIN"},
      reply({"334 VXNlcm5hbWU6"}),
      client_line{"***"},
      reply({"334 UGFzc3dvcmQ6"}),
      client_line{"***"},
      decision(stage::auth, "cop@hunet.jp", outcome::accept,
               rule_ref{"mailusers.tab", 3, "\"hunet.jp\"\t\"cop\"\t\"***\"\t1\t\"cop\"\t\"U\""},
               "235 Authentication successful", "LOGIN credentials match the account"),
      reply({"235 Authentication successful"}),
      client_line{"MAIL From:<cop@hunet.jp>"},
      decision(stage::mail_policy, "<cop@hunet.jp>", outcome::pass, std::nullopt, "", "authenticated: MailAuth satisfied"),
      reply({"250 OK"}),
      client_line{"RCPT To:<love@soopoo.jp>"},
      decision(stage::rcpt_local, "<love@soopoo.jp>", outcome::skip, rule_ref{"domains.tab", 0, ""}, "",
               "soopoo.jp is not a local domain"),
      decision(stage::rcpt_relay, "<love@soopoo.jp>", outcome::accept, std::nullopt, "250 OK",
               "authenticated user with R permission may relay"),
      filter_invocation{stage::filter_post_rcpt,
                        std::nullopt,
                        rule_ref{"filters.post-rcpt.tab", 1, "\"/bin/sh\"\t\"{root}/filters/rcpt.sh\"\t\"@@RCPTADDR\""},
                        {"/bin/sh", "{root}/filters/rcpt.sh", "love@soopoo.jp"},
                        filter_status::exited,
                        0,
                        filter_action::accept,
                        false,
                        "",
                        false,
                        7},
      reply({"250 OK"}),
      client_line{"DATA"},
      reply({"354 Start mail input; end with <CRLF>.<CRLF>"}),
      decision(stage::data_receive, "412", outcome::accept, std::nullopt, "", "412 bytes within MaxMessageSize"),
      filter_invocation{stage::filter_post_data,
                        std::nullopt,
                        rule_ref{"filters.post-data.tab", 2, "\"{root}/filters/tag.sh\"\t\"@@FILE\""},
                        {"{root}/filters/tag.sh", "{root}/spool/temp/S2"},
                        filter_status::exited,
                        16 + 0,
                        filter_action::modify,
                        true,
                        "",
                        true,
                        12},
      decision(stage::queue_spool, "S2", outcome::accept, std::nullopt, "250 OK <S2> Mail accepted", ""),
      message_spooled{"S2", "spool/local/S2", "cop@hunet.jp", {"love@soopoo.jp"}, 412},
      reply({"250 OK <S2> Mail accepted"}),
      client_line{"QUIT"},
      reply({"221 [XMail 1.27 ESMTP Server] service closing transmission channel"}),
      session_note{note_kind::close, "server closed after QUIT"},
  });
  s.steps = {step(14, "greeting", "", {greeting}),
             step(15, "send", "EHLO hunet.jp", {"250-hunet.jp", "250 STARTTLS"}),
             step(16, "send", "AUTH LOGIN", {"334 VXNlcm5hbWU6"}),
             step(17, "base64", "***", {"334 UGFzc3dvcmQ6"}),
             step(18, "base64", "***", {"235 Authentication successful"}),
             step(19, "send", "MAIL From:<cop@hunet.jp>", {"250 OK"}),
             step(20, "send", "RCPT To:<love@soopoo.jp>", {"250 OK"}),
             step(21, "send", "DATA", {"354 Start mail input; end with <CRLF>.<CRLF>"}),
             step(22, "raw", "Subject: test\\r\\n\\r\\nhello\\r\\n.\\r\\n", {"250 OK <S2> Mail accepted"}),
             step(23, "send", "QUIT", {"221 [XMail 1.27 ESMTP Server] service closing transmission channel"})};
  s.closed_by_server = true;
  sc.sessions.push_back(std::move(s));

  spooled_message m;
  m.message_ref = "S2";
  m.mail_from = "MAIL FROM:<cop@hunet.jp>";
  m.rcpt_to = "RCPT TO:<love@soopoo.jp>";
  m.auth_user = "cop@hunet.jp";
  m.size = 412;
  m.added_headers =
      "Received: from hunet.jp (203.0.113.9) by hunet.jp with [XMail 1.27 ESMTP Server]\r\n"
      "\tid <S2> for <love@soopoo.jp> from <cop@hunet.jp>;\r\n"
      "\tSun, 5 Apr 2009 13:47:22 +0900\r\n"
      "X-AuthUser: cop@hunet.jp\r\n";
  m.body = std::make_shared<const std::string>(
      "X-Filter: tagged\r\n"
      "Subject: test\r\n"
      "\r\n"
      "hello\r\n");
  // a second recipient of the same message shares its body
  spooled_message m2 = m;
  m2.rcpt_to = "RCPT TO:<cop@hunet.jp>";
  m2.added_headers = "X-AuthUser: cop@hunet.jp\r\n";
  m2.size = m2.added_headers.size() + m2.body->size();
  sc.spooled.push_back(std::move(m));
  sc.spooled.push_back(std::move(m2));
  return sc;
}

// Fails on a reply and on a decision; its client sends markup, control
// bytes, invalid UTF-8 and a redacted AUTH PLAIN.
scenario_result failing_scenario() {
  scenario_result sc;
  sc.path = "scenarios/relay/denied.xml";
  sc.name = "relay-denied";
  sc.description = "an unauthenticated client may not relay\nsecond line <b>of</b> the description";
  sc.mode = "in-process";
  sc.mailroot = "../../fixtures/mailroots/hunet";
  sc.start_time = "2009-04-05T13:47:22+09:00";
  sc.start_ms = 1238906842000;
  sc.status = "failed";
  sc.checks = 6;

  session_result s;
  s.protocol = "smtp";
  s.client = "198.51.100.7:40000";
  s.server = "127.0.0.1:25";
  s.events = stamp({
      reply({"220 hunet.jp ESMTP"}),
      client_line{"HELO <script>alert(1)</script>"},
      decision(stage::helo, "<script>alert(1)</script>", outcome::flag, std::nullopt, "", "odd HELO & noted"),
      reply({"250 hunet.jp"}),
      client_line{"AUTH PLAIN ***"},
      decision(stage::auth, "***", outcome::reject, rule_ref{"mailusers.tab", 0, ""}, "504 Authentication failed",
               "no such account"),
      reply({"504 Authentication failed"}),
      client_line{std::string("MAIL FROM:<a\x01" "b@x.example>\x1b[31m\xff\xc0\xaf")},
      decision(stage::mail_spam_address, "<a\x01" "b@x.example>", outcome::pass, std::nullopt, "", ""),
      reply({"250 OK"}),
      client_line{"RCPT TO:<love@soopoo.jp>"},
      decision(stage::rcpt_relay, "<love@soopoo.jp>", outcome::reject,
               rule_ref{"smtprelay.tab", 2, "\"192.0.2.0\"\t\"255.255.255.0\""}, "550 Relay denied",
               "client address not in smtprelay.tab and not authenticated"),
      reply({"550 Relay denied"}),
      filter_invocation{stage::filter_in,
                        rule_ref{"filters.in.tab", 4, "\"*\"\t\"*\"\t\"0.0.0.0/0\"\t\"0.0.0.0/0\"\t\"spam.tab\""},
                        rule_ref{"filters/spam.tab", 1, "\"{root}/filters/spam.sh\"\t\"@@FILE\""},
                        {"{root}/filters/spam.sh", "{root}/spool/local/S9"},
                        filter_status::exited,
                        3,
                        filter_action::reject,
                        false,
                        "550 looks like spam: \"viagra\"",
                        false,
                        40},
      session_note{note_kind::delay, "tarpit 1s"},
      client_line{"QUIT"},
  });
  s.steps = {step(9, "greeting", "", {"220 hunet.jp ESMTP"}),
             step(10, "send", "HELO <script>alert(1)</script>", {"250 hunet.jp"}),
             step(11, "auth-plain", "AUTH PLAIN ***", {"504 Authentication failed"}),
             step(12, "raw", "MAIL FROM:<a\\x01b@x.example>\\r\\n", {"250 OK"}),
             step(13, "send", "RCPT TO:<love@soopoo.jp>", {"550 Relay denied"}, false),
             step(14, "send", "QUIT", {}, false)};
  s.steps.back().reply_status = "closed";
  s.trailing = {"421 hunet.jp service not available\x07"};
  sc.sessions.push_back(std::move(s));

  sc.failures = {
      {"scenarios/relay/denied.xml:13", "reply to RCPT TO:<love@soopoo.jp>", "250", "550 Relay denied"},
      {"scenarios/relay/denied.xml:31", "decision rcpt.relay",
       "outcome accept\nrule smtprelay.tab:2", "outcome reject\nrule smtprelay.tab:2\nreply 550 Relay denied"},
      {"scenarios/relay/denied.xml:14", "reply to QUIT", "221", ""},
  };
  return sc;
}

scenario_result error_scenario() {
  scenario_result sc;
  sc.path = "scenarios/broken.xml";
  sc.name = "broken";
  sc.status = "error";
  sc.error = "scenarios/broken.xml:7: unknown step <frobnicate>";
  return sc;
}

scenario_result timeout_scenario() {
  scenario_result sc;
  sc.path = "slow-peer.xml";  // no name: the file stem stands in
  sc.mode = "target";
  sc.status = "timeout";
  sc.error = "slow-peer.xml: no reply within 30 s";
  sc.notes = {"stage expectations skipped: replayed against a real server"};
  return sc;
}

}  // namespace

run_result sample_run() {
  run_result run;
  run.tool_version = "mailflow 0.1";
  run.scenarios = {error_scenario(), failing_scenario(), passing_scenario(), timeout_scenario()};
  return run;
}

std::string xml_of(const run_result& run) {
  std::ostringstream out;
  write_xml(run, out);
  return out.str();
}

std::string junit_of(const run_result& run) {
  std::ostringstream out;
  write_junit(run, out);
  return out.str();
}

std::string html_of(const run_result& run) {
  std::ostringstream out;
  write_html(run, out);
  return out.str();
}

std::string save_artifact(const std::string& name, const std::string& text) {
  const auto dir = std::filesystem::path(MAILFLOW_BINARY_DIR) / "reports";
  std::filesystem::create_directories(dir);
  const auto path = dir / name;
  std::ofstream(path, std::ios::binary) << text;
  return path.string();
}

bool has_raw_control_bytes(const std::string& text) {
  for (unsigned char c : text)
    if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7F) return true;
  return false;
}

}  // namespace mailflow::reports::test
