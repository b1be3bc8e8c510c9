// The seed's prose transcript and plain "S:"/"C:" dialogues. Both are read
// into a list of client lines and server replies; one builder turns that
// list into session steps, pairing each reply with the command that caused it.
#include <cctype>
#include <regex>

#include "core/codec.hpp"
#include "core/text.hpp"
#include "import/import.hpp"

namespace mailflow::import {

namespace {

std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    auto line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.emplace_back(line);
    start = end + 1;
  }
  return lines;
}

bool is_reply_line(std::string_view s) {
  return s.size() >= 3 && s[0] >= '2' && s[0] <= '5' && std::isdigit(static_cast<unsigned char>(s[1])) &&
         std::isdigit(static_cast<unsigned char>(s[2])) && (s.size() == 3 || s[3] == ' ' || s[3] == '-');
}

bool continues(std::string_view reply_line) { return reply_line.size() > 3 && reply_line[3] == '-'; }

std::string reply_code(const recorded_reply& r) { return r.lines.empty() ? "" : r.lines.back().substr(0, 3); }

std::string where(const std::string& file, std::uint32_t line) { return file + ":" + std::to_string(line); }

// One item of a dialogue, in the order it was recorded.
struct item {
  bool from_server = false;
  std::string text;        // client line
  recorded_reply reply;    // server reply
  step::kind client_kind = step::kind::send;  // send, raw (escaped bytes), base64, cram_md5, close
  std::string user, password;
  std::uint32_t line = 0;
};

// Turns a dialogue into a session. The builder knows just enough SMTP to
// pair replies with commands: lines after a 354 are message data (no reply
// of their own) up to the lone ".", and AUTH LOGIN answers are base64.
class session_builder {
 public:
  session_builder(const std::string& file, const options& opt, std::vector<std::string>& notes)
      : file_(file), opt_(opt), notes_(notes) {}

  void add(const item& it) {
    if (it.from_server) {
      on_reply(it);
    } else {
      on_client(it);
    }
  }

  session finish(bool close_after_goodbye) {
    if (!s_.greeting) throw import_error(where(file_, 1) + ": no server greeting found");
    if (close_after_goodbye) {
      // XMail closes after 221 (QUIT) and after a 421 greeting
      recorded_reply* last = s_.greeting ? &*s_.greeting : nullptr;
      for (auto& st : s_.steps)
        if (st.reply) last = &*st.reply;
      if (last && !last->lines.empty() && (reply_code(*last) == "221" || reply_code(*last) == "421"))
        last->closed = true;
    }
    return std::move(s_);
  }

 private:
  void on_reply(const item& it) {
    if (!s_.greeting) {
      s_.greeting = it.reply;
      return;
    }
    if (data_mode_) end_data(it.line);
    step* last = s_.steps.empty() ? nullptr : &s_.steps.back();
    if (last && last->wait && !last->reply && last->what != step::kind::pause && last->what != step::kind::close) {
      last->reply = it.reply;
    } else {
      step r;
      r.what = step::kind::read;
      r.reply = it.reply;
      r.source_line = it.line;
      s_.steps.push_back(std::move(r));
    }
    last_reply_ = it.reply;
    if (reply_code(it.reply) == "354") {
      data_mode_ = true;
      data_lines_ = 0;
      data_tail_ = "\r\n";  // the DATA line's own CRLF
    }
  }

  void on_client(const item& it) {
    if (!s_.greeting) throw import_error(where(file_, it.line) + ": a client line before the server's greeting");
    step st;
    st.what = it.client_kind;
    st.text = it.text;
    st.user = it.user;
    st.password = it.password;
    st.source_line = it.line;
    if (st.what == step::kind::close) {
      st.wait = false;
      s_.steps.push_back(std::move(st));
      return;
    }
    if (st.what == step::kind::send && st.text.find("****") != std::string::npos) unmask(st, it.line);
    // A CR, NUL or 8-bit byte cannot travel in a <send> line (found by
    // fuzz/transcript_importer: the scenario did not load): the bytes as they
    // were sent, as the conformance reader does.
    if (st.what == step::kind::send && !sendable_as_line(st.text)) {
      st.what = step::kind::raw;
      st.text = escape_bytes(st.text + "\r\n");
    }
    if (data_mode_) {
      // Only CRLF.CRLF ends the data (RFC 5321 4.1.1.4), whether it comes as
      // a "." line or inside raw bytes; the step that completes it reads the reply.
      std::string bytes = st.text + "\r\n", error;
      if (st.what == step::kind::raw && !unescape_bytes(st.text, bytes, error))
        throw import_error(where(file_, it.line) + ": " + error);
      data_tail_ += bytes;
      st.wait = data_tail_.find("\r\n.\r\n") != std::string::npos;
      if (data_tail_.size() > 4) data_tail_.erase(0, data_tail_.size() - 4);
      if (st.wait) data_mode_ = false;
      ++data_lines_;
      s_.steps.push_back(std::move(st));
      return;
    }
    // an AUTH LOGIN answer: shown as the clear text it encodes
    if (st.what == step::kind::send && in_auth_login()) as_base64_step(st);
    if (st.what == step::kind::raw) st.wait = false;
    // a command sent before the previous one got its reply: pipelined
    if (!s_.steps.empty()) {
      auto& prev = s_.steps.back();
      if (prev.what == step::kind::send && prev.wait && !prev.reply) prev.wait = false;
    }
    remember_envelope(st);
    s_.steps.push_back(std::move(st));
  }

  bool in_auth_login() const {
    auto code = reply_code(last_reply_);
    return code == "334";
  }

  // Sends base64 answers as base64 steps when they round-trip exactly.
  static bool as_base64_step(step& st) {
    auto clear = base64_decode(st.text);
    if (!clear || clear->empty() || !sendable_as_line(*clear) || base64_encode(*clear) != st.text) return false;
    st.what = step::kind::base64;
    st.text = *clear;
    return true;
  }

  void unmask(step& st, std::uint32_t line) {
    if (!opt_.secret)
      throw import_error(where(file_, line) + ": masked client line (****): give the secret with --secret");
    st.secret = true;  // the report shows "***", whatever line the secret is in
    if (st.text == "****" && in_auth_login()) {
      // the answer to a 334 prompt is base64 on the wire: send the secret encoded
      st.what = step::kind::base64;
      st.text = *opt_.secret;
    } else {
      std::string out;
      std::size_t from = 0, at;
      while ((at = st.text.find("****", from)) != std::string::npos) {
        out += st.text.substr(from, at - from) + *opt_.secret;
        from = at + 4;
      }
      st.text = out + st.text.substr(from);
    }
  }

  void remember_envelope(const step& st) {
    static const std::regex mail(R"(^MAIL FROM:\s*<([^>]*)>.*)", std::regex::icase);
    static const std::regex rcpt(R"(^RCPT TO:\s*<([^>]*)>.*)", std::regex::icase);
    std::smatch m;
    if (st.what != step::kind::send) return;
    if (std::regex_match(st.text, m, mail)) {
      from_ = m.str(1);
      rcpts_.clear();
    } else if (std::regex_match(st.text, m, rcpt)) {
      rcpts_.push_back(m.str(1));
    }
  }

  // A reply arrived while message data was being sent and no "." was
  // recorded: the transcript only narrates the data. Send a placeholder
  // message and the end-of-data line, and say so in the description.
  void end_data(std::uint32_t line) {
    auto data = [&](std::string text) {
      step st;
      st.text = std::move(text);
      st.wait = false;
      st.source_line = line;
      s_.steps.push_back(std::move(st));
    };
    if (data_lines_ == 0) {
      data("From: " + from_);
      std::string to;
      for (auto& r : rcpts_) to += (to.empty() ? "" : ", ") + r;
      data("To: " + to);
      data("Subject: mailflow import placeholder");
      data("");
      data("The transcript does not record the message data.");
      notes_.push_back("The transcript does not show the message data (line " + std::to_string(line) +
                       "): the scenario sends a placeholder message (From/To from the envelope).");
    } else {
      notes_.push_back("No end-of-data line recorded before line " + std::to_string(line) +
                       ": the scenario sends \".\".");
    }
    step dot;
    dot.text = ".";
    dot.source_line = line;
    s_.steps.push_back(std::move(dot));
    data_mode_ = false;
  }

  const std::string& file_;
  const options& opt_;
  std::vector<std::string>& notes_;
  session s_;
  recorded_reply last_reply_;
  bool data_mode_ = false;
  int data_lines_ = 0;
  std::string data_tail_;  // the last bytes of the message data sent so far
  std::string from_;
  std::vector<std::string> rcpts_;
};

// Narration starts at a '(' (or a full-width one) whose remainder is not
// ASCII: the seed's remarks are Japanese, SMTP's own "(-132)" is not. Some
// remarks lack their closing parenthesis, so everything after it goes.
std::string strip_narration(const std::string& line) {
  auto non_ascii_from = [&](std::size_t i) {
    for (; i < line.size(); ++i)
      if (static_cast<unsigned char>(line[i]) >= 0x80) return true;
    return false;
  };
  std::size_t cut = std::string::npos;
  for (std::size_t i = 0; i < line.size(); ++i) {
    if ((line[i] == '(' && (i == 0 || line[i - 1] == ' ') && non_ascii_from(i)) ||
        line.compare(i, 3, "\xEF\xBC\x88") == 0) {
      cut = i;
      break;
    }
  }
  std::string out = line.substr(0, cut);
  while (!out.empty() && (out.back() == ' ' || out.back() == '\t' || out.back() == '\r')) out.pop_back();
  return out;
}

bool has_non_ascii(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return true;
  return false;
}

std::string join_notes(const std::vector<std::string>& notes) {
  std::string out;
  for (auto& n : notes) out += " " + n;
  return out;
}

std::string default_name(const std::string& file) {
  return std::filesystem::path(file).stem().string();
}

}  // namespace

transcript_format detect_format(std::string_view text) {
  auto first = text.find_first_not_of(" \t\r\n\xEF\xBB\xBF");
  if (first != std::string_view::npos && text[first] == '{') return transcript_format::conformance;
  for (auto& line : split_lines(text))
    if (line.rfind("S:", 0) == 0 || line.rfind("C:", 0) == 0) return transcript_format::plain;
  return transcript_format::seed;
}

std::string_view format_name(transcript_format f) {
  switch (f) {
    case transcript_format::seed: return "seed";
    case transcript_format::plain: return "S:/C: lines";
    case transcript_format::conformance: return "conformance transcript";
  }
  return "?";
}

scenario read_seed(std::string_view text, const std::string& file, const options& opt) {
  std::vector<std::string> notes;
  session_builder b(file, opt, notes);
  auto lines = split_lines(text);
  bool started = false;
  std::optional<item> reply;  // the reply being collected (multi-line)
  auto flush = [&] {
    if (reply) b.add(*reply);
    reply.reset();
  };
  bool ended = false;
  for (std::uint32_t i = 0; i < lines.size() && !ended; ++i) {
    std::uint32_t n = i + 1;
    std::string line = strip_narration(lines[i]);
    if (line.find_first_not_of(" \t") == std::string::npos) continue;  // blank or narration only
    if (is_reply_line(line)) {
      started = true;
      if (reply && !continues(reply->reply.lines.back())) flush();
      if (!reply) {
        reply = item{};
        reply->from_server = true;
        reply->line = n;
      }
      reply->reply.lines.push_back(line);
      if (!continues(line)) {
        auto code = line.substr(0, 3);
        flush();
        if (code == "221" || code == "421") ended = true;  // the session ends here
      }
      continue;
    }
    if (!started) continue;       // prose before the session
    if (has_non_ascii(line)) continue;  // prose inside it: SMTP lines are ASCII
    flush();
    item c;
    c.text = line;
    c.line = n;
    b.add(c);
  }
  flush();
  if (!started) throw import_error(where(file, 1) + ": no SMTP reply line found (not a transcript?)");
  scenario s;
  s.name = opt.name.empty() ? default_name(file) : opt.name;
  s.sessions.push_back(b.finish(true));
  s.description = "Imported from " + std::filesystem::path(file).filename().string() +
                  " (seed format). Volatile parts of the replies (greeting token, dates, message "
                  "references, the product token) are matched by regular expressions." +
                  join_notes(notes);
  if (opt.secret) s.description += " The masked client line (****) is the secret given to mailflow import.";
  return s;
}

scenario read_plain(std::string_view text, const std::string& file, const options& opt) {
  std::vector<std::string> notes;
  scenario s;
  s.name = opt.name.empty() ? default_name(file) : opt.name;
  auto lines = split_lines(text);
  std::optional<session_builder> b;
  std::optional<item> reply;
  bool skipping = false;  // a session of another protocol
  std::vector<std::string> skipped;
  auto flush = [&] {
    if (reply && b) b->add(*reply);
    reply.reset();
  };
  auto end_session = [&] {
    flush();
    if (b) s.sessions.push_back(b->finish(true));
    b.reset();
  };
  static const std::regex header(R"(^--- (\S+) \((\w+)\)$)");
  static const std::regex b64(R"(^B64\((.*)\)$)");
  static const std::regex cram(R"(^CRAM-MD5\(([^,]*), (.*)\)$)");
  for (std::uint32_t i = 0; i < lines.size(); ++i) {
    std::uint32_t n = i + 1;
    const std::string& line = lines[i];
    std::smatch m;
    if (std::regex_match(line, m, header)) {
      end_session();
      skipping = m.str(2) != "smtp";
      if (skipping) skipped.push_back(m.str(1) + " (" + m.str(2) + ")");
      continue;
    }
    if (line.rfind("--- state", 0) == 0) break;
    if (skipping) continue;
    bool server = line.rfind("S:", 0) == 0, client = line.rfind("C:", 0) == 0 || line.rfind("C(raw):", 0) == 0;
    if (!server && !client) {
      if (line.find("[end: server closed=True]") != std::string::npos && b) {
        flush();
      } else if (line == "(client closes)") {
        flush();
        if (!b) b.emplace(file, opt, notes);
        item c;
        c.client_kind = step::kind::close;
        c.line = n;
        b->add(c);
      }
      continue;  // commentary
    }
    if (!b) b.emplace(file, opt, notes);
    auto colon = line.find(':');
    std::string body = line.substr(colon + 1);
    if (!body.empty() && body[0] == ' ') body.erase(0, 1);
    if (server) {
      if (body == "<connection closed>" || body == "<no reply: timeout>") {
        bool closed = body[1] == 'c';
        if (reply) {
          (closed ? reply->reply.closed : reply->reply.none) = true;
          flush();
        } else {
          item r;
          r.from_server = true;
          r.line = n;
          (closed ? r.reply.closed : r.reply.none) = true;
          b->add(r);
        }
        continue;
      }
      if (!is_reply_line(body)) throw import_error(where(file, n) + ": not a reply line: " + body);
      if (reply && !continues(reply->reply.lines.back())) flush();
      if (!reply) {
        reply = item{};
        reply->from_server = true;
        reply->line = n;
      }
      reply->reply.lines.push_back(body);
      continue;
    }
    flush();
    item c;
    c.line = n;
    c.text = body;
    if (line.rfind("C(raw):", 0) == 0) {
      c.client_kind = step::kind::raw;
      c.text = escape_bytes(decode_python_escapes(body));
    } else if (std::regex_match(body, m, b64)) {
      c.client_kind = step::kind::base64;
      c.text = m.str(1);
    } else if (std::regex_match(body, m, cram)) {
      c.client_kind = step::kind::cram_md5;
      c.user = m.str(1);
      c.password = m.str(2);
    }
    b->add(c);
  }
  end_session();
  if (s.sessions.empty()) throw import_error(where(file, 1) + ": no SMTP session found");
  s.description = "Imported from " + std::filesystem::path(file).filename().string() +
                  " (S:/C: lines). Volatile parts of the replies are matched by regular expressions.";
  if (!skipped.empty()) {
    s.description += " Left out (only SMTP sessions can be replayed so far):";
    for (auto& k : skipped) s.description += " " + k;
    s.description += ".";
  }
  s.description += join_notes(notes);
  return s;
}

}  // namespace mailflow::import
