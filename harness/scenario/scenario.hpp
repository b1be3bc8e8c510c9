// A scenario file (harness/README.md, schema harness/scenario.xsd) as typed
// data: the MailRoot fixture and its overlays, the virtual environment, the
// client sessions with their reply expectations, and the expected outcomes.
// Every element keeps the line it was written on, so a failure cites it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailflow::harness {

struct overlay_file {
  std::uint32_t line = 0;
  std::string path;        // relative to the MailRoot
  std::string content;
  bool executable = false;
  bool append = false;
  bool remove = false;     // <remove path=...>
};

struct expected_line {
  std::string text;        // exact, or a regex when `regex`
  bool regex = false;
};

// Expectations on one reply; every given field must hold.
struct reply_expectation {
  std::optional<std::string> code;
  std::optional<std::string> exact;   // whole reply, lines joined with '\n'
  std::optional<std::string> match;   // regex over the whole reply
  std::optional<std::vector<expected_line>> lines;
  std::optional<bool> closed;
  bool none = false;                  // no reply may arrive
  bool any() const { return code || exact || match || lines || closed || none; }
};

struct step {
  enum class kind { greeting, send, raw, base64, auth_plain, cram_md5, read, pause, close };
  kind what = kind::send;
  std::uint32_t line = 0;
  std::string text;        // send: the line; raw: decoded bytes; base64: the plain text
  std::string user, password;  // auth-plain, cram-md5
  int seconds = 0;         // pause
  bool wait = true;        // reads a reply
  bool secret = false;     // send/raw/base64 secret="true": the report shows "***" for what it sent
  reply_expectation expect;
  // Where the reply expectation attributes are, for --update.
  bool has_reply_children = false;
};

struct session_script {
  std::uint32_t line = 0;
  std::string protocol = "smtp";
  std::string client, server;  // "IP:PORT"; empty: env's
  bool trailing_any = false;
  std::optional<int> at_seconds;  // at="N": connects N s after the start, alongside the other sessions
  int after_seconds = 0;          // after="N": connects N s after the previous session ended
  std::vector<step> steps;     // steps[0] is the greeting
};

struct expected_decision {
  std::uint32_t line = 0;
  std::string stage;
  std::optional<std::string> outcome, rule, input, reply;
  std::optional<int> count;
};

struct expected_filter {
  std::uint32_t line = 0;
  std::string hook;
  std::optional<std::string> action, status, rej;
  std::optional<int> exit_code;
  std::optional<bool> stop;
  std::optional<int> count;
};

struct expected_header {
  std::string name;
  std::optional<std::string> value, match;
  bool absent = false;
};

struct expected_body {
  std::optional<std::string> contains, match, equals;
};

struct expected_message {
  std::uint32_t line = 0;
  std::optional<std::string> rcpt, from, auth;
  std::vector<expected_header> headers;
  std::vector<expected_body> bodies;
};

// A remote MTA for delivery scenarios: what it answers to each command.
struct peer_rule {
  std::uint32_t line = 0;
  std::string command;               // "CONNECT", "EHLO", "MAIL", "RCPT", "DATA", "DOT" (end of data)
  std::optional<std::string> match;  // regex on the command line; every line when absent
  std::string reply;                 // "550 5.1.1 User unknown"
};

struct scripted_peer {
  std::uint32_t line = 0;
  std::string host;                  // the MX or gateway name it answers for
  std::string address;               // "IP:PORT", may be empty
  std::vector<peer_rule> rules;      // first match wins; unmatched commands get 250 (354 for DATA)
};

// A POP3 login recorded before the scenario starts (POP3-before-SMTP, manual: EnableAuthSMTP-POP3).
struct pop3_login {
  std::uint32_t line = 0;
  std::string ip;
  std::int64_t seconds_before_start = 0;
};

// A program whose run the scenario scripts instead of running it: it "exits"
// with `exit_code` after `after_seconds` of virtual time.
struct scripted_process {
  std::uint32_t line = 0;
  std::string program;             // argv[0] after {root} substitution, or a '*'/'?' pattern
  int exit_code = 0;
  int after_seconds = 0;
};

struct scenario {
  std::filesystem::path file;      // as given
  std::string name, description;
  std::string fixture;             // as written
  std::filesystem::path fixture_path;  // resolved against the file's folder
  std::uint32_t fixture_line = 0;
  std::vector<overlay_file> overlays;
  std::string start = "2009-04-05T13:47:22+09:00";
  std::int64_t start_ms = 1238906842000;
  int utc_offset_minutes = 540;
  std::string client = "127.0.0.1:40000", server = "127.0.0.1:25", sink = "127.0.0.1:2525";
  int max_recipients = 100;
  int pop3_expire_seconds = 900;   // XMail's -Se
  std::vector<pop3_login> pop3_logins;
  bool tls = false;
  std::string dns_zone;
  std::uint32_t dns_line = 0;
  std::vector<scripted_peer> peers;
  std::vector<scripted_process> processes;
  std::vector<session_script> sessions;
  std::vector<expected_decision> decisions;
  std::vector<expected_filter> filters;
  std::vector<expected_message> messages;
  std::optional<int> message_count;
  std::uint32_t expect_line = 0;
  bool has_expect = false;
};

// Reads a scenario; on failure returns nullopt and sets `error` to "file:line: message".
std::optional<scenario> load_scenario(const std::filesystem::path& file, std::string& error);
// The same on text already in memory; `file` is where it came from (errors cite it, the fixture is resolved
// against its folder). Nothing is read from disk.
std::optional<scenario> parse_scenario(std::string_view text, const std::filesystem::path& file, std::string& error);

// Parses RFC 3339 ("2009-04-05T13:47:22+09:00", "...Z"): Unix ms and the offset in minutes.
bool parse_rfc3339(std::string_view text, std::int64_t& unix_ms, int& offset_minutes);

}  // namespace mailflow::harness
