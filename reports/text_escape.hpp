// Text as the writers may print it: printable, valid UTF-8, one line.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mailflow::reports {

// Replaces every byte that could break a document or a terminal with \xHH:
// bytes below 0x20 except TAB, DEL, and every byte that is not part of valid
// UTF-8 naming an XML 1.0 character. A backslash is kept as is: client lines
// in the model already carry \r \n \xHH escapes and must not be doubled.
// Bidirectional controls (U+061C, U+200E/F, U+202A..U+202E, U+2066..U+2069)
// become \u{202E}: they would reorder what a reader sees ("Trojan Source").
std::string printable(std::string_view text);

// Text for a terminal (stdout, stderr): what printable() shows, and line
// breaks as \x0A too, so no byte of `text` can move the cursor, colour,
// retitle or clear the screen. Longer than about `max_bytes` (0: no limit),
// it is cut at a character and ends with "... (N bytes more)".
std::string terminal_text(std::string_view text, std::size_t max_bytes = 0);

// `text` cut to at most about `max_bytes` at a UTF-8 character boundary, with
// "... (N bytes more)" when anything was left out. Not escaped.
std::string clip(std::string_view text, std::size_t max_bytes);

// Splits '\n'-separated text into lines, dropping one '\r' before each '\n'
// (stored messages use CRLF). A trailing line break does not add an empty line.
std::vector<std::string_view> split_lines(std::string_view text);

// The folder part of a '/'-separated path ("" for a bare file name) and the
// file name without its extension.
std::string_view path_folder(std::string_view path);
std::string_view path_stem(std::string_view path);

}  // namespace mailflow::reports
