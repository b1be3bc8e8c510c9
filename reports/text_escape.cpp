#include "text_escape.hpp"

#include <algorithm>
#include <cstdio>

namespace mailflow::reports {

namespace {

// U+061C, U+200E/F, U+202A..U+202E, U+2066..U+2069 (Unicode's Bidi_Control, less none).
bool bidi_control(char32_t cp) {
  return cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
         (cp >= 0x2066 && cp <= 0x2069);
}

void append_hex(std::string& out, unsigned char byte) {
  static constexpr char digits[] = "0123456789ABCDEF";
  out += "\\x";
  out += digits[byte >> 4];
  out += digits[byte & 0x0F];
}

// Length of the valid UTF-8 sequence at text[i] naming a printable XML
// character, or 0. Overlong forms, surrogates, U+FFFE/U+FFFF and C1 controls
// all give 0: a parser would reject them or a reader could not see them.
std::size_t printable_sequence(std::string_view text, std::size_t i) {
  const auto b0 = static_cast<unsigned char>(text[i]);
  std::size_t len = 0;
  char32_t cp = 0;
  if (b0 < 0x80) return (b0 >= 0x20 && b0 != 0x7F) || b0 == '\t' ? 1 : 0;
  if (b0 >= 0xC2 && b0 <= 0xDF) len = 2, cp = b0 & 0x1F;
  else if (b0 >= 0xE0 && b0 <= 0xEF) len = 3, cp = b0 & 0x0F;
  else if (b0 >= 0xF0 && b0 <= 0xF4) len = 4, cp = b0 & 0x07;
  else return 0;
  if (i + len > text.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(text[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  static constexpr char32_t min_for_len[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < min_for_len[len] || cp > 0x10FFFF) return 0;
  if (cp >= 0xD800 && cp <= 0xDFFF) return 0;
  if (cp == 0xFFFE || cp == 0xFFFF) return 0;
  if (cp >= 0x80 && cp <= 0x9F) return 0;
  if (bidi_control(cp)) return 0;
  return len;
}

// The code point of a bidirectional control at text[i] (3 bytes in UTF-8), or 0.
char32_t bidi_at(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return i + k < text.size() ? static_cast<unsigned char>(text[i + k]) : 0; };
  if (byte(0) == 0xD8 && byte(1) == 0x9C) return 0x061C;  // the only two-byte one
  if ((byte(0) & 0xF0) != 0xE0 || (byte(1) & 0xC0) != 0x80 || (byte(2) & 0xC0) != 0x80) return 0;
  const char32_t cp = (char32_t(byte(0) & 0x0F) << 12) | (char32_t(byte(1) & 0x3F) << 6) | char32_t(byte(2) & 0x3F);
  return bidi_control(cp) ? cp : 0;
}

// Appends the visible form of the character or byte at text[i]; returns how many bytes it took.
std::size_t append_visible(std::string& out, std::string_view text, std::size_t i) {
  if (const std::size_t len = printable_sequence(text, i)) {
    out.append(text.substr(i, len));
    return len;
  }
  if (const char32_t cp = bidi_at(text, i)) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "\\u{%04X}", static_cast<unsigned>(cp));
    out += buf;
    return cp == 0x061C ? 2 : 3;
  }
  append_hex(out, static_cast<unsigned char>(text[i]));
  return 1;
}

std::string bytes_more(std::size_t n) { return "... (" + std::to_string(n) + " bytes more)"; }

}  // namespace

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) i += append_visible(out, text, i);
  return out;
}

std::string terminal_text(std::string_view text, std::size_t max_bytes) {
  std::string out;
  out.reserve(max_bytes ? std::min(text.size(), max_bytes + 32) : text.size());
  for (std::size_t i = 0; i < text.size();) {
    if (max_bytes && out.size() >= max_bytes) return out + bytes_more(text.size() - i);
    i += append_visible(out, text, i);  // printable_sequence never passes '\n' or '\r'
  }
  return out;
}

std::string clip(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  std::size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // not inside a character
  return std::string(text.substr(0, cut)) + bytes_more(text.size() - cut);
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    if (nl != std::string_view::npos && !line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return lines;
}

std::string_view path_folder(std::string_view path) {
  const auto slash = path.rfind('/');
  return slash == std::string_view::npos ? std::string_view{} : path.substr(0, slash);
}

std::string_view path_stem(std::string_view path) {
  if (const auto slash = path.rfind('/'); slash != std::string_view::npos) path.remove_prefix(slash + 1);
  if (const auto dot = path.rfind('.'); dot != std::string_view::npos && dot > 0) path = path.substr(0, dot);
  return path;
}

}  // namespace mailflow::reports
