// smtp_session: XMail 1.27's SMTP server as a state machine without I/O
// (the protocol_session shape: core/session.hpp says how it is driven).
//
// Lines: commands end with CRLF or a bare LF and may be up to 1020 octets
// (XMail's limit); a longer line, a NUL or a byte above 127 in a command gets
// a 500 reply and the session stays in sync (XMail drops the connection
// instead: a listed difference). DATA is read with dot-unstuffing and ends
// only at CRLF.CRLF; bare LF inside the message is stored as CRLF
// (SMTP-BareLF normalize) or refuses the whole message after its end
// (reject); no smuggling variant ends DATA early. After STARTTLS every byte
// already received is discarded (CVE-2011-0411).
//
// Every check is a stage decision event (core/stage.hpp) naming the rule that
// decided it; every reply is an event too, so reports are built from events.
// Checks run in XMail's order (../shared/reference/xmail-behaviour.md, "Order
// of checks"); the command table follows XMail's session states (init, helo,
// authenticated, mail, rcpt). What needs the environment is a request: DNS
// (PTR, DNS lists, CheckMailerDomain), filters, the external authentication
// program, the message number, the mailbox size (MaxMBSize), POP3-before-SMTP
// logins and the spool commit. A session pins the MailRoot snapshot it
// connected with for its whole life.
#pragma once

#include <memory>

#include "config/mailroot.hpp"
#include "core/session.hpp"

namespace mailflow::smtp {

struct smtp_settings : session_settings {
  int max_recipients = 100;            // -Sr
  int pop3_auth_expire_seconds = 900;  // -Se
  int filter_timeout_seconds = 90;     // -QT: filters and the external authentication program
};

std::unique_ptr<protocol_session> make_smtp_session(std::shared_ptr<const config::mailroot> root,
                                                    const mailflow::clock& clock, smtp_settings settings,
                                                    endpoint client, endpoint server);

}  // namespace mailflow::smtp
