// Encodings used by the protocols and by XMail's files: base64 (AUTH,
// RFC 4648), MD5/HMAC-MD5 (CRAM-MD5 RFC 2195, APOP, CTRL #md5), and
// XMail's password scrambling (XMCrypt: each byte XOR 101, two lowercase hex digits).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mailflow {

std::string base64_encode(std::string_view data);
// Strict: rejects characters outside the alphabet and bad padding.
std::optional<std::string> base64_decode(std::string_view text);

std::string md5_hex(std::string_view data);
std::string hmac_md5_hex(std::string_view key, std::string_view data);

// XMail's reversible password encoding ("xmail" <-> "1d08040c09").
std::string xmail_password_encode(std::string_view clear);
// nullopt when the text is not an even-length lowercase/uppercase hex string.
std::optional<std::string> xmail_password_decode(std::string_view encoded);

}  // namespace mailflow
