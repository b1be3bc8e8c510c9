#include "scenario/scenario.hpp"

#include "core/text.hpp"
#include "pattern/pattern.hpp"

#include <pugixml.hpp>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

namespace mailflow::harness {

namespace {

struct parse_error {
  std::uint32_t line;
  std::string message;
};

// Maps pugixml's byte offsets to 1-based line numbers.
class line_map {
 public:
  explicit line_map(std::string_view text) {
    for (std::size_t i = 0; i < text.size(); ++i)
      if (text[i] == '\n') newlines_.push_back(i);
  }
  std::uint32_t line(std::ptrdiff_t offset) const {
    if (offset < 0) return 0;
    auto it = std::lower_bound(newlines_.begin(), newlines_.end(), static_cast<std::size_t>(offset));
    return static_cast<std::uint32_t>(it - newlines_.begin()) + 1;
  }

 private:
  std::vector<std::size_t> newlines_;
};

class reader {
 public:
  explicit reader(const line_map& lines) : lines_(lines) {}

  std::uint32_t line(const pugi::xml_node& n) const { return lines_.line(n.offset_debug()); }

  [[noreturn]] void fail(const pugi::xml_node& n, const std::string& message) const {
    throw parse_error{line(n), message};
  }

  // Rejects attributes the element does not know (a typo must not silently pass).
  void only(const pugi::xml_node& n, std::initializer_list<const char*> allowed) const {
    for (auto a : n.attributes()) {
      bool ok = std::string_view(a.name()).starts_with("xmlns");
      for (auto name : allowed) ok = ok || std::string_view(a.name()) == name;
      if (!ok) fail(n, std::string("<") + n.name() + "> has no attribute '" + a.name() + "'");
    }
  }

  std::optional<std::string> opt(const pugi::xml_node& n, const char* name) const {
    auto a = n.attribute(name);
    if (!a) return std::nullopt;
    return std::string(a.value());
  }

  std::string req(const pugi::xml_node& n, const char* name) const {
    auto a = n.attribute(name);
    if (!a) fail(n, std::string("<") + n.name() + "> needs the attribute '" + name + "'");
    return a.value();
  }

  std::optional<bool> opt_bool(const pugi::xml_node& n, const char* name) const {
    auto v = opt(n, name);
    if (!v) return std::nullopt;
    if (*v == "true" || *v == "1") return true;
    if (*v == "false" || *v == "0") return false;
    fail(n, std::string("attribute '") + name + "' must be true or false, not '" + *v + "'");
  }

  std::optional<int> opt_int(const pugi::xml_node& n, const char* name, int min, int max) const {
    auto v = opt(n, name);
    if (!v) return std::nullopt;
    try {
      std::size_t used = 0;
      int x = std::stoi(*v, &used);
      if (used == v->size() && x >= min && x <= max) return x;
    } catch (...) {
    }
    fail(n, std::string("attribute '") + name + "' must be a number from " + std::to_string(min) + " to " +
                std::to_string(max) + ", not '" + *v + "'");
  }

  // Tokens ({product}, {root}, {sink}, {sinkport}) are replaced before matching, so check with stand-ins.
  void check_regex(const pugi::xml_node& n, const std::string& re) const {
    if (!checked_regexes_.insert(re).second) return;  // a suite repeats its patterns
    std::string text = re;
    for (const char* token : {"{product}", "{root}", "{sinkport}", "{sink}"})
      for (auto at = text.find(token); at != std::string::npos; at = text.find(token)) text.replace(at, std::strlen(token), "x");
    std::string error;
    if (!pattern::compile(text, &error)) fail(n, "bad regex '" + re + "': " + error);
  }

  reply_expectation reply_expect(const pugi::xml_node& n, step& s) const {
    reply_expectation r;
    r.code = opt(n, "code");
    if (r.code && (r.code->size() != 3 || !std::all_of(r.code->begin(), r.code->end(), ::isdigit)))
      fail(n, "code must be three digits, not '" + *r.code + "'");
    r.exact = opt(n, "reply");
    r.match = opt(n, "match");
    if (r.match) check_regex(n, *r.match);
    r.closed = opt_bool(n, "closed");
    r.none = opt_bool(n, "none").value_or(false);
    for (auto c : n.children()) {
      if (c.type() != pugi::node_element) continue;
      if (std::string_view(c.name()) != "reply") fail(c, std::string("unexpected <") + c.name() + "> in a step");
      if (r.lines) fail(c, "only one <reply> per step");
      only(c, {"code"});
      if (auto code = opt(c, "code")) {
        if (r.code && *r.code != *code) fail(c, "<reply code> differs from the step's code");
        r.code = code;
      }
      std::vector<expected_line> lines;
      for (auto l : c.children()) {
        if (l.type() != pugi::node_element) continue;
        if (std::string_view(l.name()) != "line") fail(l, std::string("unexpected <") + l.name() + "> in <reply>");
        only(l, {"match"});
        if (auto m = opt(l, "match")) {
          check_regex(l, *m);
          lines.push_back({*m, true});
        } else {
          lines.push_back({l.text().get(), false});
        }
      }
      r.lines = std::move(lines);
      s.has_reply_children = true;
    }
    if (r.none && (r.code || r.exact || r.match || r.lines)) fail(n, "none=\"true\" cannot have reply expectations");
    return r;
  }

  step parse_step(const pugi::xml_node& n) const {
    static const std::initializer_list<const char*> reply_attrs = {"code", "reply", "match", "closed", "none"};
    step s;
    s.line = line(n);
    std::string_view name = n.name();
    auto with = [&](std::initializer_list<const char*> extra) {
      std::vector<const char*> all(reply_attrs);
      all.insert(all.end(), extra);
      for (auto a : n.attributes()) {
        if (std::find_if(all.begin(), all.end(), [&](const char* x) { return std::string_view(a.name()) == x; }) ==
            all.end())
          fail(n, std::string("<") + n.name() + "> has no attribute '" + a.name() + "'");
      }
    };
    if (name == "greeting") {
      with({});
      s.what = step::kind::greeting;
    } else if (name == "send") {
      with({"line", "wait", "secret"});
      s.what = step::kind::send;
      s.text = req(n, "line");
      if (s.text.find_first_of("\r\n") != std::string::npos) fail(n, "a <send> line cannot hold CR or LF; use <raw>");
      s.wait = opt_bool(n, "wait").value_or(true);
    } else if (name == "raw") {
      with({"bytes", "wait", "secret"});
      s.what = step::kind::raw;
      std::string err;
      if (!unescape_bytes(req(n, "bytes"), s.text, err)) fail(n, err);
      s.wait = opt_bool(n, "wait").value_or(false);
    } else if (name == "base64") {
      with({"text", "secret"});
      s.what = step::kind::base64;
      s.text = req(n, "text");
    } else if (name == "auth-plain" || name == "cram-md5") {
      with({"user", "password"});
      s.what = name == "auth-plain" ? step::kind::auth_plain : step::kind::cram_md5;
      s.user = req(n, "user");
      s.password = req(n, "password");
    } else if (name == "read") {
      with({});
      s.what = step::kind::read;
    } else if (name == "pause") {
      only(n, {"seconds"});
      s.what = step::kind::pause;
      s.wait = false;
      s.seconds = opt_int(n, "seconds", 0, 86400 * 365).value_or(-1);
      if (s.seconds < 0) fail(n, "<pause> needs seconds=\"N\"");
    } else if (name == "close") {
      only(n, {});
      s.what = step::kind::close;
      s.wait = false;
    } else {
      fail(n, std::string("unknown step <") + n.name() + ">");
    }
    if (s.what == step::kind::send || s.what == step::kind::raw || s.what == step::kind::base64)
      s.secret = opt_bool(n, "secret").value_or(false);
    if (s.what != step::kind::pause && s.what != step::kind::close) {
      s.expect = reply_expect(n, s);
      if (s.what == step::kind::raw && s.expect.any()) s.wait = true;
      if (!s.wait && s.expect.any()) fail(n, "a step with wait=\"false\" cannot have reply expectations");
    }
    return s;
  }

  session_script parse_session(const pugi::xml_node& n) const {
    only(n, {"protocol", "client", "server", "trailing", "at", "after"});
    session_script s;
    s.line = line(n);
    s.protocol = opt(n, "protocol").value_or("smtp");
    if (s.protocol != "smtp")
      fail(n, "protocol '" + s.protocol + "' is not supported: only SMTP sessions can be replayed (POP3 and CTRL "
                                          "engines do not exist yet)");
    s.client = opt(n, "client").value_or("");
    s.server = opt(n, "server").value_or("");
    s.at_seconds = opt_int(n, "at", 0, 86400 * 365);
    s.after_seconds = opt_int(n, "after", 0, 86400 * 365).value_or(0);
    if (s.at_seconds && s.after_seconds) fail(n, "a session has either at= (concurrent) or after= (sequential)");
    if (auto t = opt(n, "trailing")) {
      if (*t != "any" && *t != "none") fail(n, "trailing must be 'any' or 'none'");
      s.trailing_any = *t == "any";
    }
    bool first = true;
    for (auto c : n.children()) {
      if (c.type() != pugi::node_element) continue;
      step st = parse_step(c);
      if (st.what == step::kind::greeting && !first) fail(c, "<greeting> must be the first step of a session");
      if (first && st.what != step::kind::greeting) {
        step g;
        g.what = step::kind::greeting;
        g.line = s.line;
        s.steps.push_back(g);
      }
      first = false;
      s.steps.push_back(std::move(st));
    }
    if (s.steps.empty()) {
      step g;
      g.what = step::kind::greeting;
      g.line = s.line;
      s.steps.push_back(g);
    }
    return s;
  }

  void parse_expect(const pugi::xml_node& n, scenario& sc) const {
    only(n, {});
    sc.has_expect = true;
    sc.expect_line = line(n);
    for (auto c : n.children()) {
      if (c.type() != pugi::node_element) continue;
      std::string_view name = c.name();
      if (name == "decision") {
        only(c, {"stage", "outcome", "rule", "input", "reply", "count"});
        expected_decision d{line(c), req(c, "stage"), opt(c, "outcome"), opt(c, "rule"), opt(c, "input"),
                            opt(c, "reply"), opt_int(c, "count", 0, 1000000)};
        sc.decisions.push_back(std::move(d));
      } else if (name == "filter") {
        only(c, {"hook", "action", "status", "rej", "exit", "stop", "count"});
        expected_filter f{line(c), req(c, "hook"), opt(c, "action"), opt(c, "status"), opt(c, "rej"),
                          opt_int(c, "exit", -1, 255), opt_bool(c, "stop"), opt_int(c, "count", 0, 1000000)};
        sc.filters.push_back(std::move(f));
      } else if (name == "message") {
        only(c, {"rcpt", "from", "auth"});
        expected_message m{line(c), opt(c, "rcpt"), opt(c, "from"), opt(c, "auth"), {}, {}};
        for (auto h : c.children()) {
          if (h.type() != pugi::node_element) continue;
          if (std::string_view(h.name()) == "header") {
            only(h, {"name", "value", "match", "absent"});
            expected_header eh{req(h, "name"), opt(h, "value"), opt(h, "match"), opt_bool(h, "absent").value_or(false)};
            if (eh.match) check_regex(h, *eh.match);
            m.headers.push_back(std::move(eh));
          } else if (std::string_view(h.name()) == "body") {
            only(h, {"contains", "match", "equals"});
            expected_body b{opt(h, "contains"), opt(h, "match"), opt(h, "equals")};
            if (b.match) check_regex(h, *b.match);
            if (!b.contains && !b.match && !b.equals) fail(h, "<body> needs contains, match or equals");
            m.bodies.push_back(std::move(b));
          } else {
            fail(h, std::string("unexpected <") + h.name() + "> in <message>");
          }
        }
        sc.messages.push_back(std::move(m));
      } else if (name == "messages") {
        only(c, {"count"});
        sc.message_count = opt_int(c, "count", 0, 1000000);
        if (!sc.message_count) fail(c, "<messages> needs count=\"N\"");
      } else {
        fail(c, std::string("unknown expectation <") + c.name() + ">");
      }
    }
  }

  void parse(const pugi::xml_node& root, scenario& sc) const {
    if (std::string_view(root.name()) != "scenario") fail(root, "the root element must be <scenario>");
    only(root, {"name"});
    sc.name = opt(root, "name").value_or(sc.file.stem().string());
    bool have_root = false;
    for (auto c : root.children()) {
      if (c.type() != pugi::node_element) continue;
      std::string_view name = c.name();
      if (name == "description") {
        sc.description = c.text().get();
      } else if (name == "mailroot") {
        only(c, {"fixture"});
        sc.fixture = req(c, "fixture");
        sc.fixture_path = (sc.file.parent_path() / sc.fixture).lexically_normal();
        sc.fixture_line = line(c);
        have_root = true;
      } else if (name == "file" || name == "remove") {
        overlay_file f;
        f.line = line(c);
        if (name == "file") {
          only(c, {"path", "executable", "append"});
          f.content = c.text().get();
          f.executable = opt_bool(c, "executable").value_or(false);
          f.append = opt_bool(c, "append").value_or(false);
        } else {
          only(c, {"path"});
          f.remove = true;
        }
        f.path = req(c, "path");
        std::filesystem::path p(f.path);
        bool escapes = p.is_absolute() || f.path.empty();
        for (auto& part : p)
          if (part == "..") escapes = true;
        if (escapes) fail(c, "path '" + f.path + "' must be relative to the MailRoot, without '..'");
        sc.overlays.push_back(std::move(f));
      } else if (name == "env") {
        only(c, {"start", "client", "server", "sink", "max-recipients", "tls", "pop3-expire"});
        if (auto s = opt(c, "start")) {
          if (!parse_rfc3339(*s, sc.start_ms, sc.utc_offset_minutes))
            fail(c, "start must be RFC 3339 like 2009-04-05T13:47:22+09:00, not '" + *s + "'");
          sc.start = *s;
        }
        sc.client = opt(c, "client").value_or(sc.client);
        sc.server = opt(c, "server").value_or(sc.server);
        sc.sink = opt(c, "sink").value_or(sc.sink);
        sc.max_recipients = opt_int(c, "max-recipients", 1, 1000000).value_or(sc.max_recipients);
        sc.tls = opt_bool(c, "tls").value_or(false);
        sc.pop3_expire_seconds = opt_int(c, "pop3-expire", 0, 86400 * 365).value_or(sc.pop3_expire_seconds);
      } else if (name == "pop3-login") {
        only(c, {"ip", "ago"});
        pop3_login l{line(c), req(c, "ip"), opt_int(c, "ago", 0, 86400 * 365).value_or(0)};
        sc.pop3_logins.push_back(std::move(l));
      } else if (name == "dns") {
        only(c, {});
        sc.dns_zone = c.text().get();
        sc.dns_line = line(c);
      } else if (name == "peer") {
        only(c, {"host", "address"});
        scripted_peer peer{line(c), req(c, "host"), opt(c, "address").value_or(""), {}};
        for (auto r : c.children()) {
          if (r.type() != pugi::node_element) continue;
          if (std::string_view(r.name()) != "on") fail(r, std::string("unexpected <") + r.name() + "> in <peer>");
          only(r, {"command", "match", "reply"});
          peer_rule rule{line(r), req(r, "command"), opt(r, "match"), req(r, "reply")};
          static const std::set<std::string> commands{"CONNECT", "EHLO", "HELO", "MAIL", "RCPT", "DATA", "DOT", "QUIT"};
          if (!commands.count(rule.command))
            fail(r, "command must be one of CONNECT EHLO HELO MAIL RCPT DATA DOT QUIT, not '" + rule.command + "'");
          if (rule.reply.size() < 3 || !std::all_of(rule.reply.begin(), rule.reply.begin() + 3, ::isdigit))
            fail(r, "reply must start with a three-digit code");
          if (rule.match) check_regex(r, *rule.match);
          peer.rules.push_back(std::move(rule));
        }
        sc.peers.push_back(std::move(peer));
      } else if (name == "process") {
        only(c, {"program", "exit", "after"});
        sc.processes.push_back(scripted_process{line(c), req(c, "program"), opt_int(c, "exit", 0, 255).value_or(0),
                                                opt_int(c, "after", 0, 86400 * 365).value_or(0)});
      } else if (name == "session") {
        sc.sessions.push_back(parse_session(c));
      } else if (name == "expect") {
        parse_expect(c, sc);
      } else {
        fail(c, std::string("unknown element <") + c.name() + ">");
      }
    }
    if (!have_root) fail(root, "<scenario> needs a <mailroot fixture=\"...\"/>");
    if (sc.sessions.empty()) fail(root, "<scenario> needs at least one <session>");
  }

 private:
  const line_map& lines_;
  mutable std::set<std::string> checked_regexes_;
};

}  // namespace

bool parse_rfc3339(std::string_view t, std::int64_t& unix_ms, int& offset_minutes) {
  int y, mo, d, h, mi, s;
  char tz[8] = {};
  std::string text(t);
  int n = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &n) != 6) return false;
  std::string rest = text.substr(n);
  int off = 0;
  if (rest == "Z") {
    off = 0;
  } else if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':') {
    int oh = 0, om = 0;
    if (std::sscanf(rest.c_str() + 1, "%2d:%2d", &oh, &om) != 2 || oh > 23 || om > 59) return false;
    off = (oh * 60 + om) * (rest[0] == '-' ? -1 : 1);
  } else {
    return false;
  }
  (void)tz;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60 || y < 1970) return false;
  // days from civil (Howard Hinnant's algorithm)
  int yy = y - (mo <= 2);
  int era = yy / 400;
  int yoe = yy - era * 400;
  int doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  std::int64_t days = static_cast<std::int64_t>(era) * 146097 + doe - 719468;
  std::int64_t secs = days * 86400 + h * 3600 + mi * 60 + s - off * 60;
  unix_ms = secs * 1000;
  offset_minutes = off;
  return true;
}

std::optional<scenario> load_scenario(const std::filesystem::path& file, std::string& error) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    error = file.generic_string() + ":0: cannot read the file";
    return std::nullopt;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_scenario(ss.str(), file, error);
}

std::optional<scenario> parse_scenario(std::string_view text, const std::filesystem::path& file, std::string& error) {
  line_map lines(text);
  pugi::xml_document doc;
  auto ok = doc.load_buffer(text.data(), text.size(), pugi::parse_default | pugi::parse_ws_pcdata_single);
  if (!ok) {
    error = file.generic_string() + ":" + std::to_string(lines.line(ok.offset)) + ": " + ok.description();
    return std::nullopt;
  }
  scenario sc;
  sc.file = file;
  reader r(lines);
  try {
    r.parse(doc.document_element(), sc);
  } catch (const parse_error& e) {
    error = file.generic_string() + ":" + std::to_string(e.line) + ": " + e.message;
    return std::nullopt;
  }
  return sc;
}

}  // namespace mailflow::harness
