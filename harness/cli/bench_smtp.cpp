// mailflow bench smtp: simple SMTP sessions through smtp_session in memory
// (PRODUCT.md: at least 50,000 per second per core), against a baseline in
// the same run: a protocol-only sink that splits the same bytes into lines and
// answers each with a fixed reply, as Postfix's smtp-sink does on a socket.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>

#include "bench.hpp"
#include "cli/args.hpp"
#include "config/mailroot.hpp"
#include "core/text.hpp"
#include "delivery/mailbox_store.hpp"
#include "env/executor.hpp"
#include "smtp/smtp_session.hpp"

namespace mailflow::cli {

namespace {

class counting_spool final : public delivery::spool {
 public:
  std::uint64_t next_message_number() override { return ++last_; }
  spool_commit_result commit(const spool_commit& c) override {
    spool_commit_result r;
    for (auto& m : c.messages) {
      bytes += m.size();
      ++messages;
      r.where.push_back("memory");
    }
    r.ok = true;
    return r;
  }
  std::uint64_t bytes = 0, messages = 0;

 private:
  std::uint64_t last_ = 1;
};

// The sink: lines in, one fixed reply per line, DATA read to the lone dot.
std::size_t sink_session(std::string_view in) {
  std::string out = "220 sink ESMTP\r\n";
  bool data = false;
  std::size_t pos = 0;
  while (pos < in.size()) {
    auto nl = in.find('\n', pos);
    if (nl == std::string_view::npos) break;
    std::string_view line = in.substr(pos, nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = nl + 1;
    if (data) {
      if (line == ".") {
        data = false;
        out += "250 Ok\r\n";
      }
      continue;
    }
    if (line.size() >= 4 && (line.substr(0, 4) == "DATA" || line.substr(0, 4) == "data")) {
      data = true;
      out += "354 End data with <CR><LF>.<CR><LF>\r\n";
    } else {
      out += "250 Ok\r\n";
    }
  }
  return out.size();
}

}  // namespace

void write_bench_mailroot(const std::filesystem::path& root) {
  namespace fs = std::filesystem;
  auto put = [&](const std::string& rel, const std::string& text) {
    fs::create_directories((root / rel).parent_path());
    std::ofstream(root / rel, std::ios::binary) << text;
  };
  put("server.tab", "\"RootDomain\"\t\"hunet.jp\"\n\"SmtpServerDomain\"\t\"hunet.jp\"\n");
  put("domains.tab", "\"hunet.jp\"\n\"soopoo.jp\"\n");
  put("mailusers.tab", "\"hunet.jp\"\t\"cop\"\t\"060a15160006170011\"\t1\t\"cop\"\t\"U\"\n"
                       "\"soopoo.jp\"\t\"love\"\t\"090a1300160006170011\"\t2\t\"love\"\t\"U\"\n");
  put("domains/hunet.jp/cop/user.tab", "\"RealName\"\t\"Cop Hunet\"\n");
  put("spammers.tab", "");
  put("smtp.ipmap.tab", "\"0.0.0.0\"\t\"0.0.0.0\"\t\"ALLOW\"\t1\n");
  for (auto d : {"new", "cur", "tmp"}) fs::create_directories(root / "domains/hunet.jp/cop/Maildir" / d);
}


double run_engine_sessions(std::shared_ptr<const config::mailroot> root, const std::filesystem::path& root_path,
                           std::int64_t n, engine_counts* counts) {
  manual_clock clock(1238906842000, 0);
  null_resolver dns;
  struct no_processes final : process_runner {
    process_result run(const process_request&) override { return {}; }
  } processes;
  counting_spool spool;
  // Mailboxes in memory, read from the MailRoot before timing: the replay
  // harness asks a memory store too, so the ratio compares like with like.
  delivery::mailbox_image image;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(root_path / "domains", ec); !ec && it != std::filesystem::recursive_directory_iterator();
       it.increment(ec)) {
    auto rel = it->path().lexically_relative(root_path).generic_string();
    if (it->is_directory(ec)) image.add_folder(rel);
  }
  delivery::counter_name_source names(clock, "localhost");
  delivery::memory_mailbox_store mailboxes(delivery::mailbox_layout::maildir, names, std::move(image));
  env::environment environment{root_path, root_path / "tmp", dns, processes, spool, mailboxes, {}, 0, 90};
  const std::string_view script = bench_session_script;
  engine_counts c;
  session_output out;
  // The bare session loop: bytes in, every request answered at once by the executor, output counted.
  auto pump = [&](protocol_session& s, env::executor& ex) {
    for (;;) {
      out.clear();
      s.drain(out);
      for (auto& e : out.effects)
        if (auto b = std::get_if<send_bytes>(&e)) c.reply_bytes += b->data.size();
      c.events += out.events.size();
      if (out.requests.empty()) return;
      for (auto& r : out.requests) s.on_result(r.id, ex.execute(r.what).value);
    }
  };
  stopwatch w;
  for (std::int64_t i = 0; i < n; ++i) {
    smtp::smtp_settings settings;
    settings.session_number = static_cast<std::uint64_t>(i + 1);
    auto s = smtp::make_smtp_session(root, clock, settings, {"127.0.0.1", 40000}, {"127.0.0.1", 25});
    env::executor ex(environment, settings.session_number);
    s->on_connect();
    pump(*s, ex);
    s->on_bytes(script);
    pump(*s, ex);
  }
  double secs = w.cpu();
  c.messages = spool.messages;
  if (counts) *counts = c;
  return secs;
}

int run_smtp_bench(int argc, char** argv) {
  arg_parser p("bench smtp", "[--sessions N]",
               "Runs N simple SMTP sessions (EHLO, MAIL, RCPT to a local account, DATA, QUIT; no filters)\n"
               "through smtp_session in memory on one thread, and the same bytes through a protocol-only sink\n"
               "as the baseline. Prints sessions per second for both and their ratio. Never asserts a time.");
  p.option({"sessions", "", true, false, "N", "sessions to run (default 200000)"});
  bool help = false;
  auto args = p.parse(argc, argv, help);
  if (!args) return 2;
  if (help) return 0;
  auto n_text = args->get("sessions").value_or("200000");
  auto n = parse_int(n_text);
  if (!n || *n < 1) return p.usage_error("--sessions: expected a positive number");

  namespace fs = std::filesystem;
  std::string tmpl = (fs::temp_directory_path() / "mailflow-bench-smtp-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) {
    std::cerr << "mailflow bench smtp: cannot create a temporary folder\n";
    return 2;
  }
  fs::path root_path = tmpl;
  write_bench_mailroot(root_path);
  diagnostic_list diags;
  std::shared_ptr<const config::mailroot> root = config::mailroot::load(root_path, diags);

  const std::string script = bench_session_script;
  std::size_t sink_bytes = 0;
  stopwatch base;
  for (std::int64_t i = 0; i < *n; ++i) sink_bytes += sink_session(script);
  double base_s = base.cpu();

  engine_counts counts;
  double engine_s = run_engine_sessions(root, root_path, *n, &counts);
  std::size_t reply_bytes = counts.reply_bytes, events = counts.events;
  std::error_code ec;
  fs::remove_all(root_path, ec);

  double engine_rate = static_cast<double>(*n) / engine_s;
  double base_rate = static_cast<double>(*n) / base_s;
  std::cout << std::fixed << std::setprecision(0);
  std::cout << "smtp sessions (one thread, CPU time): " << *n << " sessions, " << counts.messages << " messages, "
            << events / static_cast<std::size_t>(*n) << " events and " << reply_bytes / static_cast<std::size_t>(*n)
            << " reply bytes per session\n";
  std::cout << "  smtp_session:       " << engine_rate << " sessions/s (" << seconds(engine_s) << ")\n";
  std::cout << "  baseline sink:      " << base_rate << " sessions/s (" << seconds(base_s) << ")\n";
  std::cout << "  ratio engine/sink:  " << ratio(engine_rate, base_rate) << "\n";
  std::cout << "  product target:    50000 sessions/s per core: " << (engine_rate >= 50000 ? "met" : "not met") << "\n";
  (void)sink_bytes;
  return 0;
}

}  // namespace mailflow::cli
