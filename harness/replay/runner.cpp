#include "replay/runner.hpp"

#include <algorithm>
#include <map>
#include <thread>

#include "config/mailroot.hpp"
#include "core/codec.hpp"
#include "core/ip.hpp"
#include "core/text.hpp"
#include "delivery/mailbox_store.hpp"
#include "delivery/memory_spool.hpp"
#include "env/simulation.hpp"
#include "flow/posix_process_runner.hpp"
#include "replay/channel.hpp"
#include "replay/checks.hpp"
#include "replay/mailroot_copy.hpp"
#include "replay/scripted_client.hpp"
#include "replay/server_process.hpp"
#include "smtp/smtp_session.hpp"
#include "text_escape.hpp"

namespace mailflow::harness {

namespace fs = std::filesystem;
using reports::scenario_result;
using reports::session_result;
using reports::step_result;

namespace {

bool parse_endpoint(const std::string& text, endpoint& ep) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos) return false;
  auto port = parse_int(std::string_view(text).substr(colon + 1));
  std::string ip = text.substr(0, colon);
  if (ip.size() > 2 && ip.front() == '[' && ip.back() == ']') ip = ip.substr(1, ip.size() - 2);
  if (!port || *port < 0 || *port > 65535 || !ip_address::parse(ip)) return false;
  ep = {ip, static_cast<int>(*port)};
  return true;
}

// What a report may never hold, replaced in every text of a scenario's result
// (reports::for_each_text) once it has run: the private copy's path in each
// spelling (as made, and its realpath behind a symbolic TMPDIR) becomes
// "{root}", the temporary folder around it "{root}/..", so reports do not
// depend on where the copy was (PRODUCT.md, Determinism); and the text of
// steps marked secret="true" becomes "***", wherever the engine or a server
// echoed it.
class report_scrubber {
 public:
  void hide(std::string text, std::string as) {
    if (text.size() < 4) return;  // too short to be a path or a secret; would hide common text
    for (auto& [t, a] : pairs_)
      if (t == text) return;
    pairs_.emplace_back(std::move(text), std::move(as));
    // longest first: a folder's path must not cut through a longer one
    std::stable_sort(pairs_.begin(), pairs_.end(), [](auto& x, auto& y) { return x.first.size() > y.first.size(); });
  }
  void hide_folder(const fs::path& folder, const std::string& as) {
    std::error_code ec;
    hide(folder.string(), as);
    auto real = fs::weakly_canonical(folder, ec);
    if (!ec) hide(real.string(), as);
  }
  void operator()(std::string& s) const {
    for (auto& [text, as] : pairs_)
      for (auto at = s.find(text); at != std::string::npos; at = s.find(text, at + as.size()))
        s.replace(at, text.size(), as);
  }

 private:
  std::vector<std::pair<std::string, std::string>> pairs_;
};

std::optional<std::chrono::steady_clock::time_point> deadline_of(const run_options& opt) {
  if (opt.timeout_seconds <= 0) return std::nullopt;
  return std::chrono::steady_clock::now() + std::chrono::seconds(opt.timeout_seconds);
}

// A real process's wait, cut to what is left of the scenario's --timeout
// (a filter waits up to 90 s; the scenario must end in time all the same).
// Once the time is up a program is not started: it counts as timed out.
class deadline_process_runner final : public process_runner {
 public:
  deadline_process_runner(process_runner& real, std::optional<std::chrono::steady_clock::time_point> deadline)
      : real_(real), deadline_(deadline) {}
  process_result run(const process_request& request) override {
    if (!deadline_) return real_.run(request);
    auto left = std::chrono::duration_cast<std::chrono::seconds>(*deadline_ - std::chrono::steady_clock::now()).count() + 1;
    if (left <= 1 && std::chrono::steady_clock::now() >= *deadline_) {
      process_result r;
      r.result = process_result::status::timed_out;
      return r;
    }
    process_request capped = request;
    if (capped.timeout_seconds <= 0 || capped.timeout_seconds > left) capped.timeout_seconds = static_cast<int>(left);
    return real_.run(capped);
  }

 private:
  process_runner& real_;
  std::optional<std::chrono::steady_clock::time_point> deadline_;
};

// Timelines are kept until the report is written: no more than a little growth slack.
void keep_tight(std::vector<timed_event>& events) {
  if (events.capacity() - events.size() > events.size() / 4) events.shrink_to_fit();
}

// One scenario session in memory: its connection, its scripted client, its results.
struct live_session {
  const session_script* script = nullptr;
  std::size_t index = 0;
  session_result result;
  env::connection* conn = nullptr;
  std::unique_ptr<sim_link> link;
  std::unique_ptr<scripted_client> client;
  bool started = false;
  std::int64_t ended_ms = 0;
  std::vector<timed_event> events;  // taken when its connection was released
  bool done() const { return client && client->current() == scripted_client::state::done; }
};

}  // namespace

void replay_in_process(const scenario& sc, const fs::path& root, scenario_result& res, const run_options& opt,
                       std::shared_ptr<config::memory_tables> tables,
                       std::shared_ptr<const delivery::mailbox_image> mailboxes) {
  // A suite's scenarios share fixtures: each distinct table is parsed once per thread.
  thread_local config::table_cache parsed;
  if (parsed.size() > 4096) parsed.clear();
  diagnostic_list diags;
  config::disk_tables disk(root);
  std::shared_ptr<const config::mailroot> mr =
      tables ? config::mailroot::load(root, *tables, &parsed, diags, tables) : config::mailroot::load(root, disk, &parsed, diags);
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
  std::vector<std::pair<endpoint, endpoint>> ends;
  for (auto& s : sc.sessions) {
    endpoint client, server;
    if (!parse_endpoint(s.client.empty() ? sc.client : s.client, client) ||
        !parse_endpoint(s.server.empty() ? sc.server : s.server, server)) {
      res.status = "error";
      res.error = res.path + ":" + std::to_string(s.line) + ": client and server must be IP:PORT";
      return;
    }
    ends.emplace_back(client, server);
  }

  // The environment: real filter processes unless the scenario scripts them, zone DNS, memory spool.
  // --timeout bounds a filter's run too, so a step waiting on one ends in time.
  flow::posix_process_runner posix_processes;
  deadline_process_runner real_processes(posix_processes, deadline_of(opt));
  env::scripted_process_runner processes(real_processes);
  for (auto& p : sc.processes)
    processes.add({expand_tokens(p.program, root_text, sc.sink), p.exit_code,
                   static_cast<std::int64_t>(p.after_seconds) * 1000});
  delivery::memory_spool spool(mr->message_id(), "(kept in memory by the harness)");
  // Mailboxes from the image prepare_mailroot took (no file system call per
  // question), else from the copy on disk. Names a delivery would make come
  // from the virtual clock, so runs are deterministic.
  delivery::counter_name_source names(clock, mr->server().root_domain.empty() ? "localhost" : mr->server().root_domain);
  std::unique_ptr<delivery::mailbox_store> mailbox_owner;
  if (mailboxes)
    mailbox_owner = std::make_unique<delivery::memory_mailbox_store>(delivery::mailbox_layout::maildir, names, *mailboxes);
  else
    mailbox_owner = std::make_unique<delivery::disk_mailbox_store>(root, delivery::mailbox_layout::maildir, names);
  env::environment environment{root, root / "tmp", zone, processes, spool, *mailbox_owner, {}, sc.utc_offset_minutes, 90};
  for (auto& l : sc.pop3_logins) environment.pop3_logins[l.ip] = sc.start_ms - l.seconds_before_start * 1000;
  env::simulation sim(clock, environment);

  expectation_checker check(sc, res, root_text);
  auto deadline = deadline_of(opt);
  std::vector<live_session> sessions(sc.sessions.size());
  for (std::size_t i = 0; i < sessions.size(); ++i) {
    sessions[i].script = &sc.sessions[i];
    sessions[i].index = i;
  }

  // When session i may connect: at= is absolute; otherwise after the previous session ended (+ after=).
  auto start_time = [&](std::size_t i) -> std::optional<std::int64_t> {
    auto& s = *sessions[i].script;
    if (s.at_seconds) return sc.start_ms + static_cast<std::int64_t>(*s.at_seconds) * 1000;
    std::size_t prev = i;
    while (prev > 0 && sessions[prev - 1].script->at_seconds) --prev;  // concurrent ones do not hold it back
    if (prev == 0) return sc.start_ms + static_cast<std::int64_t>(s.after_seconds) * 1000;
    if (!sessions[prev - 1].done()) return std::nullopt;
    return sessions[prev - 1].ended_ms + static_cast<std::int64_t>(s.after_seconds) * 1000;
  };
  auto start = [&](live_session& ls) {
    auto& [client, server] = ends[ls.index];
    smtp::smtp_settings settings;
    settings.max_recipients = sc.max_recipients;
    settings.pop3_auth_expire_seconds = sc.pop3_expire_seconds;
    settings.tls_available = sc.tls;
    settings.session_number = ls.index + 1;
    settings.product = product_token;
    ls.result.protocol = ls.script->protocol;
    ls.result.client = client.text();
    ls.result.server = server.text();
    ls.conn = &sim.connect(smtp::make_smtp_session(mr, clock, settings, client, server), ls.index + 1,
                           server_tls.get());
    ls.link = std::make_unique<sim_link>(*ls.conn);
    ls.client = std::make_unique<scripted_client>(*ls.script, check, ls.result, *ls.link, deadline);
    ls.started = true;
  };

  // The scheduler: run everything that can move now (clients in scenario order, then the
  // simulation's answers and timers) until nothing can; then move the clock to the next
  // timed thing. A reading client whose session waits for its client gets "no reply".
  // Sessions before first_open have all ended; a sequential session that cannot start
  // yet holds back every sequential one after it, so the scan skips to the next at= one
  // (a scenario of thousands of sessions costs linear time, not quadratic).
  const std::size_t n = sessions.size();
  std::vector<std::size_t> next_at(n + 1, n);
  for (std::size_t i = n; i-- > 1;) next_at[i - 1] = sessions[i].script->at_seconds ? i : next_at[i];
  std::size_t first_open = 0;
  auto skip_waiting = [&](std::size_t i) { return sessions[i].script->at_seconds ? i : next_at[i] - 1; };
  for (;;) {
    bool progress = true;
    while (progress) {
      progress = false;
      for (std::size_t i = first_open; i < n; ++i) {
        auto& ls = sessions[i];
        if (!ls.started) {
          auto t = start_time(ls.index);
          if (!t || *t > clock.now_ms()) {
            i = skip_waiting(i);
            continue;
          }
          start(ls);
          progress = true;
        }
        if (ls.done()) continue;
        progress |= ls.client->advance(clock.now_ms());
        auto st = ls.client->current();
        if (st == scripted_client::state::reading && !ls.conn->busy()) {
          ls.client->no_reply(ls.conn->server_closed());
          progress = true;
        } else if (st == scripted_client::state::finishing && !ls.conn->busy()) {
          ls.client->finish();
          ls.ended_ms = clock.now_ms();
          progress = true;
          if (ls.conn->server_closed()) {
            // Nothing more can happen to it: keep its timeline, free the session.
            ls.events = ls.conn->take_events();
            keep_tight(ls.events);
            if (sim.release(*ls.conn)) {
              ls.conn = nullptr;
              ls.link.reset();
            }
          }
        }
      }
      progress |= sim.step();
      while (first_open < n && sessions[first_open].done()) ++first_open;
    }
    if (first_open == n) break;
    std::optional<std::int64_t> next = sim.next_event_ms();
    auto earliest = [&](std::optional<std::int64_t> t) {
      if (t && (!next || *t < *next)) next = t;
    };
    for (std::size_t i = first_open; i < n; ++i) {
      auto& ls = sessions[i];
      if (!ls.started) {
        auto t = start_time(i);
        earliest(t);
        if (!t) i = skip_waiting(i);
      } else if (!ls.done()) {
        earliest(ls.client->wake_ms());
      }
    }
    if (!next || *next <= clock.now_ms()) {
      res.status = "error";
      res.error = res.path + ": the scenario cannot go on (every session waits and nothing is due)";
      return;
    }
    if (auto idle = sim.next_idle_deadline_ms(); idle && *idle < *next) next = idle;
    clock.set_ms(*next);
  }

  for (auto& ls : sessions) {
    auto events = std::move(ls.events);
    if (ls.conn) {
      auto rest = ls.conn->take_events();
      events.insert(events.end(), std::make_move_iterator(rest.begin()), std::make_move_iterator(rest.end()));
    }
    keep_tight(events);
    ls.result.events = std::move(events);
    res.sessions.push_back(std::move(ls.result));
  }
  for (auto& m : spool.messages)
    res.spooled.push_back({m.message_ref, m.mail_from, m.rcpt_to, m.auth_user, m.size(), m.headers, m.body});
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
  auto deadline = deadline_of(opt);
  for (auto& s : sc.sessions) {
    // Sessions run one after the other over TCP; a pause or after= waits in real time.
    if (s.after_seconds > 0) std::this_thread::sleep_for(std::chrono::seconds(s.after_seconds));
    // A freshly started server gets time to bind its port.
    auto patience = server ? std::chrono::milliseconds(10000) : std::chrono::milliseconds(3000);
    tcp_link link(host, port, patience);
    if (!link.ok()) {
      res.status = "error";
      res.error = check.where(s.line) + ": " + link.error() + (server ? "\nserver output:\n" + tail_of(log) : "");
      return;
    }
    session_result sr;
    sr.protocol = s.protocol;
    sr.client = "(tcp client)";
    sr.server = host + ":" + std::to_string(port);
    scripted_client client(s, check, sr, link, deadline);
    // A reply must end within the patience from when the step began reading:
    // a server that never ends a multi-line reply must not hold the run.
    const step* reading_step = nullptr;
    std::chrono::steady_clock::time_point reading_since;
    for (;;) {
      auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::system_clock::now().time_since_epoch()).count();
      client.advance(now);
      auto st = client.current();
      if (st == scripted_client::state::reading) {
        auto wait = client.expects_none() ? std::chrono::milliseconds(1000) : opt.reply_patience;
        if (reading_step != &client.current_step()) {
          reading_step = &client.current_step();
          reading_since = std::chrono::steady_clock::now();
        }
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(reading_since + wait -
                                                                          std::chrono::steady_clock::now());
        if (left <= std::chrono::milliseconds(0)) {
          check.note(check.where(reading_step->line) + ": the reply did not end within " +
                     std::to_string(wait.count()) + " ms; what came is not kept past 1 MB");
          client.no_reply(link.server_closed());
          reading_step = nullptr;
          continue;
        }
        if (!link.receive(left)) client.no_reply(link.server_closed());
      } else if (st == scripted_client::state::sleeping) {
        std::this_thread::sleep_for(std::chrono::milliseconds(std::max<std::int64_t>(0, *client.wake_ms() - now)));
      } else if (st == scripted_client::state::finishing) {
        // What a server still says within a short moment (replay.py waits 1.5 s),
        // and no longer even if it keeps talking.
        auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(1500);
        while (std::chrono::steady_clock::now() < until && link.receive(std::chrono::milliseconds(300))) {
        }
        if (link.dropped_bytes() > 0)
          check.note("session " + check.where(s.line) + ": the server sent " + std::to_string(link.dropped_bytes()) +
                     " bytes more than the harness keeps; they were read and dropped");
        client.finish();
      } else if (st == scripted_client::state::done) {
        break;
      }
    }
    res.sessions.push_back(std::move(sr));
  }
}

}  // namespace

fs::path scenario_project_root(const fs::path& scenario_file) {
  std::error_code ec;
  const fs::path own = fs::absolute(scenario_file, ec).parent_path();
  for (fs::path p = own; !p.empty(); p = p.parent_path()) {
    if (fs::exists(p / ".git", ec) || fs::is_directory(p / "fixtures", ec)) return p;
    if (p == p.parent_path()) break;
  }
  return own;
}

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
  if (opt.confine_fixtures) {
    std::error_code ec;
    auto inside = [&](const fs::path& folder) {
      auto base = fs::weakly_canonical(folder, ec), fixture = fs::weakly_canonical(sc->fixture_path, ec);
      auto rel = fixture.lexically_relative(base);
      return !rel.empty() && *rel.begin() != "..";
    };
    const fs::path project = scenario_project_root(file);
    bool allowed = inside(project);
    for (auto& extra : opt.allowed_fixture_roots) allowed = allowed || inside(extra);
    if (!allowed) {
      res.status = "error";
      res.error = display_path + ":" + std::to_string(sc->fixture_line) + ": fixture '" + sc->fixture +
                  "' is outside the scenario's tree (" + fs::weakly_canonical(project, ec).string() +
                  "); --allow-fixtures DIR allows another folder";
      return res;
    }
  }
  res.start_time = sc->start;
  res.start_ms = sc->start_ms;
  temp_folder tmp("mailflow-replay");
  if (!tmp.ok()) {
    res.status = "error";
    res.error = display_path + ":0: cannot create a temporary folder";
    return res;
  }
  // The copy is named by its realpath, so the engine, filters (pwd -P) and
  // {root} all spell it one way even when TMPDIR is a symbolic link.
  std::error_code real_ec;
  const fs::path real_tmp = fs::canonical(tmp.path(), real_ec);
  fs::path root = (real_ec ? tmp.path() : real_tmp) / "root";
  fs::create_directories(root);
  report_scrubber scrub;
  scrub.hide_folder(root, "{root}");
  scrub.hide_folder(tmp.path() / "root", "{root}");
  scrub.hide_folder(tmp.path(), "{root}/..");
  for (auto& session : sc->sessions)
    for (auto& st : session.steps) {
      if (!st.secret) continue;
      scrub.hide(st.text, "***");
      if (st.what == step::kind::base64) scrub.hide(base64_encode(st.text), "***");
      if (st.what == step::kind::raw)
        for (auto line : reports::split_lines(st.text)) scrub.hide(std::string(line), "***");
    }
  sc->file = display_path;  // errors and failures cite the displayed path
  auto tables = std::make_shared<config::memory_tables>();
  auto mailboxes = std::make_shared<delivery::mailbox_image>();
  if (!prepare_mailroot(*sc, root, err, tables.get(), mailboxes.get())) {
    res.status = "error";
    res.error = err;
    reports::for_each_text(res, std::cref(scrub));
    return res;
  }
  try {
    if (opt.how == run_options::mode::in_process) replay_in_process(*sc, root, res, opt, tables, mailboxes);
    else run_over_tcp(*sc, root, res, opt);
  } catch (const scenario_timeout& t) {
    res.status = "timeout";
    res.error = display_path + ":" + std::to_string(t.line) + ": still running after " +
                std::to_string(opt.timeout_seconds) + " s (--timeout)";
  }
  reports::for_each_text(res, std::cref(scrub));
  if (res.status.empty()) res.status = res.failures.empty() ? "passed" : "failed";
  if (opt.timings)
    res.duration_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  return res;
}

}  // namespace mailflow::harness
