// smtp_session: XMail 1.27's SMTP server as a state machine without I/O.
//
// Theory of operation. The transport creates a session per connection and
// calls on_connect(), then on_bytes() with whatever arrived (any split, one
// byte or many commands at once: PIPELINING), on_eof() when the peer closes,
// and on_tls_ready()/on_tls_failed() after it was asked to start TLS. After
// each call it drains take_effects() and performs them in order: send bytes,
// wait (a delay XMail inserts for suspicious peers), start TLS, close. The
// session never touches a socket, the clock, DNS or processes itself: those
// come through the smtp_environment interfaces, so the harness can drive it
// in memory on a virtual clock and get the same events every run.
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
// Each check is a stage decision event (core/stage.hpp) naming the rule that
// decided it; every reply is also an event, so reports are built from events.
// Checks run in XMail's order (../shared/reference/xmail-behaviour.md, "Order
// of checks"); replies match ../shared/conformance/.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "config/mailroot.hpp"
#include "core/env.hpp"
#include "core/event.hpp"

namespace mailflow::smtp {

struct endpoint {
  std::string ip;  // "127.0.0.1"
  int port = 0;
};

// One accepted message for one recipient, in XMail's spool file layout
// (manual: MESSAGE FILTERS, "The spool files has this structure").
struct spool_message {
  std::string info_line;               // "[ClientIP]:port;[ServerIP]:port;date"
  std::string smtp_domain;             // SmtpDomain (the client's HELO/EHLO name)
  std::string message_ref;             // "S2"
  std::string mail_from;               // "MAIL FROM:<a@b>" as XMail writes it (no parameters)
  std::string rcpt_to;                 // "RCPT TO:<c@d>"
  std::string data;                    // headers (Received... added) and body, CRLF lines
  std::string rcpt_as_typed;           // the recipient the client named
  std::string auth_user;               // login name, empty when unauthenticated
};

class spool {
 public:
  virtual ~spool() = default;
  // Takes the next SMTP message number (message.id): 2 on a fresh MailRoot.
  virtual std::uint64_t next_message_number() = 0;
  // Stores one message durably; returns the spool path ({root}-relative) or an error text.
  virtual bool submit(const spool_message& m, std::string& path_or_error) = 0;
};

// POP3-before-SMTP (manual: EnableAuthSMTP-POP3, -Se): when an IP last logged in to POP3.
class pop3_login_registry {
 public:
  virtual ~pop3_login_registry() = default;
  virtual std::optional<std::int64_t> last_login_ms(const std::string& ip) const = 0;
};

// Settings that come from the command line, not from the MailRoot.
struct session_settings {
  int max_recipients = 100;              // -Sr
  int pop3_auth_expire_seconds = 900;    // -Se
  bool implicit_tls = false;             // SMTPS port: TLS before the greeting
  bool tls_available = false;            // server.cert and server.key are usable
  std::string product = "mailflow 0.1";  // inside [... ESMTP Server]
  int filter_timeout_seconds = 90;       // -QT
  std::uint64_t session_number = 1;      // stands for XMail's thread id in the greeting token
};

struct smtp_environment {
  const config::mailroot& root;
  mailflow::clock& clock;
  mailflow::resolver& dns;
  mailflow::process_runner& processes;
  smtp::spool& spool;
  const pop3_login_registry* pop3_logins = nullptr;
  std::string temp_dir;                  // where filter files are written (a folder inside the MailRoot in the harness)
};

// Effects the transport performs, in order.
struct send_bytes { std::string data; };
struct start_tls {};
struct close_connection {};
struct delay { int seconds = 0; };
using effect = std::variant<send_bytes, start_tls, close_connection, delay>;

struct tls_info {
  std::string version;  // "TLSv1.3"
  std::string cipher;
};

class smtp_session {
 public:
  smtp_session(smtp_environment env, session_settings settings, endpoint client, endpoint server);
  ~smtp_session();
  smtp_session(const smtp_session&) = delete;
  smtp_session& operator=(const smtp_session&) = delete;

  void on_connect();
  void on_bytes(std::string_view bytes);
  void on_eof();
  void on_tls_ready(const tls_info& info);
  void on_tls_failed(const std::string& why);

  std::vector<effect> take_effects();
  std::vector<event> take_events();
  bool closed() const;
  // The greeting token "<unixtime.session@SmtpServerDomain>" (CRAM-MD5 challenge base).
  const std::string& greeting_token() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace mailflow::smtp
