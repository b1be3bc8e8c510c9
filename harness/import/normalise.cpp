// Reply normalisation and escapes. The volatile parts of a recorded reply
// are the ones conformance/replay.py normalises before comparing; each
// becomes a regex that accepts XMail's and mailflow's forms alike. The
// normalised spellings show.py prints (<TIMESTAMP>, DATE, SERVER-ESMTP, <S#>,
// :PORT) are read as the same placeholders, so its output imports too.
#include <array>

#include "core/codec.hpp"
#include "core/text.hpp"
#include "import/import.hpp"
#include "pattern/pattern.hpp"

namespace mailflow::import {

namespace {

using harness::ecmascript_match;
const auto ecmascript = harness::ecmascript_regex;

const std::string date_regex =
    "(?:(?:Sun|Mon|Tue|Wed|Thu|Fri|Sat), )?[0-9]{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    "[0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2}(?: [+-][0-9]{4})?";

struct volatile_part {
  boost::regex pattern;
  std::string (*replace)(const boost::smatch&);
};

const std::array<volatile_part, 8>& volatile_parts() {
  static const std::array<volatile_part, 8> parts{{
      // greeting token <unixtime.threadid@SmtpServerDomain>: the host stays
      {ecmascript(R"(<[0-9]+\.[0-9]+@([^>\s]*)>)"),
       [](const boost::smatch& m) { return "<[0-9]+\\.[0-9]+@" + regex_escape(m.str(1)) + ">"; }},
      {ecmascript(R"(<TIMESTAMP(?:@([^>\s]*))?>)"),
       [](const boost::smatch& m) {
         return "<[0-9]+\\.[0-9]+@" + (m[1].matched ? regex_escape(m.str(1)) : std::string("[^>\\s]*")) + ">";
       }},
      {ecmascript(date_regex), [](const boost::smatch&) { return date_regex; }},
      {ecmascript(R"(\bDATE\b)"), [](const boost::smatch&) { return date_regex; }},
      // the product token: [XMail 1.27 ESMTP Server] and [mailflow 0.1 ESMTP Server] alike
      {ecmascript(R"((?:XMail|mailflow) [0-9]+(?:\.[0-9]+)* (ESMTP|POP3|CTRL) Server)"),
       [](const boost::smatch& m) { return "[^\\[\\]]+ " + m.str(1) + " Server"; }},
      {ecmascript(R"(SERVER-(ESMTP|POP3|CTRL))"),
       [](const boost::smatch& m) { return "[^\\[\\]]+ " + m.str(1) + " Server"; }},
      // message references keep XMail's <S…> form, hex after the S
      {ecmascript(R"(<S(?:[0-9A-F]+|#)>)"), [](const boost::smatch&) { return std::string("<S[0-9A-F]+>"); }},
      {ecmascript(R"((\[?)127\.0\.0\.1(\]?):(?:[0-9]+|PORT)\b)"),
       [](const boost::smatch& m) {
         return regex_escape(m.str(1)) + "127\\.0\\.0\\.1" + regex_escape(m.str(2)) + ":[0-9]+";
       }},
  }};
  return parts;
}

// "334 <base64 of a greeting token>": the CRAM-MD5 challenge.
bool is_cram_challenge(std::string_view line) {
  if (line == "334 BASE64(<TIMESTAMP>)") return true;
  if (line.size() < 20 || line.substr(0, 4) != "334 ") return false;
  auto decoded = base64_decode(line.substr(4));
  static const boost::regex token = ecmascript(R"(<[0-9]+\.[0-9]+@[^>\s]*>)");
  return decoded && boost::regex_match(*decoded, token, ecmascript_match);
}

bool is_placeholder_token(std::string_view s) {
  return s == "{root}" || s == "{sink}" || s == "{sinkport}" || s == "{product}";
}


}  // namespace

std::string regex_escape(std::string_view literal) {
  std::string out;
  for (std::size_t i = 0; i < literal.size(); ++i) {
    char c = literal[i];
    if (c == '{') {
      // the runner substitutes these before matching: keep them as written
      auto close = literal.find('}', i);
      if (close != std::string_view::npos && is_placeholder_token(literal.substr(i, close - i + 1))) {
        out += literal.substr(i, close - i + 1);
        i = close;
        continue;
      }
    }
    if (std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

std::optional<std::string> line_regex(std::string_view line) {
  if (is_cram_challenge(line)) return std::string("334 [A-Za-z0-9+/]+={0,2}");
  std::string text(line), out;
  bool changed = false;
  auto pos = text.cbegin();
  while (pos != text.cend()) {
    // the earliest volatile part from here on (first in the list on a tie)
    boost::smatch best;
    const volatile_part* which = nullptr;
    for (auto& p : volatile_parts()) {
      boost::smatch m;
      if (boost::regex_search(pos, text.cend(), m, p.pattern, ecmascript_match) && (!which || m.position(std::size_t{0}) < best.position(std::size_t{0}))) {
        best = m;
        which = &p;
      }
    }
    if (!which) break;
    out += regex_escape(std::string_view(&*pos, static_cast<std::size_t>(best.position(std::size_t{0}))));
    out += which->replace(best);
    pos = best[0].second;
    changed = true;
  }
  if (!changed) return std::nullopt;
  out += regex_escape(std::string_view(text).substr(static_cast<std::size_t>(pos - text.cbegin())));
  return out;
}

std::string decode_python_escapes(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 == s.size()) {
      out += s[i];
      continue;
    }
    char c = s[++i];
    switch (c) {
      case '\\': out += '\\'; break;
      case '\'': out += '\''; break;
      case '"': out += '"'; break;
      case 'a': out += '\a'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'v': out += '\v'; break;
      case 'x':
        if (i + 2 < s.size() && hex_digit_value(s[i + 1]) >= 0 && hex_digit_value(s[i + 2]) >= 0) {
          out += static_cast<char>(hex_digit_value(s[i + 1]) * 16 + hex_digit_value(s[i + 2]));
          i += 2;
        } else {
          out += "\\x";  // Python rejects it; keep the text rather than guess
        }
        break;
      default:
        if (c >= '0' && c <= '7') {  // octal, up to three digits
          int v = 0, n = 0;
          while (n < 3 && i < s.size() && s[i] >= '0' && s[i] <= '7') {
            v = v * 8 + (s[i] - '0');
            ++i;
            ++n;
          }
          --i;
          out += static_cast<char>(v & 0xFF);
        } else {
          out += '\\';  // unknown escapes stay as written, as in Python
          out += c;
        }
    }
  }
  return out;
}

bool sendable_as_line(std::string_view bytes) {
  for (char c : bytes) {
    auto u = static_cast<unsigned char>(c);
    if (c != '\t' && (u < 0x20 || u > 0x7E)) return false;
  }
  return true;
}

}  // namespace mailflow::import
