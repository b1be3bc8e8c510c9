#include "hash_index.hpp"

#include "core/text.hpp"

namespace mailflow::config {

namespace {
constexpr std::uint64_t fnv_offset = 0xcbf29ce484222325ULL;
constexpr std::uint64_t fnv_prime = 0x100000001b3ULL;

std::uint64_t mix_in(std::uint64_t h, std::string_view s) {
  for (char c : s) {
    h ^= static_cast<unsigned char>(ascii_lower(c));
    h *= fnv_prime;
  }
  return h;
}

// FNV-1a leaves the high bits weakly mixed for short keys; the slot is picked from them.
std::uint64_t finish(std::uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}
}  // namespace

std::uint64_t hash_lower(std::string_view a) { return finish(mix_in(fnv_offset, a)); }

std::uint64_t hash_lower(std::string_view a, std::string_view b) {
  std::uint64_t h = mix_in(fnv_offset, a);
  h ^= 0xff;  // separator: a byte valid UTF-8 never contains (equal keys are still compared)
  h *= fnv_prime;
  return finish(mix_in(h, b));
}

void hash_index::reserve(std::size_t n) {
  std::size_t want = 16;
  while (want < n * 2) want *= 2;
  if (want > slots_.size()) rebuild(want);
}

void hash_index::grow() { rebuild(slots_.empty() ? 16 : slots_.size() * 2); }

void hash_index::rebuild(std::size_t slot_count) {
  std::vector<std::uint64_t> old = std::move(slots_);
  slots_.assign(slot_count, 0);
  mask_ = slot_count - 1;
  for (std::uint64_t s : old) {
    if (s == 0) continue;
    std::size_t i = (s >> 32) & mask_;
    while (slots_[i] != 0) i = (i + 1) & mask_;
    slots_[i] = s;
  }
}

}  // namespace mailflow::config
