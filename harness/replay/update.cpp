// --update: the failing steps' reply expectations are rewritten from what
// happened, in place, keeping the rest of the file as written (comments,
// order, other attributes), for review with `git diff`.
#include <pugixml.hpp>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include "core/text.hpp"
#include "replay/checks.hpp"
#include "replay/suite.hpp"

namespace mailflow::harness {

namespace {

void walk(pugi::xml_node n, const std::vector<std::size_t>& newlines,
          std::map<std::uint32_t, pugi::xml_node>& by_line) {
  for (auto c : n.children()) {
    if (c.type() != pugi::node_element) continue;
    auto off = static_cast<std::size_t>(c.offset_debug());
    auto line = static_cast<std::uint32_t>(std::lower_bound(newlines.begin(), newlines.end(), off) - newlines.begin()) + 1;
    by_line.emplace(line, c);
    walk(c, newlines, by_line);
  }
}

}  // namespace

int update_scenario(const reports::scenario_result& result, std::string& error) {
  if (result.status != "failed") return 0;
  std::ifstream in(result.path, std::ios::binary);
  if (!in) {
    error = result.path + ": cannot read";
    return 0;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  std::vector<std::size_t> newlines;
  for (std::size_t i = 0; i < text.size(); ++i)
    if (text[i] == '\n') newlines.push_back(i);
  pugi::xml_document doc;
  if (!doc.load_buffer(text.data(), text.size(), pugi::parse_full | pugi::parse_ws_pcdata)) {
    error = result.path + ": does not parse";
    return 0;
  }
  std::map<std::uint32_t, pugi::xml_node> by_line;
  walk(doc, newlines, by_line);
  int changed = 0;
  for (auto& s : result.sessions) {
    for (auto& st : s.steps) {
      if (st.passed || !st.read_reply) continue;
      auto it = by_line.find(st.scenario_line);
      if (it == by_line.end()) continue;
      auto n = it->second;
      // An implicit greeting has the session's line: add an explicit one.
      if (st.kind == "greeting" && std::string_view(n.name()) == "session") {
        auto g = n.prepend_child("greeting");
        n.insert_child_before(pugi::node_pcdata, g).set_value("\n    ");
        n = g;
      }
      n.remove_attribute("none");
      if (st.reply_status != "reply") {
        n.remove_attribute("code");
        n.remove_attribute("reply");
        n.remove_attribute("match");
        while (auto r = n.child("reply")) n.remove_child(r);
        if (st.reply_status == "none") n.append_attribute("none") = "true";
        else (n.attribute("closed") ? n.attribute("closed") : n.append_attribute("closed")) = "true";
        ++changed;
        continue;
      }
      std::string code = st.reply.empty() ? "" : st.reply.back().substr(0, 3);
      (n.attribute("code") ? n.attribute("code") : n.append_attribute("code")) = code.c_str();
      if (auto r = n.child("reply")) {
        // Line by line: keep regex lines that still match by position, replace the rest.
        r.remove_attribute("code");
        while (auto l = r.child("line")) r.remove_child(l);
        for (auto& line : st.reply) {
          r.append_child(pugi::node_pcdata).set_value("\n        ");
          r.append_child("line").text() = line.c_str();
        }
        r.append_child(pugi::node_pcdata).set_value("\n      ");
      } else if (n.attribute("reply") || n.attribute("match")) {
        n.remove_attribute("match");
        (n.attribute("reply") ? n.attribute("reply") : n.append_attribute("reply")) = join(st.reply, "\n").c_str();
      }
      ++changed;
    }
  }
  // The closed="true|false" expectations that failed are flipped.
  for (auto& f : result.failures) {
    auto colon = f.where.rfind(':');
    auto line = static_cast<std::uint32_t>(std::strtoul(f.where.c_str() + colon + 1, nullptr, 10));
    auto it = by_line.find(line);
    if (it == by_line.end()) continue;
    if (auto c = it->second.attribute("closed");
        c && (f.actual.find("(the server closed the connection)") != std::string::npos ||
              f.actual.find("(the connection stayed open)") != std::string::npos)) {
      c = f.actual.find("(the server closed") != std::string::npos ? "true" : "false";
      ++changed;
    }
  }
  if (!changed) return 0;
  std::ostringstream out;
  doc.save(out, "  ", pugi::format_raw | (text.rfind("<?xml", 0) == 0 ? 0u : pugi::format_no_declaration),
           pugi::encoding_utf8);
  std::string updated = out.str();
  if (!text.empty() && text.back() == '\n' && (updated.empty() || updated.back() != '\n')) updated += '\n';
  std::ofstream o(result.path, std::ios::binary | std::ios::trunc);
  o << updated;
  if (!o) {
    error = result.path + ": cannot write";
    return 0;
  }
  return changed;
}

}  // namespace mailflow::harness
