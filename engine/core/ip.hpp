// IP addresses and the network masks of XMail's tables: "addr" "netmask"
// (smtprelay.tab, *.ipmap.tab, spammers.tab) or "addr/bits" (spammers.tab,
// smtp.ipprop.tab, filters.*.tab). IPv4 is kept as an IPv4-mapped IPv6 address
// so one type serves both families.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mailflow {

struct ip_address {
  std::array<std::uint8_t, 16> bytes{};
  bool v4 = true;

  static std::optional<ip_address> parse(std::string_view text);
  std::string to_string() const;
  bool operator==(const ip_address&) const = default;
};

struct ip_network {
  ip_address base;
  std::array<std::uint8_t, 16> mask{};
  int bits = 0;             // prefix length when the mask is contiguous, else -1
  bool contains(const ip_address& a) const;
  bool matches_everything() const;  // 0.0.0.0/0 or ::/0

  // "a.b.c.d/bits" (or IPv6 "x::/bits"); a bare address means a host.
  static std::optional<ip_network> parse_cidr(std::string_view text, std::string* error = nullptr);
  // "a.b.c.d" + "m.m.m.m" as in smtprelay.tab.
  static std::optional<ip_network> parse_with_mask(std::string_view addr, std::string_view mask,
                                                   std::string* error = nullptr);
  std::string to_string() const;
};

}  // namespace mailflow
