// "Did you mean …?" for misspelt names (server.tab variables, --ignore codes).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace mailflow::verify {

// Levenshtein distance, ignoring ASCII case.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `name` when it is close enough to be a likely typo
// (a third of the name's length, at least 2 edits); ties go to the earlier candidate.
std::optional<std::string_view> nearest_name(std::string_view name, std::span<const std::string_view> candidates);

// " (did you mean 'X'?)" or "".
std::string did_you_mean(std::string_view name, std::span<const std::string_view> candidates);

}  // namespace mailflow::verify
