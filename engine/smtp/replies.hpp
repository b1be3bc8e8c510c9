// Reply texts, as XMail 1.27 words them (../shared/conformance/ transcripts);
// the ones XMail does not have are mailflow's own and say plainly what happened.
#pragma once

#include <string_view>

namespace mailflow::smtp::replies {

inline constexpr std::string_view ok = "250 OK";
inline constexpr std::string_view bad_sequence = "503 Bad sequence of commands";
inline constexpr std::string_view syntax_params = "501 Syntax error in parameters or arguments";
inline constexpr std::string_view unrecognized = "500 Syntax error, command unrecognized";
inline constexpr std::string_view bad_return_path = "501 Syntax error in return path";
inline constexpr std::string_view bad_forward_path = "501 Syntax error in forward path";
inline constexpr std::string_view relay_denied = "550 Relay denied";
inline constexpr std::string_view too_many_rcpts = "552 Too many recipients";
inline constexpr std::string_view spammer_address = "504 You are registered as spammer";
inline constexpr std::string_view too_big = "552 Message exceeds fixed maximum message size";
inline constexpr std::string_view ip_forbidden = "551 Server access forbidden by your IP";
inline constexpr std::string_view use_forbidden = "551 Server use forbidden";
inline constexpr std::string_view need_tls = "503 Bad sequence of commands (TLS needed for this session)";
inline constexpr std::string_view no_dns_domain = "505 Your domain has no DNS/MX entries";
// followed by " - <user@domain>"
inline constexpr std::string_view mailbox_full = "552 Requested mail action aborted: exceeded storage allocation";
inline constexpr std::string_view filter_rcpt_rejected = "550 Recipient rejected";
inline constexpr std::string_view filter_failed = "554 Transaction failed";
inline constexpr std::string_view vrfy_disabled = "252 Argument not checked";
inline constexpr std::string_view vrfy_no_match = "550 String does not match anything";
inline constexpr std::string_view etrn_disabled = "501 Command not accepted";
inline constexpr std::string_view tls_not_available = "454 TLS not available";
inline constexpr std::string_view tls_again = "454 TLS not available due to temporary reason";  // STARTTLS on a TLS link
inline constexpr std::string_view start_data = "354 Start mail input; end with <CRLF>.<CRLF>";
inline constexpr std::string_view auth_ok = "235 Authentication successful";
inline constexpr std::string_view auth_failed = "503 Authentication failed";
inline constexpr std::string_view auth_unknown = "504 Unrecognized authentication type";
inline constexpr std::string_view auth_cancelled = "501 Authentication cancelled";
inline constexpr std::string_view no_root_domain = "451 Requested action aborted: (-100) local error in processing";
inline constexpr std::string_view spool_failed = "451 Requested action aborted: local error in processing";
// mailflow only (XMail drops the connection silently; listed differences)
inline constexpr std::string_view line_too_long = "500 Syntax error, command line too long (over 1020 octets)";
inline constexpr std::string_view bad_characters = "500 Syntax error, NUL or 8-bit byte in command line";
inline constexpr std::string_view bare_lf_refused = "554 Message refused: bare LF in message data (SMTP-BareLF reject)";

}  // namespace mailflow::smtp::replies
