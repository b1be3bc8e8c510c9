#include "replay/runner.hpp"

#include <map>
#include <thread>

#include "config/mailroot.hpp"
#include "core/codec.hpp"
#include "core/ip.hpp"
#include "core/redact.hpp"
#include "core/text.hpp"
#include "flow/posix_process_runner.hpp"
#include "replay/channel.hpp"
#include "replay/checks.hpp"
#include "replay/mailroot_copy.hpp"
#include "replay/server_process.hpp"
#include "smtp/memory_spool.hpp"

namespace mailflow::harness {

namespace fs = std::filesystem;
using reports::scenario_result;
using reports::session_result;
using reports::step_result;

namespace {

struct scenario_timeout {
  std::uint32_t line;
};

bool parse_endpoint(const std::string& text, smtp::endpoint& ep) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos) return false;
  auto port = parse_int(std::string_view(text).substr(colon + 1));
  std::string ip = text.substr(0, colon);
  if (ip.size() > 2 && ip.front() == '[' && ip.back() == ']') ip = ip.substr(1, ip.size() - 2);
  if (!port || *port < 0 || *port > 65535 || !ip_address::parse(ip)) return false;
  ep = {ip, static_cast<int>(*port)};
  return true;
}

// POP3 logins the scenario declares (there is no POP3 engine yet to make them).
class scripted_pop3_logins final : public smtp::pop3_login_registry {
 public:
  void add(const std::string& ip, std::int64_t at_ms) { logins_[ip] = at_ms; }
  std::optional<std::int64_t> last_login_ms(const std::string& ip) const override {
    auto it = logins_.find(ip);
    if (it == logins_.end()) return std::nullopt;
    return it->second;
  }

 private:
  std::map<std::string, std::int64_t> logins_;
};

// The private copy's path becomes "{root}" in everything reported, so reports
// do not depend on the temporary folder (PRODUCT.md, Determinism).
struct root_hider {
  const std::string& root;
  void fix(std::string& s) const {
    for (auto at = s.find(root); at != std::string::npos; at = s.find(root, at + 6)) s.replace(at, root.size(), "{root}");
  }
  void fix(std::optional<rule_ref>& r) const {
    if (r) fix(r->text);
  }
  void operator()(client_line& e) const { fix(e.text); }
  void operator()(server_reply& e) const {
    for (auto& l : e.lines) fix(l);
  }
  void operator()(stage_decision& e) const {
    fix(e.input);
    fix(e.rule);
    fix(e.reply);
    fix(e.detail);
  }
  void operator()(filter_invocation& e) const {
    fix(e.selector);
    fix(e.line.text);
    for (auto& a : e.argv) fix(a);
    fix(e.rej_text);
  }
  void operator()(session_note& e) const { fix(e.detail); }
  void operator()(message_spooled& e) const { fix(e.spool_file); }
};

// Runs one session's steps through `ch`, checking each reply as it comes.
class session_driver {
 public:
  session_driver(expectation_checker& check, const run_options& opt) : check_(check), opt_(opt) {
    if (opt.timeout_seconds > 0) deadline_ = std::chrono::steady_clock::now() + std::chrono::seconds(opt.timeout_seconds);
  }

  // Drives one session; the timeline comes from the engine in-process, from the wire otherwise.
  void drive(client_channel& ch, const session_script& s, session_result& out, bool in_process) {
    std::vector<std::string> last_reply;
    bool answering = false;
    for (auto& st : s.steps) {
      if (deadline_ && std::chrono::steady_clock::now() > *deadline_) throw scenario_timeout{st.line};
      step_result r;
      r.scenario_line = st.line;
      std::string bytes;
      switch (st.what) {
        case step::kind::greeting: r.kind = "greeting"; break;
        case step::kind::send:
          r.kind = "send";
          bytes = check_.expand(st.text) + "\r\n";
          r.sent = escape_bytes(redact_client_line(check_.expand(st.text), answering));
          break;
        case step::kind::raw:
          r.kind = "raw";
          bytes = st.text;
          r.sent = escape_bytes(st.text);
          break;
        case step::kind::base64:
          r.kind = "base64";
          bytes = base64_encode(st.text) + "\r\n";
          r.sent = answering ? "***" : escape_bytes(redact_client_line(base64_encode(st.text), false));
          break;
        case step::kind::auth_plain:
          r.kind = "auth-plain";
          bytes = "AUTH PLAIN " + base64_encode(std::string(1, '\0') + st.user + std::string(1, '\0') + st.password) +
                  "\r\n";
          r.sent = "AUTH PLAIN ***";
          break;
        case step::kind::cram_md5: {
          r.kind = "cram-md5";
          std::string challenge;
          if (!last_reply.empty() && last_reply.back().rfind("334 ", 0) == 0) {
            auto decoded = base64_decode(last_reply.back().substr(4));
            if (decoded) challenge = *decoded;
          }
          bytes = base64_encode(st.user + " " + hmac_md5_hex(st.password, challenge)) + "\r\n";
          r.sent = "***";
          break;
        }
        case step::kind::read: r.kind = "read"; break;
        case step::kind::pause:
          r.kind = "pause";
          r.sent = std::to_string(st.seconds) + " s";
          ch.pause(st.seconds);
          out.steps.push_back(std::move(r));
          continue;
        case step::kind::close:
          r.kind = "close";
          ch.close();
          if (!in_process) out.events.push_back(session_note{"client-close", "the client closed the connection"});
          out.steps.push_back(std::move(r));
          continue;
      }
      if (!bytes.empty()) {
        ch.send(bytes);
        if (!in_process) out.events.push_back(client_line{r.sent});
      }
      if (st.wait) {
        std::vector<std::string> reply;
        auto patience = st.expect.none ? std::chrono::milliseconds(1000) : opt_.reply_patience;
        auto status = ch.read(reply, patience);
        r.read_reply = true;
        r.reply_status = status == read_status::reply ? "reply" : status == read_status::none ? "none" : "closed";
        r.reply = reply;
        if (!in_process && status == read_status::reply) out.events.push_back(server_reply{reply});
        bool closed_after = status == read_status::closed;
        if (st.expect.closed) closed_after = *st.expect.closed ? ch.wait_closed(std::chrono::milliseconds(2000))
                                                               : ch.wait_closed(std::chrono::milliseconds(0));
        r.passed = check_.check_reply(st, r, status, closed_after);
        if (status == read_status::reply) {
          last_reply = reply;
          answering = !reply.empty() && reply.back().rfind("334", 0) == 0;
          // The client side of STARTTLS begins once the server agreed.
          if (st.what == step::kind::send && iequals(trim(st.text), "STARTTLS") && !reply.empty() &&
              reply.back().rfind("220", 0) == 0) {
            std::string err;
            if (!ch.start_tls(err)) check_.note("session " + check_.where(s.line) + ": STARTTLS: " + err);
          }
        }
      }
      out.steps.push_back(std::move(r));
    }
    out.trailing = ch.trailing();
    if (!out.trailing.empty() && !s.trailing_any)
      check_.fail(s.steps.back().line, "replies after the last step", "(nothing more)", join(out.trailing, "\n"));
    out.closed_by_server = ch.server_closed();
    ch.close();
    if (in_process) out.events = ch.take_events();
  }

 private:
  expectation_checker& check_;
  const run_options& opt_;
  std::optional<std::chrono::steady_clock::time_point> deadline_;
};

}  // namespace

void replay_in_process(const scenario& sc, const fs::path& root, scenario_result& res, const run_options& opt) {
  diagnostic_list diags;
  auto mr = config::mailroot::load(root, diags);
  if (!mr) {
    res.status = "error";
    res.error = res.path + ":0: the MailRoot does not load";
    return;
  }
  manual_clock clock(sc.start_ms, sc.utc_offset_minutes);
  zone_resolver zone;
  if (!sc.dns_zone.empty()) {
    // Padding with the lines before <dns> makes zone errors cite the scenario's own lines.
    std::string text(sc.dns_line > 0 ? sc.dns_line - 1 : 0, '\n');
    text += sc.dns_zone;
    std::string err;
    if (!zone.load_zone_text(text, res.path, &err)) {
      res.status = "error";
      res.error = err;
      return;
    }
  }
  flow::posix_process_runner processes;
  smtp::memory_spool spool(mr->message_id(), "(kept in memory by the harness)");
  std::unique_ptr<tls::context> server_tls;
  if (sc.tls) {
    std::string err;
    server_tls = tls::context::server(tls::make_self_signed("mailflow.test"), err);
    if (!server_tls) {
      res.status = "error";
      res.error = res.path + ":0: cannot make a TLS certificate: " + err;
      return;
    }
  }
  for (auto& p : sc.peers)
    res.notes.push_back("scripted peer " + p.host + (p.address.empty() ? "" : " (" + p.address + ")") + ", " +
                        std::to_string(p.rules.size()) + " rule(s), line " + std::to_string(p.line) +
                        ": not contacted; the harness runs no delivery yet");
  const std::string root_text = root.string();
  expectation_checker check(sc, res, root_text);
  session_driver driver(check, opt);
  scripted_pop3_logins pop3_logins;
  for (auto& l : sc.pop3_logins) pop3_logins.add(l.ip, sc.start_ms - l.seconds_before_start * 1000);
  smtp::smtp_environment env{*mr, clock, zone, processes, spool, &pop3_logins, (root / "tmp").string()};
  for (std::size_t i = 0; i < sc.sessions.size(); ++i) {
    auto& s = sc.sessions[i];
    smtp::endpoint client, server;
    if (!parse_endpoint(s.client.empty() ? sc.client : s.client, client) ||
        !parse_endpoint(s.server.empty() ? sc.server : s.server, server)) {
      res.status = "error";
      res.error = check.where(s.line) + ": client and server must be IP:PORT";
      return;
    }
    smtp::session_settings settings;
    settings.max_recipients = sc.max_recipients;
    settings.pop3_auth_expire_seconds = sc.pop3_expire_seconds;
    settings.tls_available = sc.tls;
    settings.session_number = i + 1;
    settings.product = product_token;
    in_process_channel ch(env, settings, client, server, clock, server_tls.get());
    session_result sr;
    sr.protocol = s.protocol;
    sr.client = client.ip + ":" + std::to_string(client.port);
    sr.server = server.ip + ":" + std::to_string(server.port);
    driver.drive(ch, s, sr, true);
    root_hider hide{root_text};
    for (auto& e : sr.events) std::visit(hide, e);
    for (auto& st : sr.steps)
      for (auto& l : st.reply) hide.fix(l);
    res.sessions.push_back(std::move(sr));
  }
  for (auto& m : spool.messages)
    res.spooled.push_back({m.message_ref, m.mail_from, m.rcpt_to, m.auth_user, m.data.size(), m.data});
  check.check_outcomes(res.sessions, spool.messages);
}

namespace {

void run_over_tcp(const scenario& sc, const fs::path& root, scenario_result& res, const run_options& opt) {
  std::string host = opt.target_host;
  int port = opt.target_port;
  std::unique_ptr<server_process> server;
  fs::path log = root.parent_path() / "server.log";
  if (opt.how == run_options::mode::server) {
    host = "127.0.0.1";
    port = free_port();
    std::string cmd = opt.server_command;
    auto put = [&](const std::string& token, const std::string& value) {
      for (std::size_t at = cmd.find(token); at != std::string::npos; at = cmd.find(token, at + value.size()))
        cmd.replace(at, token.size(), value);
    };
    put("{root}", root.string());
    put("{smtp}", std::to_string(port));
    put("{pop3}", std::to_string(free_port()));
    put("{ctrl}", std::to_string(free_port()));
    server = std::make_unique<server_process>(cmd, root, log);
    if (!server->started()) {
      res.status = "error";
      res.error = res.path + ":0: cannot start the server command";
      return;
    }
  }
  res.notes.push_back("stage, filter and message expectations skipped: replayed against a real server (" + host + ":" +
                      std::to_string(port) + "); only replies are compared");
  expectation_checker check(sc, res, root.string());
  session_driver driver(check, opt);
  for (auto& s : sc.sessions) {
    // A freshly started server gets time to bind its port.
    auto patience = server ? std::chrono::milliseconds(10000) : std::chrono::milliseconds(3000);
    tcp_channel ch(host, port, patience);
    if (!ch.ok()) {
      res.status = "error";
      res.error = check.where(s.line) + ": " + ch.error() + (server ? "\nserver output:\n" + tail_of(log) : "");
      return;
    }
    session_result sr;
    sr.protocol = s.protocol;
    sr.client = "(tcp client)";
    sr.server = host + ":" + std::to_string(port);
    driver.drive(ch, s, sr, false);
    res.sessions.push_back(std::move(sr));
  }
}

}  // namespace

scenario_result run_scenario(const fs::path& file, const std::string& display_path, const run_options& opt) {
  auto started = std::chrono::steady_clock::now();
  scenario_result res;
  res.path = display_path;
  res.name = file.stem().string();
  res.mode = opt.how == run_options::mode::in_process ? "in-process"
             : opt.how == run_options::mode::target   ? "target"
                                                      : "server";
  std::string err;
  auto sc = load_scenario(file, err);
  if (!sc) {
    res.status = "error";
    // Cite the path as the user gave it.
    auto colon = err.find(':', file.generic_string().size());
    res.error = colon != std::string::npos ? display_path + err.substr(colon) : err;
    return res;
  }
  res.name = sc->name;
  res.description = sc->description;
  res.mailroot = sc->fixture;
  res.start_time = sc->start;
  temp_folder tmp("mailflow-replay");
  if (!tmp.ok()) {
    res.status = "error";
    res.error = display_path + ":0: cannot create a temporary folder";
    return res;
  }
  fs::path root = tmp.path() / "root";
  fs::create_directories(root);
  sc->file = display_path;  // errors and failures cite the displayed path
  if (!prepare_mailroot(*sc, root, err)) {
    res.status = "error";
    res.error = err;
    return res;
  }
  try {
    if (opt.how == run_options::mode::in_process) replay_in_process(*sc, root, res, opt);
    else run_over_tcp(*sc, root, res, opt);
  } catch (const scenario_timeout& t) {
    res.status = "timeout";
    res.error = display_path + ":" + std::to_string(t.line) + ": still running after " +
                std::to_string(opt.timeout_seconds) + " s (--timeout)";
  }
  if (res.status.empty()) res.status = res.failures.empty() ? "passed" : "failed";
  if (opt.timings)
    res.duration_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  return res;
}

}  // namespace mailflow::harness
