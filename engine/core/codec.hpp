// Encodings used by the protocols and by XMail's files: base64 (AUTH,
// RFC 4648), MD5/HMAC-MD5 (CRAM-MD5 RFC 2195, APOP, CTRL #md5), and
// XMail's password scrambling (XMCrypt: each byte XOR 101, two lowercase hex digits).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mailflow {

std::string base64_encode(std::string_view data);
// Strict (RFC 4648): rejects characters outside the alphabet, bad padding
// and non-zero unused bits, so each byte string has one spelling.
// For text mailflow itself reads (transcripts, challenges).
std::optional<std::string> base64_decode(std::string_view text);
// How XMail 1.27 reads a client's base64 (AUTH answers): an optional "+ "
// prefix is skipped; empty text is an error; only whole 4-character groups
// count (a trailing partial group is ignored); in each group the first two
// characters must be in the alphabet and the last two may be '=' (one '='
// in third place ends that group's output); '=' may close any group, not
// only the last; unused low bits are ignored. Recorded against XMail 1.27
// (harness scenario scenarios/auth/18-base64-as-xmail-reads-it.xml).
std::optional<std::string> xmail_base64_decode(std::string_view text);

std::string md5_hex(std::string_view data);
std::string hmac_md5_hex(std::string_view key, std::string_view data);

// XMail's reversible password encoding ("xmail" <-> "1d08040c09").
std::string xmail_password_encode(std::string_view clear);
// nullopt when the text is not an even-length lowercase/uppercase hex string.
std::optional<std::string> xmail_password_decode(std::string_view encoded);

}  // namespace mailflow
