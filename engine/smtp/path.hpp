// MAIL FROM / RCPT TO paths read the way XMail 1.27 reads them, which is
// not RFC 5321's grammar (recorded against the real server: scenario
// scenarios/mail/09-path-forms-as-xmail-reads-them.xml):
//  - the session has matched "MAIL FROM:" / "RCPT TO:" (any case); the path
//    is between the first '<' of the rest and the next '>', whatever comes
//    before or after them; no '<' or '>' is error -31, a path of 1024
//    octets or more too;
//  - a non-empty path is "[@host,@host...:]local@host": local part and host
//    names are dot-atoms (no quoted strings, no empty labels, no trailing
//    dot); a host may be "[address]"; a malformed part is -132, text after
//    the host -260, an address literal that is not an address -40;
//  - the path is then cut at every ',' and ':' into parts: MAIL's sender is
//    the first part, RCPT's recipient the last (more than one part is a
//    source route);
//  - SIZE= is looked for after the last '>' as " SIZE=" followed by digits.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailflow::smtp {

struct parsed_path {
  std::string text;                   // between the brackets, as written
  std::vector<std::string> parts;     // the path cut at ',' and ':' (empty: the null path "<>")
  int error = 0;                      // when the path does not parse: XMail's error number
  std::optional<std::uint64_t> size;  // the largest SIZE=n
  std::string last_bracketed;         // the last <...> on the line (XMail puts it in Received: "from <...>")

  bool null_path() const { return parts.empty(); }
  bool source_routed() const { return parts.size() > 1; }
  // the hops before the mailbox, "@a,@b"
  std::string route() const;
};

// `rest`: the command line after "MAIL FROM:" or "RCPT TO:". False when the
// path does not parse (out.error says why).
bool parse_path(std::string_view rest, parsed_path& out);

// "local@host" as XMail checks a sender or recipient part (no source route).
bool valid_mailbox(std::string_view address);

// Splits "user@domain" at the last '@'.
std::pair<std::string, std::string> split_address(std::string_view address);

}  // namespace mailflow::smtp
