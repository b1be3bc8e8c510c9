#include "replay/runner.hpp"

#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <thread>
#include <unordered_map>

#include "config/mailroot.hpp"
#include "core/codec.hpp"
#include "core/ip.hpp"
#include "core/redact.hpp"
#include "core/stage.hpp"
#include "core/text.hpp"
#include "flow/posix_process_runner.hpp"
#include "replay/channel.hpp"
#include "replay/mailroot_copy.hpp"
#include "smtp/memory_spool.hpp"

namespace mailflow::harness {

namespace fs = std::filesystem;
using reports::check_failure;
using reports::scenario_result;
using reports::session_result;
using reports::step_result;

namespace {

constexpr const char* product_token = "mailflow 0.1";


struct scenario_timeout {
  std::uint32_t line;
};

std::string join(const std::vector<std::string>& lines, std::string_view sep = "\n") {
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i) out += sep;
    out += lines[i];
  }
  return out;
}

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

// The address inside "MAIL FROM:<a@b>" / "RCPT TO:<a@b>", or the text itself.
std::string address_of(const std::string& line) {
  auto lt = line.find('<'), gt = line.rfind('>');
  if (lt != std::string::npos && gt != std::string::npos && gt > lt) return line.substr(lt + 1, gt - lt - 1);
  return line;
}

// An expected "u@d" also matches a source-routed "@gw1,@gw2:u@d" (smtpgw.tab
// rewrites recipients that way, manual: SMTPGW.TAB); an expected route must match exactly.
bool same_mailbox(const std::string& actual, const std::string& expected) {
  if (iequals(actual, expected)) return true;
  auto colon = actual.rfind(':');
  return actual.rfind('@', 0) == 0 && colon != std::string::npos && expected.find(':') == std::string::npos &&
         iequals(actual.substr(colon + 1), expected);
}

std::string rule_text(const std::optional<rule_ref>& r) {
  if (!r) return "";
  return r->line ? r->file + ":" + std::to_string(r->line) : r->file;
}

struct header_field {
  std::string name, value;
};

// Header fields of a stored message, continuation lines joined with '\n'.
std::vector<header_field> header_fields(const std::string& data, std::string& body) {
  std::vector<header_field> out;
  std::size_t pos = 0;
  while (pos < data.size()) {
    auto eol = data.find('\n', pos);
    std::string line = data.substr(pos, eol == std::string::npos ? std::string::npos : eol - pos);
    std::size_t next = eol == std::string::npos ? data.size() : eol + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) {
      body = data.substr(next);
      return out;
    }
    if ((line[0] == ' ' || line[0] == '\t') && !out.empty()) {
      out.back().value += "\n" + line;
    } else {
      auto colon = line.find(':');
      header_field h{line.substr(0, colon), colon == std::string::npos ? "" : line.substr(colon + 1)};
      if (!h.value.empty() && h.value.front() == ' ') h.value.erase(0, 1);
      out.push_back(std::move(h));
    }
    pos = next;
  }
  body.clear();
  return out;
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

// Compiled regexes by pattern: building a std::regex costs far more than
// matching it, and a suite repeats its patterns, so each worker thread keeps
// the ones it has built (bounded: cleared when it grows past 4096).
class regex_cache {
 public:
  const std::regex* get(const std::string& pattern) {
    if (cache_.size() > 4096) cache_.clear();
    auto it = cache_.find(pattern);
    if (it == cache_.end()) {
      std::optional<std::regex> r;
      try {
        r.emplace(pattern, std::regex::ECMAScript);
      } catch (const std::regex_error&) {
      }
      it = cache_.emplace(pattern, std::move(r)).first;
    }
    return it->second ? &*it->second : nullptr;
  }

 private:
  std::unordered_map<std::string, std::optional<std::regex>> cache_;
};

class scenario_run {
 public:
  scenario_run(const scenario& sc, scenario_result& res, const run_options& opt, std::string root_text)
      : sc_(sc), res_(res), opt_(opt), root_(std::move(root_text)) {
    if (opt.timeout_seconds > 0) deadline_ = std::chrono::steady_clock::now() + std::chrono::seconds(opt.timeout_seconds);
  }

  std::string where(std::uint32_t line) const { return res_.path + ":" + std::to_string(line); }

  std::string expand(const std::string& text) const {
    if (text.find('{') == std::string::npos) return text;
    std::string out = expand_tokens(text, root_, sc_.sink);
    for (std::size_t at = out.find("{product}"); at != std::string::npos; at = out.find("{product}", at))
      out.replace(at, 9, product_token);
    return out;
  }

  bool regex_full(const std::string& text, const std::string& re) {
    auto* r = regexes().get(re);
    return r && std::regex_match(text, *r);
  }

  void fail(std::uint32_t line, std::string what, std::string expected, std::string actual) {
    res_.failures.push_back({where(line), std::move(what), std::move(expected), std::move(actual)});
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
          bytes = expand(st.text) + "\r\n";
          r.sent = escape_bytes(redact_client_line(expand(st.text), answering));
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
        r.passed = check_reply(st, r, status, closed_after);
        if (status == read_status::reply) {
          last_reply = reply;
          answering = !reply.empty() && reply.back().rfind("334", 0) == 0;
          // The client side of STARTTLS begins once the server agreed.
          if (st.what == step::kind::send && iequals(trim(st.text), "STARTTLS") && !reply.empty() &&
              reply.back().rfind("220", 0) == 0) {
            std::string err;
            if (!ch.start_tls(err)) res_.notes.push_back("session " + where(s.line) + ": STARTTLS: " + err);
          }
        }
      }
      out.steps.push_back(std::move(r));
    }
    out.trailing = ch.trailing();
    if (!out.trailing.empty() && !s.trailing_any)
      fail(s.steps.back().line, "replies after the last step", "(nothing more)", join(out.trailing));
    out.closed_by_server = ch.server_closed();
    ch.close();
    if (in_process) out.events = ch.take_events();
  }

  bool check_reply(const step& st, const step_result& r, read_status status, bool closed_after) {
    ++res_.checks;
    const auto& e = st.expect;
    const bool got = status == read_status::reply;
    bool ok = true;
    if (e.none) ok = ok && status == read_status::none;
    if (e.code) ok = ok && got && !r.reply.empty() && r.reply.back().compare(0, 3, *e.code) == 0;
    if (e.exact) ok = ok && got && join(r.reply) == expand(*e.exact);
    if (e.match) ok = ok && got && regex_full(join(r.reply), expand(*e.match));
    if (e.lines) {
      bool same = got && r.reply.size() == e.lines->size();
      for (std::size_t i = 0; same && i < e.lines->size(); ++i) {
        auto& l = (*e.lines)[i];
        same = l.regex ? regex_full(r.reply[i], expand(l.text)) : r.reply[i] == expand(l.text);
      }
      ok = ok && same;
    }
    if (e.closed) ok = ok && closed_after == *e.closed;
    if (ok) return true;

    // Only a failure pays for describing itself.
    std::vector<std::string> expected;
    std::string actual = got ? join(r.reply) : status == read_status::none ? "(no reply)" : "(connection closed)";
    if (e.none) expected.push_back("(no reply)");
    if (e.code && !e.exact && !e.lines) expected.push_back("a " + *e.code + " reply");
    if (e.exact) expected.push_back(expand(*e.exact));
    if (e.match) expected.push_back("/" + expand(*e.match) + "/");
    if (e.lines) {
      std::vector<std::string> shown;
      for (auto& l : *e.lines) shown.push_back(l.regex ? "/" + expand(l.text) + "/" : expand(l.text));
      expected.push_back(join(shown));
    }
    if (e.closed) {
      expected.push_back(*e.closed ? "then the server closes the connection" : "and the connection stays open");
      if (closed_after != *e.closed)
        actual += closed_after ? "\n(the server closed the connection)" : "\n(the connection stayed open)";
    }
    std::string what = st.what == step::kind::greeting ? "greeting" : "reply to " + (r.sent.empty() ? r.kind : r.sent);
    fail(st.line, what, join(expected), actual);
    return false;
  }

  void check_outcomes(const std::vector<session_result>& sessions, const std::vector<smtp::spool_message>& spooled) {
    std::vector<const stage_decision*> decisions;
    std::vector<const filter_invocation*> filters;
    for (auto& s : sessions)
      for (auto& e : s.events) {
        if (auto d = std::get_if<stage_decision>(&e)) decisions.push_back(d);
        if (auto f = std::get_if<filter_invocation>(&e)) filters.push_back(f);
      }
    check_decisions(decisions);
    check_filters(filters);
    check_messages(spooled);
  }

  static std::string describe(const stage_decision& d) {
    std::string s = std::string(stage_name(d.id)) + " " + std::string(outcome_name(d.result));
    if (!d.input.empty()) s += " input=" + d.input;
    if (d.rule) s += " rule=" + rule_text(d.rule);
    if (!d.reply.empty()) s += " reply=\"" + d.reply + "\"";
    return s;
  }

  static std::string describe(const expected_decision& e) {
    std::string s = e.stage + " " + e.outcome.value_or("*");
    if (e.input) s += " input=" + *e.input;
    if (e.rule) s += " rule=" + *e.rule;
    if (e.reply) s += " reply=\"" + *e.reply + "\"";
    return s;
  }

  bool matches(const expected_decision& e, const stage_decision& d) const {
    if (stage_name(d.id) != e.stage) return false;
    if (e.outcome && outcome_name(d.result) != *e.outcome) return false;
    if (e.input && d.input != expand(*e.input)) return false;
    if (e.reply && d.reply != expand(*e.reply)) return false;
    if (e.rule) {
      bool with_line = e.rule->find(':') != std::string::npos;
      std::string actual = with_line ? rule_text(d.rule) : (d.rule ? d.rule->file : "");
      if (actual != *e.rule) return false;
    }
    return true;
  }

  void check_decisions(const std::vector<const stage_decision*>& actual) {
    std::size_t from = 0;
    for (auto& e : sc_.decisions) {
      ++res_.checks;
      if (!stage_from_name(e.stage)) {
        fail(e.line, "decision " + e.stage, "a stage of the catalogue", "'" + e.stage + "' is not a stage name");
        continue;
      }
      if (e.outcome && !outcome_from_name(*e.outcome)) {
        fail(e.line, "decision " + e.stage, "an outcome name", "'" + *e.outcome + "' is not an outcome");
        continue;
      }
      std::vector<std::string> same_stage;
      for (auto* d : actual)
        if (stage_name(d->id) == e.stage) same_stage.push_back(describe(*d));
      std::string seen = same_stage.empty() ? "no " + e.stage + " decision was made" : join(same_stage);
      if (e.count) {
        int n = 0;
        for (auto* d : actual) n += matches(e, *d) ? 1 : 0;
        if (n != *e.count)
          fail(e.line, "decision " + e.stage, std::to_string(*e.count) + " x " + describe(e),
               std::to_string(n) + " matching; " + seen);
        continue;
      }
      std::size_t i = from;
      while (i < actual.size() && !matches(e, *actual[i])) ++i;
      if (i == actual.size()) {
        bool earlier = false;
        for (std::size_t j = 0; j < from; ++j) earlier = earlier || matches(e, *actual[j]);
        fail(e.line, "decision " + e.stage, describe(e) + (earlier ? " (after the previous expected decision)" : ""),
             seen);
        continue;
      }
      from = i + 1;
    }
  }

  static std::string describe(const filter_invocation& f) {
    std::string s = std::string(stage_name(f.hook)) + " " + f.status;
    if (f.exit_code) s += " exit=" + std::to_string(*f.exit_code);
    s += " action=" + f.action;
    if (f.stop_list) s += " stop";
    if (!f.rej_text.empty()) s += " rej=\"" + f.rej_text + "\"";
    return s;
  }

  bool matches(const expected_filter& e, const filter_invocation& f) const {
    return stage_name(f.hook) == e.hook && (!e.action || f.action == *e.action) && (!e.status || f.status == *e.status) &&
           (!e.exit_code || (f.exit_code && *f.exit_code == *e.exit_code)) && (!e.stop || f.stop_list == *e.stop) &&
           (!e.rej || f.rej_text == expand(*e.rej));
  }

  void check_filters(const std::vector<const filter_invocation*>& actual) {
    std::size_t from = 0;
    for (auto& e : sc_.filters) {
      ++res_.checks;
      std::string want = e.hook;
      if (e.status) want += " " + *e.status;
      if (e.exit_code) want += " exit=" + std::to_string(*e.exit_code);
      if (e.action) want += " action=" + *e.action;
      if (e.stop) want += *e.stop ? " stop" : " no-stop";
      if (e.rej) want += " rej=\"" + *e.rej + "\"";
      std::vector<std::string> seen_list;
      for (auto* f : actual) seen_list.push_back(describe(*f));
      std::string seen = seen_list.empty() ? "no filter ran" : join(seen_list);
      if (e.count) {
        int n = 0;
        for (auto* f : actual) n += matches(e, *f) ? 1 : 0;
        if (n != *e.count) fail(e.line, "filter " + e.hook, std::to_string(*e.count) + " x " + want, seen);
        continue;
      }
      std::size_t i = from;
      while (i < actual.size() && !matches(e, *actual[i])) ++i;
      if (i == actual.size()) {
        fail(e.line, "filter " + e.hook, want, seen);
        continue;
      }
      from = i + 1;
    }
  }

  // Empty when `m` meets `e`, else why not.
  std::string mismatch(const expected_message& e, const smtp::spool_message& m) {
    if (e.rcpt && !same_mailbox(address_of(m.rcpt_to), expand(*e.rcpt))) return "recipient " + m.rcpt_to;
    if (e.from && !iequals(address_of(m.mail_from), expand(*e.from))) return "sender " + m.mail_from;
    if (e.auth && m.auth_user != *e.auth) return "authenticated as '" + m.auth_user + "'";
    std::string body;
    auto headers = header_fields(m.data, body);
    for (auto& h : e.headers) {
      std::vector<std::string> values;
      for (auto& f : headers)
        if (iequals(f.name, h.name)) values.push_back(f.value);
      if (h.absent) {
        if (!values.empty()) return "header " + h.name + ": " + values.front() + " (expected absent)";
        continue;
      }
      bool ok = false;
      for (auto& v : values)
        ok = ok || ((!h.value || v == expand(*h.value)) && (!h.match || regex_full(v, expand(*h.match))));
      if (!ok)
        return values.empty() ? "no " + h.name + " header" : "header " + h.name + ": " + join(values, " | ");
    }
    for (auto& b : e.bodies) {
      if (b.contains && body.find(expand(*b.contains)) == std::string::npos)
        return "body without \"" + *b.contains + "\"";
      if (b.equals && body != expand(*b.equals)) return "body \"" + body + "\"";
      if (b.match) {
        auto* r = regexes().get(expand(*b.match));
        if (!r || !std::regex_search(body, *r)) return "body not matching /" + *b.match + "/";
      }
    }
    return "";
  }

  void check_messages(const std::vector<smtp::spool_message>& spooled) {
    std::vector<bool> used(spooled.size(), false);
    for (auto& e : sc_.messages) {
      ++res_.checks;
      std::vector<std::string> why;
      bool found = false;
      for (std::size_t i = 0; i < spooled.size() && !found; ++i) {
        if (used[i]) continue;
        auto m = mismatch(e, spooled[i]);
        if (m.empty()) {
          used[i] = found = true;
        } else {
          why.push_back(spooled[i].message_ref + " " + spooled[i].rcpt_to + ": " + m);
        }
      }
      if (!found) {
        std::string want = "a message";
        if (e.from) want += " from <" + *e.from + ">";
        if (e.rcpt) want += " for <" + *e.rcpt + ">";
        fail(e.line, "message", want, why.empty() ? "no (other) message was spooled" : join(why));
      }
    }
    std::optional<int> count = sc_.message_count;
    if (!count && !sc_.messages.empty()) count = static_cast<int>(sc_.messages.size());
    if (count) {
      ++res_.checks;
      if (static_cast<int>(spooled.size()) != *count) {
        std::vector<std::string> got;
        for (auto& m : spooled) got.push_back(m.message_ref + " " + m.mail_from + " " + m.rcpt_to);
        fail(sc_.expect_line, "messages spooled", std::to_string(*count) + " message(s)",
             std::to_string(spooled.size()) + " message(s)" + (got.empty() ? "" : ":\n" + join(got)));
      }
    }
  }

 private:
  const scenario& sc_;
  scenario_result& res_;
  const run_options& opt_;
  std::string root_;
  std::optional<std::chrono::steady_clock::time_point> deadline_;
  static regex_cache& regexes() {
    thread_local regex_cache cache;
    return cache;
  }
};

// A free loopback TCP port (bound and released).
int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = 0;
  if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  if (fd >= 0) ::close(fd);
  return port;
}

// A server started per scenario (--server), stopped as replay.py stops it:
// SIGINT, then SIGKILL to its process group after 8 s.
class server_process {
 public:
  server_process(const std::string& command, const fs::path& root, const fs::path& log) {
    std::string pid_dir = (root.parent_path() / "pid").string(), temp = (root.parent_path() / "xtmp").string();
    fs::create_directories(pid_dir);
    fs::create_directories(temp);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::setpgid(0, 0);
      int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd >= 0) {
        ::dup2(fd, 1);
        ::dup2(fd, 2);
      }
      int null = ::open("/dev/null", O_RDONLY);
      if (null >= 0) ::dup2(null, 0);
      ::setenv("MAIL_ROOT", root.c_str(), 1);
      ::setenv("XMAIL_PID_DIR", pid_dir.c_str(), 1);
      ::setenv("XMAIL_TEMP", temp.c_str(), 1);
      ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    if (pid_ > 0) ::setpgid(pid_, pid_);
  }
  ~server_process() { stop(); }
  bool started() const { return pid_ > 0; }
  void stop() {
    if (pid_ <= 0) return;
    ::kill(-pid_, SIGINT);
    for (int i = 0; i < 160; ++i) {
      if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ::kill(-pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
};

std::string tail_of(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  if (text.size() > 600) text = "..." + text.substr(text.size() - 600);
  return text;
}

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
  scenario_run run(sc, res, opt, root_text);
  scripted_pop3_logins pop3_logins;
  for (auto& l : sc.pop3_logins) pop3_logins.add(l.ip, sc.start_ms - l.seconds_before_start * 1000);
  smtp::smtp_environment env{*mr, clock, zone, processes, spool, &pop3_logins, (root / "tmp").string()};
  for (std::size_t i = 0; i < sc.sessions.size(); ++i) {
    auto& s = sc.sessions[i];
    smtp::endpoint client, server;
    if (!parse_endpoint(s.client.empty() ? sc.client : s.client, client) ||
        !parse_endpoint(s.server.empty() ? sc.server : s.server, server)) {
      res.status = "error";
      res.error = run.where(s.line) + ": client and server must be IP:PORT";
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
    run.drive(ch, s, sr, true);
    root_hider hide{root_text};
    for (auto& e : sr.events) std::visit(hide, e);
    for (auto& st : sr.steps)
      for (auto& l : st.reply) hide.fix(l);
    res.sessions.push_back(std::move(sr));
  }
  for (auto& m : spool.messages)
    res.spooled.push_back({m.message_ref, m.mail_from, m.rcpt_to, m.auth_user, m.data.size(), m.data});
  run.check_outcomes(res.sessions, spool.messages);
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
  scenario_run run(sc, res, opt, root.string());
  for (auto& s : sc.sessions) {
    // A freshly started server gets time to bind its port.
    auto patience = server ? std::chrono::milliseconds(10000) : std::chrono::milliseconds(3000);
    tcp_channel ch(host, port, patience);
    if (!ch.ok()) {
      res.status = "error";
      res.error = run.where(s.line) + ": " + ch.error() + (server ? "\nserver output:\n" + tail_of(log) : "");
      return;
    }
    session_result sr;
    sr.protocol = s.protocol;
    sr.client = "(tcp client)";
    sr.server = host + ":" + std::to_string(port);
    run.drive(ch, s, sr, false);
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
