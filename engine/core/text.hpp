// Small string helpers shared by every layer (ASCII only: mail syntax is ASCII).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailflow {

inline char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }
inline char ascii_upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c; }

std::string to_lower(std::string_view s);
std::string to_upper(std::string_view s);
bool iequals(std::string_view a, std::string_view b);
bool istarts_with(std::string_view s, std::string_view prefix);
bool iends_with(std::string_view s, std::string_view suffix);
std::string_view trim(std::string_view s);
// Splits at every occurrence of sep; keeps empty pieces.
std::vector<std::string_view> split(std::string_view s, char sep);
// Parses a whole decimal integer (optional sign); nullopt on any junk or overflow.
std::optional<std::int64_t> parse_int(std::string_view s);
// parse_int within [min, max]: every number read from a MailRoot goes through
// it with its range, so no value can overflow what it is stored in or what it
// is multiplied by (issue 10.2). nullopt when junk or out of range.
std::optional<std::int64_t> parse_number(std::string_view s, std::int64_t min, std::int64_t max);
// The largest KB count a size variable may hold (MaxMessageSize, MaxMBSize,
// Smtp/Pop3Min*Space): XMail reads them into an int; times 1024 it fits any
// 64-bit size.
inline constexpr std::int64_t max_kilobytes = 2147483647;

// The value of a hex digit (either case), -1 for any other character.
int hex_digit_value(char c);

// Bytes as printable text, the escapes of scenario raw steps and reports:
// \r \n \t \0 \\ and \xHH for every other byte outside 0x20-0x7E.
std::string escape_bytes(std::string_view bytes);
// The inverse; false (and `error` says why) on an unknown or cut escape.
bool unescape_bytes(std::string_view in, std::string& out, std::string& error);
std::string join(const std::vector<std::string>& parts, std::string_view sep);

}  // namespace mailflow
