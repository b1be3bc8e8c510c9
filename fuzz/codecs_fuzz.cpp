// libFuzzer target: the decoders that take client bytes before any state
// machine does: base64 (AUTH answers), XMail's password encoding, and the
// MAIL FROM / RCPT TO path parser. Invariants:
//  - base64: what decodes re-encodes to the same text (the decoder is strict,
//    so there is one spelling), and any bytes encode then decode to themselves;
//    XMail's lenient reading agrees on strict text and never outgrows it;
//  - the password encoding round-trips;
//  - a path the parser accepts holds no CR, LF or NUL and is shorter than
//    1024 octets (RFC 5321 4.5.3.1.3; XMail's limit).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/codec.hpp"
#include "smtp/path.hpp"

namespace {

[[noreturn]] void violated(const char* what, const std::string& detail) {
  std::fprintf(stderr, "invariant violated: %s\n%s\n", what, detail.substr(0, 2000).c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mailflow;
  std::string text(reinterpret_cast<const char*>(data), size);
  auto strict = base64_decode(text);
  if (strict && base64_encode(*strict) != text) violated("base64 has two spellings of the same bytes", text);
  if (base64_decode(base64_encode(text)) != text) violated("base64 does not round-trip", text);
  // XMail's lenient reading takes every strict text to the same bytes, and never makes bytes up
  auto lenient = xmail_base64_decode(text);
  if (strict && !text.empty() && lenient != strict) violated("the XMail reading differs on strict base64", text);
  if (lenient && lenient->size() > text.size() / 4 * 3) violated("the XMail reading grew the text", text);
  if (!text.empty() && xmail_base64_decode(base64_encode(text)) != text)
    violated("the XMail reading does not round-trip", text);
  if (xmail_password_decode(xmail_password_encode(text)) != text) violated("the password encoding does not round-trip", text);
  // The session refuses a command line with NUL, CR, LF or an 8-bit byte
  // before parsing it (500); the parser sees only the rest.
  bool command_line = true;
  for (unsigned char c : text) command_line = command_line && c != 0 && c != '\r' && c != '\n' && c < 0x80;
  if (command_line) {
    smtp::parsed_path p;
    if (smtp::parse_path(text, p))
      for (auto& part : p.parts) {
        if (part.find_first_of(std::string("\r\n\0", 3)) != std::string::npos)
          violated("a parsed path holds CR, LF or NUL", part);
        if (part.size() >= 1024) violated("a parsed path of 1024 octets or more", part.substr(0, 100));
        if (part.find_first_of(",:") != std::string::npos) violated("a path part holds ',' or ':'", part);
      }
  }
  return 0;
}
