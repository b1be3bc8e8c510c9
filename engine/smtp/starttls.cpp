// STARTTLS (RFC 3207; manual: EnableSMTP-TLS). The handshake is the
// transport's (a start_tls effect); on_tls_ready resets the session to its
// state before HELO (RFC 3207 4.2), and everything the client pipelined after
// the command is discarded (RFC 3207 5, CVE-2011-0411).
#include "smtp/replies.hpp"
#include "smtp/session.hpp"

namespace mailflow::smtp {

task<> session::cmd_starttls(std::string_view) {
  // SMTPHandleCmd_STARTTLS: a TLS link first, then EnableSMTP-TLS; any
  // argument is ignored ("STARTTLS now" answers 220: probe, scenarios/helo/09)
  if (tls_active) {
    reply(std::string(replies::tls_again));
    co_return;
  }
  if (!cfg.enable_smtp_tls) {
    decide(stage::tls, "", outcome::reject, "EnableSMTP-TLS is 0", "454 TLS not available", cfg.origin("EnableSMTP-TLS"));
    reply(std::string(replies::tls_not_available));
    co_return;
  }
  // XMail answers 220 even without server.cert/key; the handshake then fails and the connection drops [056]
  reply("220 Ready to start TLS");
  mode = input_mode::tls_pending;
  emit(start_tls{});
  note(session_note{note_kind::tls_start,
                    settings.tls_available ? "STARTTLS" : "STARTTLS without server.cert/server.key"});
}

}  // namespace mailflow::smtp
