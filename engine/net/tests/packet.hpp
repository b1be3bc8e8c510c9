// Builds DNS messages byte by byte (RFC 1035 section 4.1) for the tests.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mailflow::net::test {

constexpr std::uint16_t qr = 0x8000, rd = 0x0100, ra = 0x0080;
constexpr std::uint16_t t_a = 1, t_cname = 5, t_ptr = 12, t_mx = 15, t_txt = 16, c_in = 1;

struct packet {
  std::vector<unsigned char> b;

  packet& u8(unsigned v) { b.push_back(static_cast<unsigned char>(v)); return *this; }
  packet& u16(unsigned v) { return u8(v >> 8).u8(v & 0xff); }
  packet& u32(std::uint32_t v) { return u16(v >> 16).u16(v & 0xffff); }
  packet& bytes(std::string_view s) { b.insert(b.end(), s.begin(), s.end()); return *this; }
  // Labels of a dotted name (section 3.1); `terminate` false leaves room for a pointer.
  packet& labels(std::string_view name, bool terminate = true) {
    while (!name.empty()) {
      auto dot = name.find('.');
      auto label = name.substr(0, dot);
      u8(static_cast<unsigned>(label.size())).bytes(label);
      name = dot == std::string_view::npos ? std::string_view{} : name.substr(dot + 1);
    }
    return terminate ? u8(0) : *this;
  }
  packet& pointer(unsigned offset) { return u16(0xc000 | offset); }  // section 4.1.4
  // Header (section 4.1.1): id 0x1234, flags including the rcode.
  packet& header(std::uint16_t flags, unsigned qd, unsigned an, unsigned ns = 0, unsigned ar = 0) {
    return u16(0x1234).u16(flags).u16(qd).u16(an).u16(ns).u16(ar);
  }
  packet& question(std::string_view name, unsigned type) { return labels(name).u16(type).u16(c_in); }
  // An RR's fixed part; the caller writes RDLENGTH then RDATA (section 4.1.3).
  packet& rr_head(unsigned type, unsigned owner_offset = 12) { return pointer(owner_offset).u16(type).u16(c_in).u32(300); }
  std::size_t size() const { return b.size(); }
  // Patches the 16-bit RDLENGTH written at `at` to cover everything after it.
  void fix_rdlength(std::size_t at) {
    auto len = b.size() - at - 2;
    b[at] = static_cast<unsigned char>(len >> 8);
    b[at + 1] = static_cast<unsigned char>(len & 0xff);
  }
};

}  // namespace mailflow::net::test
