// Drives an SMTP session in memory for unit tests: a MailRoot in a temporary
// folder, a manual clock, zone DNS, a scripted process runner and a spool
// that keeps messages in memory, all on env::simulation (the harness's own
// scheduler), so requests are answered and delays pass as in a replay.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "../../config/tests/temp_dir.hpp"
#include "config/mailroot.hpp"
#include "core/codec.hpp"
#include "delivery/mailbox_store.hpp"
#include "delivery/memory_spool.hpp"
#include "env/simulation.hpp"
#include "smtp/smtp_session.hpp"

namespace mailflow::testing {

using delivery::memory_spool;

struct scripted_runner final : process_runner {
  std::function<process_result(const process_request&)> script;
  std::vector<process_request> calls;
  process_runner* real = nullptr;  // runs the programs when no script is set
  process_result run(const process_request& r) override {
    calls.push_back(r);
    if (script) return script(r);
    if (real) return real->run(r);
    process_result res;
    res.result = process_result::status::exited;
    res.exit_code = 0;
    return res;
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
  explicit driver(const temp_dir& t, smtp::smtp_settings settings = {}, endpoint client = {"127.0.0.1", 40000},
                  endpoint server = {"127.0.0.1", 25})
      : clock(1238906842000, 9 * 60),
        mailboxes(t.path()),
        environment{t.path(), t.path() / "tmp", dns, runner, spool, mailboxes, {}, 9 * 60, 90},
        settings_(std::move(settings)),
        client_(std::move(client)),
        server_(std::move(server)) {
    diagnostic_list d;
    root = config::mailroot::load(t.path(), d);
    diags = d;
  }

  std::string connect() {
    sim = std::make_unique<env::simulation>(clock, environment);
    conn = &sim->connect(smtp::make_smtp_session(root, clock, settings_, client_, server_), settings_.session_number,
                         &server_tls());
    return collect();
  }
  // Sends `line` + CRLF and returns every reply line produced, joined by '\n'.
  std::string send(const std::string& line) { return raw(line + "\r\n"); }
  std::string raw(const std::string& bytes) {
    conn->send(bytes);
    return collect();
  }
  // Feeds one byte at a time.
  std::string trickle(const std::string& bytes) {
    for (char c : bytes) conn->send(std::string_view(&c, 1));
    return collect();
  }
  // The client closes its side.
  std::string eof() {
    conn->close();
    return collect();
  }
  std::string ehlo(const std::string& name = "client.test") { return send("EHLO " + name); }
  // The client side of STARTTLS after the server's 220 (a real in-memory handshake).
  std::string tls_ready() {
    std::string error;
    conn->start_tls(error);
    tls_requested = false;
    return collect();
  }
  // The handshake fails: the session is told so.
  std::string tls_failed(const std::string& why) {
    conn->fail_tls(why);
    tls_requested = false;
    return collect();
  }
  std::string auth_plain(const std::string& user, const std::string& pass) {
    return send("AUTH PLAIN " + base64_encode(std::string("\0", 1) + user + std::string("\0", 1) + pass));
  }
  // Moves the virtual clock on by `ms`, running whatever falls due.
  std::string wait_ms(std::int64_t ms) {
    sim->advance_to(clock.now_ms() + ms);
    return collect();
  }

  std::vector<event> events;
  std::string wire;            // every byte the server sent, as sent
  bool closed = false;
  bool tls_requested = false;
  int delayed = 0;             // seconds of XMail's delays before commands

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
  delivery::disk_mailbox_store mailboxes;
  env::environment environment;
  diagnostic_list diags;
  std::shared_ptr<const config::mailroot> root;
  std::unique_ptr<env::simulation> sim;
  env::connection* conn = nullptr;

 private:
  std::string collect() {
    sim->settle();
    std::string out = conn->take_received();
    wire += out;
    closed = conn->server_closed();
    if (conn->tls_requested() && !conn->tls_active()) tls_requested = true;
    for (auto& te : conn->take_events()) {
      if (auto n = std::get_if<session_note>(&te.what); n && n->kind == note_kind::delay)
        delayed += std::stoi(n->detail);
      events.push_back(std::move(te.what));
    }
    std::string joined;
    for (std::size_t i = 0; i < out.size(); ++i) {
      if (out[i] == '\r' && i + 1 < out.size() && out[i + 1] == '\n') continue;
      joined += out[i];
    }
    if (!joined.empty() && joined.back() == '\n') joined.pop_back();
    return joined;
  }
  // One self-signed server certificate for every test (making one costs milliseconds).
  static tls::context& server_tls() {
    static std::unique_ptr<tls::context> ctx = [] {
      std::string error;
      auto c = tls::context::server(tls::make_self_signed("hunet.jp"), error);
      if (!c) throw std::runtime_error("test TLS context: " + error);
      return c;
    }();
    return *ctx;
  }
  smtp::smtp_settings settings_;
  endpoint client_, server_;
};

// The greeting's <token> (XMail's <unixtime.threadid@SmtpServerDomain>).
inline std::string greeting_token(const std::string& greeting) {
  auto a = greeting.find('<');
  auto b = greeting.find('>', a);
  return a == std::string::npos || b == std::string::npos ? std::string() : greeting.substr(a, b - a + 1);
}

}  // namespace mailflow::testing
