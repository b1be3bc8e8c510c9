// Drives an smtp_session in memory for unit tests: a MailRoot in a temporary
// folder, a manual clock, zone DNS, a scripted process runner and a spool
// that keeps messages in memory.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "../../config/tests/temp_dir.hpp"
#include "config/mailroot.hpp"
#include "core/codec.hpp"
#include "smtp/memory_spool.hpp"
#include "smtp/smtp_session.hpp"

namespace mailflow::testing {

using smtp::memory_spool;

struct scripted_runner final : process_runner {
  std::function<process_result(const process_request&)> script;
  std::vector<process_request> calls;
  process_result run(const process_request& r) override {
    calls.push_back(r);
    if (script) return script(r);
    process_result res;
    res.result = process_result::status::exited;
    res.exit_code = 0;
    return res;
  }
};

struct fixed_logins final : smtp::pop3_login_registry {
  std::map<std::string, std::int64_t> logins;
  std::optional<std::int64_t> last_login_ms(const std::string& ip) const override {
    auto it = logins.find(ip);
    if (it == logins.end()) return std::nullopt;
    return it->second;
  }
};

// The conformance cases' common MailRoot: hunet.jp (cop/copsecret) and
// soopoo.jp (love/lovesecret), everything allowed, empty anti-spam tables.
inline void write_common_mailroot(const temp_dir& t) {
  t.write("server.tab",
          "\"RootDomain\"\t\"hunet.jp\"\n\"SmtpServerDomain\"\t\"hunet.jp\"\n\"POP3Domain\"\t\"hunet.jp\"\n"
          "\"HeloDomain\"\t\"hunet.jp\"\n\"PostMaster\"\t\"postmaster@hunet.jp\"\n\"DefaultSmtpPerms\"\t\"MR\"\n");
  t.write("domains.tab", "\"hunet.jp\"\n\"soopoo.jp\"\n");
  t.write("mailusers.tab",
          "\"hunet.jp\"\t\"cop\"\t\"060a15160006170011\"\t1\t\"cop\"\t\"U\"\n"
          "\"soopoo.jp\"\t\"love\"\t\"090a1300160006170011\"\t2\t\"love\"\t\"U\"\n");
  t.write("domains/hunet.jp/cop/user.tab", "\"RealName\"\t\"Cop Hunet\"\n\"MaxMBSize\"\t\"10000\"\n");
  t.write("domains/soopoo.jp/love/user.tab", "\"RealName\"\t\"Love Soopoo\"\n\"MaxMBSize\"\t\"10000\"\n");
  for (auto d : {"domains/hunet.jp/cop/Maildir/new", "domains/hunet.jp/cop/Maildir/cur", "domains/hunet.jp/cop/Maildir/tmp",
                 "domains/soopoo.jp/love/Maildir/new", "domains/soopoo.jp/love/Maildir/cur",
                 "domains/soopoo.jp/love/Maildir/tmp", "spool", "tmp"})
    t.mkdir(d);
  for (auto f : {"smtp.ipmap.tab", "pop3.ipmap.tab", "ctrl.ipmap.tab", "finger.ipmap.tab"})
    t.write(f, "\"0.0.0.0\"\t\"0.0.0.0\"\t\"ALLOW\"\t1\n");
  for (auto f : {"spammers.tab", "spam-address.tab", "smtprelay.tab", "smtpauth.tab", "smtpextauth.tab", "aliases.tab",
                 "aliasdomain.tab", "extaliases.tab", "smtpgw.tab", "smtpfwd.tab", "smtp.ipprop.tab"})
    t.write(f, "");
  t.write("message.id", "1\n");
}

class driver {
 public:
  explicit driver(const temp_dir& t, smtp::session_settings settings = {}, smtp::endpoint client = {"127.0.0.1", 40000},
                  smtp::endpoint server = {"127.0.0.1", 25})
      : clock(1238906842000, 9 * 60) {
    diagnostic_list d;
    root = config::mailroot::load(t.path(), d);
    diags = d;
    smtp::smtp_environment env{*root, clock, dns, runner, spool, &logins, (t.path() / "tmp").string()};
    session = std::make_unique<smtp::smtp_session>(env, std::move(settings), std::move(client), std::move(server));
  }

  std::string connect() {
    session->on_connect();
    return collect();
  }
  // Sends `line` + CRLF and returns every reply line produced, joined by '\n'.
  std::string send(const std::string& line) { return raw(line + "\r\n"); }
  std::string raw(const std::string& bytes) {
    session->on_bytes(bytes);
    return collect();
  }
  // Feeds one byte at a time.
  std::string trickle(const std::string& bytes) {
    for (char c : bytes) session->on_bytes(std::string_view(&c, 1));
    return collect();
  }
  std::string ehlo(const std::string& name = "client.test") { return send("EHLO " + name); }
  std::string tls_ready() {
    session->on_tls_ready({"TLSv1.3", "TLS_AES_256_GCM_SHA384"});
    return collect();
  }
  std::string tls_failed(const std::string& why) {
    session->on_tls_failed(why);
    return collect();
  }
  std::string auth_plain(const std::string& user, const std::string& pass) {
    return send("AUTH PLAIN " + base64_encode(std::string("\0", 1) + user + std::string("\0", 1) + pass));
  }

  std::vector<event> events;
  std::vector<smtp::effect> effects;
  bool closed = false;
  bool tls_requested = false;
  int delayed = 0;

  // The stage decisions seen so far for one stage.
  std::vector<stage_decision> decisions(stage s) const {
    std::vector<stage_decision> out;
    for (auto& e : events)
      if (auto d = std::get_if<stage_decision>(&e); d && d->id == s) out.push_back(*d);
    return out;
  }

  manual_clock clock;
  zone_resolver dns;
  scripted_runner runner;
  memory_spool spool;
  fixed_logins logins;
  diagnostic_list diags;
  std::unique_ptr<config::mailroot> root;
  std::unique_ptr<smtp::smtp_session> session;

 private:
  std::string collect() {
    std::string out;
    for (auto& e : session->take_effects()) {
      if (auto s = std::get_if<smtp::send_bytes>(&e)) out += s->data;
      if (std::holds_alternative<smtp::close_connection>(e)) closed = true;
      if (std::holds_alternative<smtp::start_tls>(e)) tls_requested = true;
      if (auto d = std::get_if<smtp::delay>(&e)) delayed += d->seconds;
      effects.push_back(e);
    }
    for (auto& e : session->take_events()) events.push_back(std::move(e));
    std::string joined;
    for (std::size_t i = 0; i < out.size(); ++i) {
      if (out[i] == '\r' && i + 1 < out.size() && out[i + 1] == '\n') continue;
      joined += out[i];
    }
    if (!joined.empty() && joined.back() == '\n') joined.pop_back();
    return joined;
  }
};

}  // namespace mailflow::testing
