// mailflow trace: one message through the SMTP stages, without delivering it
// (in the spirit of `exim -bh`). The session is the real smtp_session, driven
// in memory with the commands a client would send; filters run as real
// processes; DNS answers come from --dns or are NXDOMAIN; nothing is spooled.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "args.hpp"
#include "commands.hpp"
#include "config/mailroot.hpp"
#include "core/codec.hpp"
#include "core/text.hpp"
#include "delivery/mailbox_store.hpp"
#include "delivery/memory_spool.hpp"
#include "env/simulation.hpp"
#include "flow/posix_process_runner.hpp"
#include "smtp/smtp_session.hpp"
#include "text_escape.hpp"
#include "writers.hpp"

namespace mailflow::cli {

namespace {


// Trace text is what the MailRoot, filters and the engine said: escaped for the terminal (reports::terminal_text).
// A TAB (a .tab file's separator) shows as two spaces, to keep the columns readable.
std::string visible(std::string_view s) {
  std::string out;
  for (char c : reports::terminal_text(s)) out += c == '\t' ? std::string("  ") : std::string(1, c);
  return out;
}

std::string pad(std::string s, std::size_t n) {
  if (s.size() < n) s.resize(n, ' ');
  return s + " ";
}

struct text_printer {
  std::ostream& out;
  void rule(const std::optional<rule_ref>& r) const {
    if (!r) return;
    out << "      rule " << r->file;
    if (r->line) out << ":" << r->line << ": " << visible(r->text);
    out << "\n";
  }
  void operator()(const client_line& e) const { out << "C: " << visible(e.text) << "\n"; }
  void operator()(const server_reply& e) const {
    for (auto& l : e.lines) out << "S: " << visible(l) << "\n";
  }
  void operator()(const stage_decision& e) const {
    out << "   " << pad(std::string(stage_name(e.id)), 21) << pad(std::string(outcome_name(e.result)), 8)
        << pad(visible(e.input), 24) << visible(e.detail) << "\n";
    rule(e.rule);
  }
  void operator()(const filter_invocation& e) const {
    out << "   " << pad(std::string(stage_name(e.hook)), 21) << pad(std::string(filter_action_name(e.action)), 8)
        << filter_status_name(e.status);
    if (e.exit_code) out << " exit " << *e.exit_code;
    if (e.stop_list) out << " (+16 stop)";
    if (!e.rej_text.empty()) out << " .rej: " << visible(e.rej_text);
    out << "\n      argv";
    for (auto& a : e.argv) out << " " << visible(a);
    out << "\n";
    rule(e.line);
  }
  void operator()(const session_note& e) const {
    out << "   (" << note_kind_name(e.kind) << ": " << visible(e.detail) << ")\n";
  }
  void operator()(const message_spooled& e) const {
    out << "   => message " << e.message_ref << " for";
    for (auto& r : e.rcpts) out << " <" << visible(r) << ">";
    out << ", " << e.size << " bytes, " << (e.spool_file.empty() ? "not stored" : e.spool_file) << "\n";
  }
};

// The reply code of the last reply in `events`, 0 if none.
int last_code(const std::vector<event>& events) {
  for (auto it = events.rbegin(); it != events.rend(); ++it)
    if (auto r = std::get_if<server_reply>(&*it); r && !r->lines.empty() && r->lines.back().size() >= 3)
      return std::atoi(r->lines.back().substr(0, 3).c_str());
  return 0;
}

}  // namespace

int run_trace(int argc, char** argv) {
  arg_parser p("trace", "MAILROOT --ip IP --rcpt ADDR [--rcpt ADDR...] [options]",
               "Runs one message through the SMTP stages of MAILROOT without delivering it and prints each\n"
               "decision with the rule that made it and the reply it caused. Filters run; nothing is spooled;\n"
               "DNS answers come from --dns only (without it every lookup is NXDOMAIN).\n"
               "Exit 0 when every recipient (and the message, with --data) is accepted, 1 when the trace ends\n"
               "in a rejection, 2 on usage errors.");
  p.option({"ip", "", true, false, "IP[:PORT]", "client address (required)"})
      .option({"helo", "", true, false, "NAME", "EHLO name (default: [IP])"})
      .option({"from", "", true, false, "ADDR", "MAIL FROM address (default: the null sender <>)"})
      .option({"rcpt", "", true, true, "ADDR", "RCPT TO address (at least one)"})
      .option({"auth", "", true, false, "USER:PASS", "authenticate with AUTH PLAIN; split at the last colon "
                                                     "(MAILFLOW_AUTH in the environment does the same)"})
      .option({"size", "", true, false, "N", "announce SIZE=N on MAIL FROM"})
      .option({"data", "", true, false, "FILE.eml", "send this message after the recipients"})
      .option({"dns", "", true, false, "ZONEFILE", "answer DNS from this zone file (name A|MX|PTR|TXT value)"})
      .option({"local", "", true, false, "IP:PORT", "server address the client connected to (default 127.0.0.1:25)"})
      .option({"format", "", true, false, "text|xml", "output format (default text)"});
  bool help = false;
  auto args = p.parse(argc, argv, help);
  if (!args) return 2;
  if (help) return 0;
  if (args->positional().size() != 1) return p.usage_error("expected one MAILROOT");
  auto ip_arg = args->get("ip");
  if (!ip_arg) return p.usage_error("--ip is required");
  auto rcpts = args->all("rcpt");
  if (rcpts.empty()) return p.usage_error("at least one --rcpt is required");
  std::string format = args->get("format").value_or("text");
  if (format != "text" && format != "xml") return p.usage_error("--format must be text or xml");

  auto split_endpoint = [](const std::string& s, int default_port, endpoint& ep) {
    auto colon = s.rfind(':');
    if (colon != std::string::npos && s.find(':') == colon) {
      auto port = parse_int(std::string_view(s).substr(colon + 1));
      if (!port || *port < 0 || *port > 65535) return false;
      ep = {s.substr(0, colon), static_cast<int>(*port)};
    } else {
      ep = {s, default_port};
    }
    return ip_address::parse(ep.ip).has_value();
  };
  endpoint client, server;
  if (!split_endpoint(*ip_arg, 0, client)) return p.usage_error("--ip: '" + *ip_arg + "' is not an IP address");
  if (!split_endpoint(args->get("local").value_or("127.0.0.1:25"), 25, server))
    return p.usage_error("--local: expected IP:PORT");

  std::optional<std::pair<std::string, std::string>> credentials;
  std::optional<std::string> auth = args->get("auth");
  if (!auth) {
    if (const char* env = std::getenv("MAILFLOW_AUTH"); env && *env) auth = env;
  }
  if (auth) {
    auto colon = auth->rfind(':');
    if (colon == std::string::npos) return p.usage_error("--auth: expected USER:PASS");
    credentials = std::pair{auth->substr(0, colon), auth->substr(colon + 1)};
  }
  std::optional<std::uint64_t> size;
  if (auto s = args->get("size")) {
    auto n = parse_int(*s);
    if (!n || *n < 0) return p.usage_error("--size: expected a number of bytes");
    size = static_cast<std::uint64_t>(*n);
  }
  std::optional<std::string> message;
  if (auto d = args->get("data")) {
    std::ifstream in(*d, std::ios::binary);
    if (!in) {
      std::cerr << "mailflow trace: cannot read " << *d << "\n";
      return 2;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    message = ss.str();
  }

  namespace fs = std::filesystem;
  fs::path root_path = args->positional()[0];
  std::error_code ec;
  if (!fs::is_directory(root_path, ec)) {
    std::cerr << "mailflow trace: " << root_path.string() << ": not a MailRoot folder\n";
    return 2;
  }
  diagnostic_list diags;
  auto root = config::mailroot::load(root_path, diags);
  for (auto& d : diags.items())
    if (d.level == severity::error) std::cerr << "mailflow trace: " << format_diagnostic(d) << "\n";

  zone_resolver zone;
  null_resolver nx;
  resolver* dns = &nx;
  if (auto z = args->get("dns")) {
    std::ifstream in(*z, std::ios::binary);
    if (!in) {
      std::cerr << "mailflow trace: cannot read " << *z << "\n";
      return 2;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    std::string err;
    if (!zone.load_zone_text(ss.str(), *z, &err)) {
      std::cerr << "mailflow trace: " << err << "\n";
      return 2;
    }
    dns = &zone;
  }

  // filter files go to a private temporary folder, never into the MailRoot
  const char* base = std::getenv("XMAIL_TEMP");
  std::string tmpl = (fs::path(base && *base ? base : "/tmp") / "mailflow-trace-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) {
    std::cerr << "mailflow trace: cannot create a temporary folder in " << tmpl << "\n";
    return 2;
  }
  fs::path temp_dir = tmpl;

  // The engine on a virtual clock that starts now (XMail's delays do not make trace wait).
  mailflow::system_clock host_clock;
  manual_clock clock(host_clock.now_ms(), host_clock.utc_offset_minutes());
  flow::posix_process_runner runner;
  delivery::memory_spool spool(root->message_id(), "not stored (trace)");
  delivery::disk_mailbox_store mailboxes(root_path);
  env::environment environment{root_path, temp_dir, *dns, runner, spool, mailboxes, {}, clock.utc_offset_minutes(), 90};
  env::simulation sim(clock, environment);
  smtp::smtp_settings settings;
  std::shared_ptr<const config::mailroot> snapshot = std::move(root);
  auto& conn = sim.connect(smtp::make_smtp_session(snapshot, clock, settings, client, server), 1);

  const std::int64_t started_ms = clock.now_ms();
  std::vector<event> events;
  std::vector<timed_event> timeline;
  auto drain = [&] {
    sim.settle();
    for (auto& e : conn.take_events()) {
      events.push_back(e.what);
      timeline.push_back(std::move(e));
    }
    conn.take_received();
  };
  auto send = [&](const std::string& line) {
    if (conn.server_closed()) return 0;
    conn.send(line + "\r\n");
    drain();
    return last_code(events);
  };

  bool rejected = false;
  drain();
  if (conn.server_closed()) rejected = true;
  if (!rejected) {
    std::string helo = args->get("helo").value_or("[" + client.ip + "]");
    if (send("EHLO " + helo) != 250) rejected = true;
  }
  if (!rejected && credentials) {
    std::string plain = std::string("\0", 1) + credentials->first + std::string("\0", 1) + credentials->second;
    if (send("AUTH PLAIN " + base64_encode(plain)) != 235) rejected = true;
  }
  int accepted = 0;
  if (!rejected) {
    std::string from = "MAIL FROM:<" + args->get("from").value_or("") + ">";
    if (size) from += " SIZE=" + std::to_string(*size);
    if (send(from) != 250) rejected = true;
  }
  if (!rejected) {
    for (auto& r : rcpts) {
      int code = send("RCPT TO:<" + r + ">");
      if (code == 250) ++accepted;
      else rejected = true;
      if (conn.server_closed()) break;
    }
  }
  if (!conn.server_closed() && accepted > 0 && message) {
    if (send("DATA") == 354) {
      // dot-stuff and end the message the way a client does
      std::string wire;
      std::size_t start = 0;
      while (start < message->size()) {
        auto nl = message->find('\n', start);
        std::string line = message->substr(start, nl == std::string::npos ? std::string::npos : nl - start);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (!line.empty() && line.front() == '.') line.insert(0, ".");
        wire += line + "\r\n";
        if (nl == std::string::npos) break;
        start = nl + 1;
      }
      conn.send(wire + ".\r\n");
      drain();
      if (last_code(events) != 250) rejected = true;
    } else {
      rejected = true;
    }
  }
  send("QUIT");
  fs::remove_all(temp_dir, ec);

  if (format == "xml") {
    // The replay report's format (reports/report.xsd): one scenario, mode "trace".
    reports::run_result run;
    run.tool_version = settings.product;
    reports::scenario_result r;
    r.path = root_path.generic_string();
    r.name = "trace";
    r.mode = "trace";
    r.mailroot = root_path.generic_string();
    r.status = rejected ? "failed" : "passed";
    r.start_ms = started_ms;
    reports::session_result sr;
    sr.protocol = "smtp";
    sr.client = client.ip + ":" + std::to_string(client.port);
    sr.server = server.ip + ":" + std::to_string(server.port);
    sr.events = timeline;
    sr.closed_by_server = conn.server_closed();
    r.sessions.push_back(std::move(sr));
    for (auto& m : spool.messages)
      r.spooled.push_back({m.message_ref, m.mail_from, m.rcpt_to, m.auth_user, m.size(), m.headers, m.body});
    if (rejected)
      r.failures.push_back({"trace", "the trace ends in a rejection", "every recipient accepted",
                            std::to_string(accepted) + " of " + std::to_string(rcpts.size()) + " accepted"});
    run.scenarios.push_back(std::move(r));
    reports::write_xml(run, std::cout);
    return rejected ? 1 : 0;
  }
  std::cout << "trace: " << client.ip << " -> " << server.ip << ":" << server.port << " on "
            << root_path.string() << "\n";
  text_printer printer{std::cout};
  for (auto& e : events) std::visit(printer, e);
  std::cout << "result: " << accepted << " of " << rcpts.size() << " recipient" << (rcpts.size() == 1 ? "" : "s")
            << " accepted";
  if (message) std::cout << (spool.messages.empty() ? "; message refused" : "; message accepted (not delivered)");
  std::cout << (rejected ? "; the trace ends in a rejection\n" : "\n");
  return rejected ? 1 : 0;
}

}  // namespace mailflow::cli
