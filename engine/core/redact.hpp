// Secrets never reach a report (PRODUCT.md): AUTH payloads and passwords are
// shown as "***". This file is the one place that decides what a client line
// looks like in a report; the engine's timeline and the harness's step text
// both go through it, so they cannot disagree.
#pragma once

#include <string>
#include <string_view>

namespace mailflow {

// A client line as it may be reported. `answering_challenge` is true when the
// line answers a 334 prompt (AUTH LOGIN user/password, CRAM-MD5 digest, PLAIN
// credentials): the whole line is a secret. "AUTH PLAIN <initial response>"
// keeps the command and mechanism and hides the response. POP3 "PASS x" and
// "APOP user digest" hide the secret part. Any run of blanks or control bytes
// separates words here, even where the engine would refuse the line: a
// malformed command still carries the credentials.
std::string redact_client_line(std::string_view line, bool answering_challenge);

// How many lines after `line` answer SASL prompts when the client does not
// wait for them (RFC 4954 section 4: AUTH LOGIN 2, or 1 with an initial
// response; AUTH PLAIN without one 1; CRAM-MD5 1).
int sasl_answers_after(std::string_view line);

// The client side of one connection as a client that cannot see the
// server's state reports it: the harness, which may pipeline an AUTH exchange
// or split a line over several raw steps. Every line goes through
// redact_client_line; lines that will answer a prompt are secrets before the
// prompt arrives.
class client_redactor {
 public:
  // One whole line (no line ending), as reported.
  std::string line(std::string_view text);
  // Bytes as sent, line endings kept: each line redacted. A line that does not
  // end here continues in the next call; its start is shown now only when no
  // ending could make it a secret, else as "***".
  std::string bytes(std::string_view data);
  // The server's reply ended with `last_line`: a 334 makes the next line an
  // answer; anything else ends the exchange.
  void server_replied(std::string_view last_line);
  // The next line is a secret whatever it says (a step marked secret).
  void next_is_secret() { answering_ = true; }

 private:
  bool secret_now() const { return answering_ || pending_answers_ > 0; }
  bool may_become_secret(std::string_view start) const;

  bool answering_ = false;      // the last reply was a 334
  int pending_answers_ = 0;     // lines still to come that answer a pipelined AUTH exchange
  std::string partial_;         // the start of a line sent without its ending
  bool partial_hidden_ = false; // that start was shown as "***"
};

}  // namespace mailflow
