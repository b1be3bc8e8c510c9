// An open-addressing hash index over entries kept in a vector elsewhere
// (accounts, aliases, domains). It stores only (hash, position) pairs and
// compares through the caller's predicate, so indexing a million accounts
// allocates no key strings: one array of 64-bit slots, linear probing, at
// most half full. A slot keeps the high 32 bits of the hash (they also pick
// the slot, so the table can grow without the keys) and the position + 1.
// Positions must fit in 32 bits.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace mailflow::config {

// Case-insensitive (ASCII) hash of one or two strings; the two-part form
// hashes "a" and "b" with a separator, so ("ab", "c") and ("a", "bc") differ.
std::uint64_t hash_lower(std::string_view a);
std::uint64_t hash_lower(std::string_view a, std::string_view b);

class hash_index {
 public:
  // Sizes the table for `n` entries without growing later.
  void reserve(std::size_t n);
  std::size_t size() const { return count_; }

  // Indexes `pos` unless an entry for which `same(existing_pos)` holds is
  // already there; returns the position that stays indexed (the first wins).
  template <class Same>
  std::size_t insert(std::uint64_t hash, std::size_t pos, Same same) {
    if ((count_ + 1) * 2 > slots_.size()) grow();
    const std::uint64_t tag = hash & tag_mask;
    for (std::size_t i = (hash >> 32) & mask_;; i = (i + 1) & mask_) {
      std::uint64_t s = slots_[i];
      if (s == 0) {
        slots_[i] = tag | (static_cast<std::uint64_t>(pos) + 1);
        ++count_;
        return pos;
      }
      if ((s & tag_mask) == tag && same(static_cast<std::size_t>((s & pos_mask) - 1)))
        return static_cast<std::size_t>((s & pos_mask) - 1);
    }
  }

  // Starts fetching the slot `hash` lands on (batch lookups hide memory latency).
  void prefetch(std::uint64_t hash) const {
    if (!slots_.empty()) __builtin_prefetch(&slots_[(hash >> 32) & mask_]);
  }

  template <class Same>
  std::optional<std::size_t> find(std::uint64_t hash, Same same) const {
    if (slots_.empty()) return std::nullopt;
    const std::uint64_t tag = hash & tag_mask;
    for (std::size_t i = (hash >> 32) & mask_;; i = (i + 1) & mask_) {
      std::uint64_t s = slots_[i];
      if (s == 0) return std::nullopt;
      if ((s & tag_mask) == tag && same(static_cast<std::size_t>((s & pos_mask) - 1)))
        return static_cast<std::size_t>((s & pos_mask) - 1);
    }
  }

 private:
  static constexpr std::uint64_t tag_mask = 0xffffffff00000000ULL;  // high hash bits kept to skip most compares
  static constexpr std::uint64_t pos_mask = 0x00000000ffffffffULL;  // position + 1; 0 = empty slot
  void grow();
  void rebuild(std::size_t slot_count);

  std::vector<std::uint64_t> slots_;
  std::size_t mask_ = 0;
  std::size_t count_ = 0;
};

}  // namespace mailflow::config
