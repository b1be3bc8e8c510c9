#include "ip.hpp"

#include <arpa/inet.h>

#include <cstring>

#include "text.hpp"

namespace mailflow {

std::optional<ip_address> ip_address::parse(std::string_view text) {
  std::string s(text);
  ip_address a;
  in_addr v4{};
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    a.v4 = true;
    a.bytes[10] = a.bytes[11] = 0xff;
    std::memcpy(&a.bytes[12], &v4, 4);
    return a;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
    a.v4 = false;
    std::memcpy(a.bytes.data(), &v6, 16);
    return a;
  }
  return std::nullopt;
}

std::string ip_address::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (v4) {
    inet_ntop(AF_INET, &bytes[12], buf, sizeof buf);
  } else {
    inet_ntop(AF_INET6, bytes.data(), buf, sizeof buf);
  }
  return buf;
}

namespace {

void set_prefix(std::array<std::uint8_t, 16>& mask, int bits) {
  mask.fill(0);
  for (int i = 0; i < 16 && bits > 0; ++i, bits -= 8)
    mask[i] = bits >= 8 ? 0xff : static_cast<std::uint8_t>(0xff << (8 - bits));
}

int prefix_length(const std::array<std::uint8_t, 16>& mask) {
  int bits = 0;
  bool ended = false;
  for (auto b : mask) {
    for (int i = 7; i >= 0; --i) {
      bool set = (b >> i) & 1;
      if (set && ended) return -1;
      if (set) ++bits; else ended = true;
    }
  }
  return bits;
}

}  // namespace

bool ip_network::contains(const ip_address& a) const {
  if (a.v4 != base.v4) return false;
  for (int i = 0; i < 16; ++i)
    if ((a.bytes[i] & mask[i]) != (base.bytes[i] & mask[i])) return false;
  return true;
}

bool ip_network::matches_everything() const {
  int first = base.v4 ? 12 : 0;
  for (int i = first; i < 16; ++i)
    if (mask[i] != 0) return false;
  return true;
}

std::optional<ip_network> ip_network::parse_cidr(std::string_view text, std::string* error) {
  auto slash = text.find('/');
  auto addr_text = text.substr(0, slash);
  auto addr = ip_address::parse(addr_text);
  if (!addr) {
    if (error) *error = "invalid IP address '" + std::string(addr_text) + "'";
    return std::nullopt;
  }
  int max_bits = addr->v4 ? 32 : 128;
  int bits = max_bits;
  if (slash != std::string_view::npos) {
    auto b = parse_int(text.substr(slash + 1));
    if (!b || *b < 0 || *b > max_bits) {
      if (error) *error = "invalid prefix length '" + std::string(text.substr(slash + 1)) + "' (0-" +
                          std::to_string(max_bits) + ")";
      return std::nullopt;
    }
    bits = static_cast<int>(*b);
  }
  ip_network n;
  n.base = *addr;
  int total = addr->v4 ? 96 + bits : bits;
  set_prefix(n.mask, total);
  n.bits = bits;
  return n;
}

std::optional<ip_network> ip_network::parse_with_mask(std::string_view addr_text, std::string_view mask_text,
                                                      std::string* error) {
  auto addr = ip_address::parse(addr_text);
  if (!addr) {
    if (error) *error = "invalid IP address '" + std::string(addr_text) + "'";
    return std::nullopt;
  }
  auto m = ip_address::parse(mask_text);
  if (!m || m->v4 != addr->v4) {
    if (error) *error = "invalid netmask '" + std::string(mask_text) + "'";
    return std::nullopt;
  }
  ip_network n;
  n.base = *addr;
  n.mask = m->bytes;
  if (addr->v4) {
    for (int i = 0; i < 12; ++i) n.mask[i] = 0xff;
  }
  int len = prefix_length(n.mask);
  n.bits = len < 0 ? -1 : (addr->v4 ? len - 96 : len);
  return n;
}

std::string ip_network::to_string() const {
  if (bits >= 0) return base.to_string() + "/" + std::to_string(bits);
  ip_address m;
  m.v4 = base.v4;
  m.bytes = mask;
  return base.to_string() + "/" + m.to_string();
}

}  // namespace mailflow
