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
std::string printable(std::string_view text);

// Splits '\n'-separated text into lines, dropping one '\r' before each '\n'
// (stored messages use CRLF). A trailing line break does not add an empty line.
std::vector<std::string_view> split_lines(std::string_view text);

// The folder part of a '/'-separated path ("" for a bare file name) and the
// file name without its extension.
std::string_view path_folder(std::string_view path);
std::string_view path_stem(std::string_view path);

}  // namespace mailflow::reports
