// DATA: the pre-data filters, reading the message, the size and bare-LF
// policies, the post-data filters, and one spool copy per recipient with
// X-AuthUser: and Received: (manual: SERVER.TAB ReceivedHdrType,
// DisableEmitAuthUser; MESSAGE FILTERS for the spool layout). All copies of a
// transaction are committed in one request, and 250 is only sent once the
// spool says every copy is durable.
#include <memory>

#include "core/text.hpp"
#include "smtp/replies.hpp"
#include "smtp/session.hpp"

namespace mailflow::smtp {

namespace {
// A hard cap when no MaxMessageSize applies: huge DATA is refused, never buffered without end.
constexpr std::uint64_t unlimited_cap = 256ull * 1024 * 1024;
}  // namespace

task<> session::cmd_data(std::string_view) {
  if (!root.smtp_filters(config::smtp_filter_hook::pre_data).empty()) {
    bool passed = co_await run_filters(config::smtp_filter_hook::pre_data, nullptr, nullptr);
    if (!passed) co_return;
  }
  std::uint64_t max = tx.limit_kb ? static_cast<std::uint64_t>(*tx.limit_kb) * 1024 : unlimited_cap;
  data = std::make_unique<data_reader>(max);
  mode = input_mode::data;
  reply(std::string(replies::start_data));
}

std::string session::received_header(const recipient& r, std::int64_t now_s) const {
  // ReceivedHdrType: 0 client IP, 1 client and server IP, 2 none, 3/4 as 0/1 without the client IP after AUTH [093-097]
  int type = cfg.received_hdr_type;
  bool show_client = type == 0 || type == 1 || ((type == 3 || type == 4) && !auth.authenticated);
  bool show_server = type == 1 || type == 4;
  std::string h = "Received: from " + helo_name;
  if (show_client) h += " ([" + client.ip + "]:" + std::to_string(client.port) + ")";
  h += "\r\n\tby " + cfg.smtp_server_domain;
  if (show_server) h += " ([" + server.ip + "]:" + std::to_string(server.port) + ")";
  h += " with " + banner() + "\r\n";
  // "for <...>" is the recipient as typed [015]; "from <...>" the last <...> of the MAIL line [105]
  h += "\tid <" + message_ref() + "> for <" + r.typed + "> from <" + tx.received_from + ">;\r\n";
  h += "\t" + rfc822_date(now_s, clock_.utc_offset_minutes()) + "\r\n";
  return h;
}

task<> session::end_of_data() {
  auto reader = std::move(data);
  std::string size_text = std::to_string(reader->size()) + " bytes";
  note(client_line{"(message: " + size_text + ")"});

  if (reader->over_limit()) {
    decide(stage::data_receive, size_text, outcome::reject,
           tx.limit_kb ? "over the limit of " + std::to_string(*tx.limit_kb) + " KB"
                       : "over mailflow's hard limit of 256 MB",
           std::string(replies::too_big),
           tx.limit_kb && !auth.max_message_size_kb ? cfg.origin("MaxMessageSize") : config::source{});
    reset_transaction();
    reply(std::string(replies::too_big));
    co_return;
  }
  if (reader->saw_bare_lf() && cfg.smtp_bare_lf == config::bare_lf_policy::reject) {
    decide(stage::data_receive, size_text, outcome::reject, "bare LF in the message and SMTP-BareLF is reject",
           std::string(replies::bare_lf_refused), cfg.origin("SMTP-BareLF"));
    reset_transaction();
    reply(std::string(replies::bare_lf_refused));
    co_return;
  }
  decide(stage::data_receive, size_text, reader->saw_bare_lf() ? outcome::rewrite : outcome::accept,
         reader->saw_bare_lf() ? "bare LF normalised to CRLF (SMTP-BareLF normalize)" : "message received");

  std::string message = reader->take_message();
  reader.reset();
  if (!root.smtp_filters(config::smtp_filter_hook::post_data).empty()) {
    bool passed = co_await run_filters(config::smtp_filter_hook::post_data, nullptr, &message);
    if (!passed) co_return;
  }

  std::int64_t now = now_ms() / 1000;
  std::string info = "[" + client.ip + "]:" + std::to_string(client.port) + ";[" + server.ip + "]:" +
                     std::to_string(server.port) + ";" + rfc822_date(now, clock_.utc_offset_minutes());
  bool emit_auth_user =
      auth.authenticated && !auth.login.empty() && !auth.disable_emit_auth_user.value_or(cfg.disable_emit_auth_user);
  std::string ref = message_ref();
  auto body = std::make_shared<const std::string>(std::move(message));
  spool_commit commit;
  for (auto& r : tx.rcpts) {
    spool_message m;
    m.info_line = info;
    m.smtp_domain = cfg.smtp_server_domain;
    m.message_ref = ref;
    m.mail_from = "MAIL FROM:<" + tx.from + ">";
    m.rcpt_to = "RCPT TO:<" + r.stored + ">";
    m.rcpt_as_typed = r.typed;
    m.auth_user = auth.authenticated ? auth.login : "";
    // an empty message is stored without the headers XMail adds [051]
    if (!body->empty()) {
      if (emit_auth_user) m.headers += "X-AuthUser: " + auth.login + "\r\n";
      if (r.with_received) m.headers += received_header(r, now);
    }
    m.body = body;
    commit.messages.push_back(std::move(m));
  }
  auto sizes = std::vector<std::uint64_t>();
  for (auto& m : commit.messages) sizes.push_back(m.size());
  auto result = co_await ask<spool_commit>(std::move(commit));
  if (!result.ok) {
    for (auto& r : tx.rcpts)
      decide(stage::queue_spool, "<" + r.typed + ">", outcome::error, "spool write failed: " + result.error,
             std::string(replies::spool_failed));
    reset_transaction();
    reply(std::string(replies::spool_failed));
    co_return;
  }
  for (std::size_t i = 0; i < tx.rcpts.size(); ++i) {
    auto& r = tx.rcpts[i];
    std::string where = i < result.where.size() ? result.where[i] : std::string();
    decide(stage::queue_spool, "<" + r.typed + ">", outcome::accept, ref + ": " + where);
    note(message_spooled{ref, where, tx.from, {r.stored}, sizes[i]});
  }
  reset_transaction();
  reply("250 OK <" + ref + ">");
}

}  // namespace mailflow::smtp
