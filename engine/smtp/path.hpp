// Parsing of the MAIL FROM / RCPT TO arguments (RFC 5321 4.1.2) the way
// XMail 1.27 accepts them: "FROM:" / "TO:" in any case, optional spaces
// before the path, the path in angle brackets, then ESMTP parameters that are
// ignored unless known (SIZE=, BODY=). A path of 1024 octets or more is
// refused (XMail has no separate limit on the local part or domain).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mailflow::smtp {

struct parsed_path {
  std::string address;         // "user@domain", "" for the null path
  bool source_routed = false;  // "@a,@b:user@c"
  std::string route;           // "@a,@b" when source-routed
  std::optional<std::uint64_t> size;  // SIZE=n when numeric
  std::string last_bracketed;  // the last <...> on the line (XMail puts it in Received: "from <...>")
};

enum class path_error { none, no_keyword, bad_path };

// Parses "FROM:<...> params" (keyword "FROM") or "TO:<...> params" (keyword "TO").
path_error parse_path_argument(std::string_view arg, std::string_view keyword, parsed_path& out);

// RFC 5321 Mailbox syntax: local-part "@" domain (dot-atom or quoted local
// part; domain labels or an address literal).
bool valid_mailbox(std::string_view address);

// Splits "user@domain" at the last '@'.
std::pair<std::string, std::string> split_address(std::string_view address);

}  // namespace mailflow::smtp
