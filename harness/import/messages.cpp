// What the SMTP engine must have spooled, read off the recorded replies: a
// transaction whose end of data got a 2xx reply spools one message per
// recipient that got a 2xx. Replies are paired with commands in order, as
// the runner pairs them; raw bytes (smuggling, NUL) make the pairing a
// guess, and then nothing is derived.
#include <deque>
#include <regex>

#include "import/import.hpp"

namespace mailflow::import {

namespace {

struct pending {
  std::string command;             // the line, "." for the end of data, "B64" / "AUTH-AS" for AUTH answers
  std::vector<std::string> data;   // the message lines, or the user an AUTH answer names
};

// A line worth checking in the stored body: the first short, plain line
// after the header (lines starting with "." depend on dot-unstuffing).
std::string body_probe(const std::vector<std::string>& data) {
  bool in_body = false;
  for (auto& l : data) {
    if (!in_body) {
      in_body = l.empty();
      continue;
    }
    if (!l.empty() && l[0] != '.' && l.size() <= 200 && l.find_first_not_of(" \t") != std::string::npos) return l;
  }
  return "";
}

std::string reply_code(const std::optional<recorded_reply>& r) {
  return r && !r->lines.empty() ? r->lines.back().substr(0, 3) : "";
}

}  // namespace

void derive_messages(scenario& s) {
  static const std::regex mail(R"(^MAIL FROM:\s*<([^>]*)>.*)", std::regex::icase);
  static const std::regex rcpt(R"(^RCPT TO:\s*<([^>]*)>.*)", std::regex::icase);
  static const std::regex reset(R"(^(RSET|HELO|EHLO)\b.*)", std::regex::icase);
  static const std::regex data_cmd(R"(^DATA(\s.*)?$)", std::regex::icase);
  std::vector<expected_message> out;
  for (auto& sess : s.sessions) {
    std::deque<pending> queue;
    bool in_data = false, in_txn = false;
    std::string from, auth_user, login_user;
    std::vector<std::string> rcpts, data;
    for (auto& st : sess.steps) {
      switch (st.what) {
        case step::kind::raw: {
          // one whole line that waits for its reply is one command; other raw
          // bytes (bare LF, several lines) leave the pairing to guesswork
          auto end = st.text.find("\\n");
          if (in_data || !st.wait || end + 2 != st.text.size()) {
            s.messages.reset();
            return;
          }
          queue.push_back({"RAW", {}});
          break;
        }
        case step::kind::pause:
          continue;
        case step::kind::close:
          break;
        case step::kind::send:
          if (in_data) {
            if (st.text == ".") {
              queue.push_back({".", data});
              in_data = false;
            } else {
              data.push_back(st.text);
            }
          } else {
            queue.push_back({st.text, {}});
            if (std::regex_match(st.text, data_cmd)) {
              in_data = true;  // until its reply says otherwise
              data.clear();
            }
          }
          break;
        case step::kind::base64:
          queue.push_back({"B64", {st.text}});
          break;
        case step::kind::auth_plain:
        case step::kind::cram_md5:
          queue.push_back({"AUTH-AS", {st.user}});
          break;
        case step::kind::read:
          break;
      }
      if (st.what == step::kind::close) break;
      if (!st.wait) continue;
      if (queue.empty() || !st.reply) {
        s.messages.reset();
        return;
      }
      auto cmd = std::move(queue.front());
      queue.pop_front();
      auto code = reply_code(st.reply);
      bool ok = !code.empty() && code[0] == '2';
      std::smatch m;
      if (std::regex_match(cmd.command, m, mail)) {
        in_txn = ok;
        from = m.str(1);
        rcpts.clear();
      } else if (std::regex_match(cmd.command, m, rcpt)) {
        if (ok && in_txn) rcpts.push_back(m.str(1));
      } else if (std::regex_match(cmd.command, data_cmd)) {
        if (code != "354") in_data = false;
      } else if (cmd.command == ".") {
        if (ok && in_txn)
          for (auto& r : rcpts) out.push_back({r, from, body_probe(cmd.data), auth_user});
        in_txn = false;
        rcpts.clear();
      } else if (cmd.command == "AUTH-AS") {
        if (code == "235") auth_user = cmd.data.at(0);
      } else if (cmd.command == "B64") {
        // AUTH LOGIN: the answer to the user prompt names the user, 235 confirms it
        if (code == "334" && login_user.empty()) {
          login_user = cmd.data.at(0);
        } else {
          if (code == "235") auth_user = login_user;
          login_user.clear();
        }
      } else if (std::regex_match(cmd.command, reset)) {
        in_txn = false;
        rcpts.clear();
      }
    }
  }
  s.messages = std::move(out);
}

}  // namespace mailflow::import
