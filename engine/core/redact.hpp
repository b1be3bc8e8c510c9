// Secrets never reach a report (PRODUCT.md): AUTH payloads and passwords are shown as "***".
#pragma once

#include <string>
#include <string_view>

namespace mailflow {

// A client line as it may be reported. `answering_challenge` is true when the
// line answers a 334 prompt (AUTH LOGIN user/password, CRAM-MD5 digest, PLAIN
// credentials): the whole line is a secret. "AUTH PLAIN <initial response>"
// keeps the command and mechanism and hides the response. POP3 "PASS x" and
// "APOP user digest" hide the secret part.
std::string redact_client_line(std::string_view line, bool answering_challenge);

}  // namespace mailflow
