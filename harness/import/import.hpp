// mailflow import: recorded sessions to scenarios (harness/README.md).
// Three inputs: the seed's prose transcript (server lines start with a reply
// code, parenthesised narration), plain "S:"/"C:" dialogues, and the
// conformance transcripts (JSON) with their case folder. Each is read into
// the same small model, which the writer turns into scenario XML.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace mailflow::import {

// Unreadable or unknown input; what() is "file:line: message".
class import_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class transcript_format { seed, plain, conformance };
// JSON when the text starts with '{', "S:"/"C:" lines when any line starts
// with one of them, the seed's prose otherwise.
transcript_format detect_format(std::string_view text);
std::string_view format_name(transcript_format f);

// A recorded reply. No lines and closed: the connection closed instead.
struct recorded_reply {
  std::vector<std::string> lines;
  bool closed = false;  // the server closed the connection after it
  bool none = false;    // nothing arrived (the server waited)
};

struct step {
  enum class kind { send, raw, base64, auth_plain, cram_md5, read, pause, close };
  kind what = kind::send;
  std::string text;      // send: the line; raw: harness escapes; base64: the clear text; pause: seconds
  std::string user, password;  // auth_plain, cram_md5
  bool wait = true;      // send/raw: read a reply
  bool secret = false;   // it carries the --secret text: written secret="true"
  std::optional<recorded_reply> reply;  // the expectation (only when wait)
  std::uint32_t source_line = 0;        // where it came from, for diagnostics
};

struct session {
  std::optional<recorded_reply> greeting;
  std::vector<step> steps;
};

// A message the SMTP engine is expected to spool (one per accepted recipient).
struct expected_message {
  std::string rcpt, from;
  std::string body_contains;  // empty: not checked
  std::string auth_user;      // the X-AuthUser header (empty: not checked)
};

struct scenario {
  std::string name;
  std::string description;
  std::string mailroot;  // fixture path as written in the XML (relative to the scenario)
  std::vector<session> sessions;
  // Derived from the sessions when every reply could be attributed to its
  // command; nullopt: not checked.
  std::optional<std::vector<expected_message>> messages;
};

struct options {
  std::optional<std::string> secret;  // stands for masked client lines ("****")
  std::string name;                   // scenario name (default: from the input)
};

// Seed format and plain S:/C: lines. `file` names the input in diagnostics.
scenario read_seed(std::string_view text, const std::string& file, const options& opt);
scenario read_plain(std::string_view text, const std::string& file, const options& opt);

// A conformance transcript and its case folder (case.json, session scripts).
// Only SMTP sessions are imported; the description says what was left out.
struct conformance_input {
  std::string case_name;      // "001-classic-local-auth-login"
  std::string title;
  bool has_smtp = false;
  std::vector<std::string> skipped_sessions;  // "02.pop3 (pop3)"
  scenario result;
};
// The case a transcript belongs to (its "case" field).
// One plain folder or file name: letters, digits, '-', '_', '.', not starting
// with '.', at most 200 bytes. Case names and session files must be one.
bool plain_name(std::string_view name);
// The transcript's case name (checked with plain_name).
std::string conformance_case_name(std::string_view json_text, const std::string& file);
conformance_input read_conformance(std::string_view json_text, const std::string& file,
                                   const std::filesystem::path& case_dir, const options& opt);

// Copies cases/NNN/mailroot to `dest` (replacing it): .keep files in the
// folders of mailroot.dirs and in every other empty folder, *.sh executable.
void copy_case_mailroot(const std::filesystem::path& case_dir, const std::filesystem::path& dest);

// Fills scenario::messages from the replies (see derive in messages.cpp).
void derive_messages(scenario& s);

// Reply normalisation: the regex (ECMAScript, whole line) standing for one
// recorded line when it has volatile parts (greeting token, dates, <S…>
// message references, the product token, loopback ports, CRAM-MD5
// challenges), nullopt when the line is to be compared exactly.
std::optional<std::string> line_regex(std::string_view line);
std::string regex_escape(std::string_view literal);

// Python's escapes (the conformance scripts) to bytes; the way back to a
// scenario's raw escapes is escape_bytes (core/text.hpp).
std::string decode_python_escapes(std::string_view text);
// A line the scenario can carry in a send step: printable ASCII and tabs.
bool sendable_as_line(std::string_view bytes);

std::string to_xml(const scenario& s);

}  // namespace mailflow::import
