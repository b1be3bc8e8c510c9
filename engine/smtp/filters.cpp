// The SMTP-time filters (manual: SMTP MESSAGE FILTERS): what the session puts
// in $(FILE) and the macros, the request that runs one hook's commands
// (flow::smtp_filter_runner answers it), and what a rejection replies.
#include <cstdio>
#include <string_view>

#include "core/text.hpp"
#include "smtp/replies.hpp"
#include "smtp/session.hpp"

namespace mailflow::smtp {

namespace {
stage hook_stage(config::smtp_filter_hook h) {
  switch (h) {
    case config::smtp_filter_hook::post_rcpt: return stage::filter_post_rcpt;
    case config::smtp_filter_hook::pre_data: return stage::filter_pre_data;
    case config::smtp_filter_hook::post_data: return stage::filter_post_data;
  }
  return stage::filter_post_rcpt;
}

// manual, SMTP MESSAGE FILTERS: the first line of $(FILE).rej is the reply.
// XMail sends whatever it holds; mailflow only a rejection reply line:
// "[45]dd text", no control bytes in the text (HT allowed, as in RFC 5321's
// textstring), at most 510 octets (512 with CRLF, RFC 5321 4.5.3.1.5). A
// "550-" line leaves the client waiting for the rest of the reply, a
// "250 ...\r..." line tells it a rejected message was taken (README, differences).
bool rejection_reply(std::string_view line) {
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (line.size() < 5 || line.size() > 510) return false;
  if ((line[0] != '4' && line[0] != '5') || !digit(line[1]) || !digit(line[2]) || line[3] != ' ') return false;
  for (unsigned char c : line.substr(4))
    if ((c < 0x20 && c != '\t') || c == 0x7F) return false;
  return true;
}
}  // namespace

std::string session::message_ref() const {
  char buf[32];
  std::snprintf(buf, sizeof buf, "S%llX", static_cast<unsigned long long>(tx.number));
  return buf;
}

// $(FILE) for the SMTP filters (manual: SMTP MESSAGE FILTERS).
std::string session::filter_file_content(bool with_message, const std::string& message) const {
  std::string out;
  out += helo_name + ";[" + client.ip + "]:" + std::to_string(client.port) + ";" + cfg.smtp_server_domain + ";[" +
         server.ip + "]:" + std::to_string(server.port) + ";" +
         rfc822_date(now_ms() / 1000, clock_.utc_offset_minutes()) + ";" + banner() + "\r\n";
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

std::map<std::string, std::string> session::filter_macros(const recipient* current) const {
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
task<bool> session::run_filters(config::smtp_filter_hook hook, const recipient* current, std::string* message) {
  const stage id = hook_stage(hook);
  const std::string_view name = stage_name(id).substr(7);  // "post-rcpt", "pre-data", "post-data"
  filter_chain chain;
  chain.hook = id;
  for (auto& c : root.smtp_filters(hook))
    chain.steps.push_back(filter_step{c.argv, c.flags.aex, c.flags.wlex, c.flags.timeout_seconds, c.src.rule()});
  // post-rcpt: $(FILE) does not hold the recipient being checked yet (manual)
  chain.file_content = filter_file_content(message != nullptr, message ? *message : std::string());
  chain.macros = filter_macros(current);
  chain.authenticated = auth.authenticated;
  chain.whitelisted = whitelisted;
  auto result = co_await ask<filter_chain>(std::move(chain));
  for (auto& inv : result.invocations) note(std::move(inv));
  std::string input = current ? "<" + current->typed + ">" : message_ref();
  if (!result.rejected) {
    if (message && result.changed) {
      auto pos = result.file_content.find("<<MAIL-DATA>>\r\n");
      if (pos != std::string::npos) *message = result.file_content.substr(pos + 15);
    }
    decide(id, input, result.changed ? outcome::rewrite : outcome::pass,
           std::string(name) + " filters accepted" + (result.changed ? " and changed the message" : ""));
    co_return true;
  }
  // without a .rej line: post-rcpt answers 550 and keeps the transaction; pre/post-data 554 and reset [026, 028]
  std::string text, detail = std::string(name) + " filter rejected";
  const bool custom = result.reply && rejection_reply(*result.reply);
  if (custom) {
    text = *result.reply;
  } else {
    text = hook == config::smtp_filter_hook::post_rcpt ? std::string(replies::filter_rcpt_rejected)
                                                        : std::string(replies::filter_failed);
    // the refused line is for the report only, escaped: it must not reach the client in any form
    if (result.reply && !result.reply->empty())
      detail += "; its .rej line refused (a reply is one '[45]dd text' line of at most 510 octets, no control "
                "bytes): " + escape_bytes(*result.reply);
  }
  decide(id, input, outcome::reject, detail, text, config::source{});
  if (hook != config::smtp_filter_hook::post_rcpt) reset_transaction();
  // XMail sends a .rej line and post-rcpt's 550 through SMTPSendError (CustomSMTPMessage
  // appended, counted toward SMTP-MaxErrors), pre/post-data's own 554 plainly (neither):
  // recorded, scenarios/data/16
  const bool as_error = custom || hook == config::smtp_filter_hook::post_rcpt;
  reply(text, as_error, as_error);
  co_return false;
}

}  // namespace mailflow::smtp
