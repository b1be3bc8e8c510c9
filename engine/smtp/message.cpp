// DATA: the pre-data filters, reading the message, the size and bare-LF
// policies, the post-data filters, and one spool file per recipient with
// X-AuthUser: and Received: (manual: SERVER.TAB ReceivedHdrType,
// DisableEmitAuthUser; MESSAGE FILTERS for the spool layout).
#include <cstdio>

#include "core/text.hpp"
#include "flow/smtp_filters.hpp"
#include "smtp/replies.hpp"
#include "smtp/session_impl.hpp"

namespace mailflow::smtp {

namespace {
// A hard cap when no MaxMessageSize applies: huge DATA is refused, never buffered without end.
constexpr std::uint64_t unlimited_cap = 256ull * 1024 * 1024;

const char* hook_name(config::smtp_filter_hook h) {
  switch (h) {
    case config::smtp_filter_hook::post_rcpt: return "post-rcpt";
    case config::smtp_filter_hook::pre_data: return "pre-data";
    case config::smtp_filter_hook::post_data: return "post-data";
  }
  return "";
}

stage hook_stage(config::smtp_filter_hook h) {
  switch (h) {
    case config::smtp_filter_hook::post_rcpt: return stage::filter_post_rcpt;
    case config::smtp_filter_hook::pre_data: return stage::filter_pre_data;
    case config::smtp_filter_hook::post_data: return stage::filter_post_data;
  }
  return stage::filter_post_rcpt;
}
}  // namespace

std::string smtp_session::impl::message_ref() const {
  char buf[32];
  std::snprintf(buf, sizeof buf, "S%llX", static_cast<unsigned long long>(tx.number));
  return buf;
}

// $(FILE) for the SMTP filters (manual: SMTP MESSAGE FILTERS).
std::string smtp_session::impl::filter_file_content(bool with_message, const std::string& message) const {
  std::string out;
  out += helo_name + ";[" + client.ip + "]:" + std::to_string(client.port) + ";" + cfg.smtp_server_domain + ";[" +
         server.ip + "]:" + std::to_string(server.port) + ";" +
         rfc822_date(env.clock.now_s(), env.clock.utc_offset_minutes()) + ";" + banner() + "\r\n";
  out += cfg.smtp_server_domain + "\r\n";
  out += message_ref() + "\r\n";
  out += "MAIL FROM:<" + tx.from + ">\r\n";
  for (auto& r : tx.rcpts) out += "RCPT TO:<" + r.typed + "> {ra=" + r.real + "}\r\n";
  if (with_message) {
    out += "<<MAIL-DATA>>\r\n";
    out += message;
  }
  return out;
}

std::map<std::string, std::string> smtp_session::impl::filter_macros(const recipient* current) const {
  const recipient* last = current ? current : (tx.rcpts.empty() ? nullptr : &tx.rcpts.back());
  return {{"USERAUTH", auth.authenticated && !auth.login.empty() ? auth.login : "-"},
          {"REMOTEADDR", client.ip + ":" + std::to_string(client.port)},
          {"LOCALADDR", server.ip + ":" + std::to_string(server.port)},
          {"FROM", tx.from},
          {"CRCPT", last ? last->typed : ""},
          {"RRCPT", last ? last->real : ""},
          {"MSGREF", message_ref()}};
}

// Runs one hook's filters; false when they rejected (the reply has been sent).
bool smtp_session::impl::run_filters(config::smtp_filter_hook hook, const recipient* current, std::string* message) {
  if (!filters) {
    filters = std::make_unique<flow::smtp_filter_runner>(
        env.processes, root.root(), env.temp_dir.empty() ? root.root() / "tmp" : std::filesystem::path(env.temp_dir),
        settings.filter_timeout_seconds);
    filters->set_utc_offset_minutes(env.clock.utc_offset_minutes());  // filters see the session's zone in TZ
  }
  flow::smtp_filter_input in;
  in.hook = hook;
  // post-rcpt: $(FILE) does not hold the recipient being checked yet (manual)
  in.file_content = filter_file_content(message != nullptr, message ? *message : std::string());
  in.macros = filter_macros(current);
  in.authenticated = auth.authenticated;
  in.whitelisted = whitelisted;
  auto result = filters->run(root.smtp_filters(hook), in);
  for (auto& inv : result.invocations) events.push_back(inv);
  std::string input = current ? "<" + current->typed + ">" : message_ref();
  if (!result.rejected) {
    if (message && result.changed) {
      auto pos = result.file_content.find("<<MAIL-DATA>>\r\n");
      if (pos != std::string::npos) *message = result.file_content.substr(pos + 15);
    }
    decide(hook_stage(hook), input, result.changed ? outcome::rewrite : outcome::pass,
           std::string(hook_name(hook)) + " filters accepted" + (result.changed ? " and changed the message" : ""));
    return true;
  }
  // without a .rej line: post-rcpt answers 550 and keeps the transaction; pre/post-data 554 and reset [026, 028]
  std::string text;
  bool custom = result.reply && !result.reply->empty();
  if (custom) {
    text = *result.reply;
  } else {
    text = hook == config::smtp_filter_hook::post_rcpt ? std::string(replies::filter_rcpt_rejected)
                                                        : std::string(replies::filter_failed);
  }
  decide(hook_stage(hook), input, outcome::reject, std::string(hook_name(hook)) + " filter rejected", text,
         config::source{});
  if (hook != config::smtp_filter_hook::post_rcpt) reset_transaction();
  reply(text, !custom && hook == config::smtp_filter_hook::post_rcpt);
  return false;
}

void smtp_session::impl::cmd_data(std::string_view) {
  if (!tx.active || tx.rcpts.empty()) {
    reset_transaction();
    reply(std::string(replies::bad_sequence));
    return;
  }
  if (!root.smtp_filters(config::smtp_filter_hook::pre_data).empty()) {
    if (!run_filters(config::smtp_filter_hook::pre_data, nullptr, nullptr)) return;
  }
  std::uint64_t max = tx.limit_kb ? static_cast<std::uint64_t>(*tx.limit_kb) * 1024 : unlimited_cap;
  data = std::make_unique<data_reader>(max);
  mode = input_mode::data;
  reply(std::string(replies::start_data));
}

std::string smtp_session::impl::received_header(const recipient& r, std::int64_t now_s) const {
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
  h += "\t" + rfc822_date(now_s, env.clock.utc_offset_minutes()) + "\r\n";
  return h;
}

void smtp_session::impl::finish_data() {
  mode = input_mode::command;
  auto reader = std::move(data);
  std::string size_text = std::to_string(reader->size()) + " bytes";
  events.push_back(client_line{"(message: " + size_text + ")"});

  if (reader->over_limit()) {
    decide(stage::data_receive, size_text, outcome::reject,
           tx.limit_kb ? "over the limit of " + std::to_string(*tx.limit_kb) + " KB"
                       : "over mailflow's hard limit of 256 MB",
           std::string(replies::too_big), tx.limit_kb && !auth.max_message_size_kb ? cfg.origin("MaxMessageSize") : config::source{});
    reset_transaction();
    reply(std::string(replies::too_big));
    return;
  }
  if (reader->saw_bare_lf() && cfg.smtp_bare_lf == config::bare_lf_policy::reject) {
    decide(stage::data_receive, size_text, outcome::reject, "bare LF in the message and SMTP-BareLF is reject",
           std::string(replies::bare_lf_refused), cfg.origin("SMTP-BareLF"));
    reset_transaction();
    reply(std::string(replies::bare_lf_refused));
    return;
  }
  decide(stage::data_receive, size_text, reader->saw_bare_lf() ? outcome::rewrite : outcome::accept,
         reader->saw_bare_lf() ? "bare LF normalised to CRLF (SMTP-BareLF normalize)" : "message received");

  std::string message = reader->message();
  if (!root.smtp_filters(config::smtp_filter_hook::post_data).empty()) {
    if (!run_filters(config::smtp_filter_hook::post_data, nullptr, &message)) return;
  }

  std::int64_t now = env.clock.now_s();
  std::string info = "[" + client.ip + "]:" + std::to_string(client.port) + ";[" + server.ip + "]:" +
                     std::to_string(server.port) + ";" + rfc822_date(now, env.clock.utc_offset_minutes());
  bool emit_auth_user = auth.authenticated && !auth.login.empty() &&
                        !auth.disable_emit_auth_user.value_or(cfg.disable_emit_auth_user);
  std::string ref = message_ref();
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
    if (!message.empty()) {
      if (emit_auth_user) m.data += "X-AuthUser: " + auth.login + "\r\n";
      if (r.with_received) m.data += received_header(r, now);
    }
    m.data += message;
    std::string where;
    if (!env.spool.submit(m, where)) {
      decide(stage::queue_spool, "<" + r.typed + ">", outcome::error, "spool write failed: " + where,
             std::string(replies::spool_failed));
      reset_transaction();
      reply(std::string(replies::spool_failed));
      return;
    }
    decide(stage::queue_spool, "<" + r.typed + ">", outcome::accept, ref + ": " + where);
    events.push_back(message_spooled{ref, where, tx.from, {r.stored}, m.data.size()});
  }
  reset_transaction();
  reply("250 OK <" + ref + ">");
}

}  // namespace mailflow::smtp
