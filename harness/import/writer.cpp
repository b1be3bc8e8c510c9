// The scenario XML (harness/README.md). A reply is expected exactly when it
// has nothing volatile; otherwise line by line with a regex for the lines
// that need one.
#include <cctype>
#include <sstream>

#include <pugixml.hpp>

#include "import/import.hpp"

namespace mailflow::import {

namespace {

void expect_reply(pugi::xml_node n, const recorded_reply& r) {
  if (r.none) {
    n.append_attribute("none") = "true";
    return;
  }
  if (!r.lines.empty()) {
    std::vector<std::optional<std::string>> regexes;
    bool any = false;
    for (auto& l : r.lines) {
      regexes.push_back(line_regex(l));
      any = any || regexes.back().has_value();
    }
    // A recorded last line without a three-digit code (a broken server) has
    // no code to expect, and a scenario may not give one; its text is still
    // compared. Writing its first three bytes made a scenario that did not load.
    const std::string& last = r.lines.back();
    const bool has_code = last.size() >= 3 && std::isdigit(static_cast<unsigned char>(last[0])) &&
                          std::isdigit(static_cast<unsigned char>(last[1])) &&
                          std::isdigit(static_cast<unsigned char>(last[2]));
    const std::string code = has_code ? last.substr(0, 3) : std::string();
    if (r.lines.size() == 1) {
      if (has_code) n.append_attribute("code") = code.c_str();
      if (any) {
        n.append_attribute("match") = regexes[0]->c_str();
      } else {
        n.append_attribute("reply") = r.lines[0].c_str();
      }
    } else {
      auto reply = n.append_child("reply");
      if (has_code) reply.append_attribute("code") = code.c_str();
      for (std::size_t i = 0; i < r.lines.size(); ++i) {
        auto line = reply.append_child("line");
        if (regexes[i]) {
          line.append_attribute("match") = regexes[i]->c_str();
        } else {
          line.text() = r.lines[i].c_str();
        }
      }
    }
  }
  if (r.closed) n.append_attribute("closed") = "true";
}

void write_step(pugi::xml_node session, const step& st) {
  pugi::xml_node n;
  switch (st.what) {
    case step::kind::send:
      n = session.append_child("send");
      n.append_attribute("line") = st.text.c_str();
      if (!st.wait) n.append_attribute("wait") = "false";
      break;
    case step::kind::raw:
      n = session.append_child("raw");
      n.append_attribute("bytes") = st.text.c_str();
      // a raw step reads only when asked to; an expectation alone would also do
      if (st.wait && !(st.reply && (!st.reply->lines.empty() || st.reply->closed || st.reply->none)))
        n.append_attribute("wait") = "true";
      break;
    case step::kind::base64:
      n = session.append_child("base64");
      n.append_attribute("text") = st.text.c_str();
      break;
    case step::kind::auth_plain:
    case step::kind::cram_md5:
      n = session.append_child(st.what == step::kind::auth_plain ? "auth-plain" : "cram-md5");
      n.append_attribute("user") = st.user.c_str();
      n.append_attribute("password") = st.password.c_str();
      break;
    case step::kind::read:
      n = session.append_child("read");
      break;
    case step::kind::pause:
      n = session.append_child("pause");
      n.append_attribute("seconds") = st.text.c_str();
      break;
    case step::kind::close:
      session.append_child("close");
      return;
  }
  if (st.secret) n.append_attribute("secret") = "true";
  if (st.wait && st.reply) expect_reply(n, *st.reply);
}

}  // namespace

std::string to_xml(const scenario& s) {
  pugi::xml_document doc;
  auto root = doc.append_child("scenario");
  root.append_attribute("xmlns") = "urn:mailflow:scenario:1";
  root.append_attribute("name") = s.name.c_str();
  if (!s.description.empty()) root.append_child("description").text() = s.description.c_str();
  root.append_child("mailroot").append_attribute("fixture") = s.mailroot.c_str();
  for (auto& sess : s.sessions) {
    auto node = root.append_child("session");
    node.append_attribute("protocol") = "smtp";
    if (sess.greeting) {
      auto g = node.append_child("greeting");
      expect_reply(g, *sess.greeting);
    }
    for (auto& st : sess.steps) write_step(node, st);
  }
  if (s.messages) {
    auto expect = root.append_child("expect");
    expect.append_child("messages").append_attribute("count") = static_cast<unsigned>(s.messages->size());
    for (auto& m : *s.messages) {
      auto msg = expect.append_child("message");
      if (!m.rcpt.empty()) msg.append_attribute("rcpt") = m.rcpt.c_str();
      if (!m.from.empty()) msg.append_attribute("from") = m.from.c_str();
      if (!m.auth_user.empty()) {
        auto h = msg.append_child("header");
        h.append_attribute("name") = "X-AuthUser";
        h.append_attribute("value") = m.auth_user.c_str();
      }
      if (!m.body_contains.empty()) msg.append_child("body").append_attribute("contains") = m.body_contains.c_str();
    }
  }
  std::ostringstream out;
  doc.save(out, "  ", pugi::format_default, pugi::encoding_utf8);
  return out.str();
}

}  // namespace mailflow::import
