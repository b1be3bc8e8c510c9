#include "codec.hpp"
#include "text.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/md5.h>

#include <array>

namespace mailflow {

namespace {
constexpr char b64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int b64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

std::string to_hex(const unsigned char* p, std::size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    out += digits[p[i] >> 4];
    out += digits[p[i] & 15];
  }
  return out;
}

}  // namespace

std::string base64_encode(std::string_view data) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    unsigned v = (unsigned char)data[i] << 16 | (unsigned char)data[i + 1] << 8 | (unsigned char)data[i + 2];
    out += b64_alphabet[v >> 18 & 63];
    out += b64_alphabet[v >> 12 & 63];
    out += b64_alphabet[v >> 6 & 63];
    out += b64_alphabet[v & 63];
  }
  if (i + 1 == data.size()) {
    unsigned v = (unsigned char)data[i] << 16;
    out += b64_alphabet[v >> 18 & 63];
    out += b64_alphabet[v >> 12 & 63];
    out += "==";
  } else if (i + 2 == data.size()) {
    unsigned v = (unsigned char)data[i] << 16 | (unsigned char)data[i + 1] << 8;
    out += b64_alphabet[v >> 18 & 63];
    out += b64_alphabet[v >> 12 & 63];
    out += b64_alphabet[v >> 6 & 63];
    out += '=';
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      char c = text[i + k];
      if (c == '=') {
        // padding only in the last quantum, only in its last two places
        if (i + 4 != text.size() || k < 2) return std::nullopt;
        v[k] = 0;
        ++pad;
      } else {
        if (pad) return std::nullopt;
        v[k] = b64_value(c);
        if (v[k] < 0) return std::nullopt;
      }
    }
    unsigned n = v[0] << 18 | v[1] << 12 | v[2] << 6 | v[3];
    // the bits padding leaves unused must be zero: one spelling per byte string (RFC 4648 3.5)
    if ((pad == 1 && (n & 0xff) != 0) || (pad == 2 && (n & 0xffff) != 0)) return std::nullopt;
    out += static_cast<char>(n >> 16 & 255);
    if (pad < 2) out += static_cast<char>(n >> 8 & 255);
    if (pad < 1) out += static_cast<char>(n & 255);
  }
  return out;
}

std::optional<std::string> xmail_base64_decode(std::string_view text) {
  if (text.size() >= 2 && text[0] == '+' && text[1] == ' ') text.remove_prefix(2);
  if (text.empty() || text[0] == '\0') return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i + 4 <= text.size(); i += 4) {
    int a = b64_value(text[i]), b = b64_value(text[i + 1]);
    bool c_pad = text[i + 2] == '=', d_pad = text[i + 3] == '=';
    int c = c_pad ? 0 : b64_value(text[i + 2]), d = d_pad ? 0 : b64_value(text[i + 3]);
    if (a < 0 || b < 0 || c < 0 || d < 0) return std::nullopt;
    out += static_cast<char>(a << 2 | b >> 4);
    if (c_pad) continue;
    out += static_cast<char>((b << 4 & 0xf0) | c >> 2);
    if (d_pad) continue;
    out += static_cast<char>((c << 6 & 0xc0) | d);
  }
  return out;
}

std::string md5_hex(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md.data(), &len, EVP_md5(), nullptr);
  return to_hex(md.data(), len);
}

std::string hmac_md5_hex(std::string_view key, std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
  unsigned int len = 0;
  HMAC(EVP_md5(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), md.data(), &len);
  return to_hex(md.data(), len);
}

std::string xmail_password_encode(std::string_view clear) {
  std::string scrambled(clear);
  for (auto& c : scrambled) c = static_cast<char>(static_cast<unsigned char>(c) ^ 101);
  return to_hex(reinterpret_cast<const unsigned char*>(scrambled.data()), scrambled.size());
}

std::optional<std::string> xmail_password_decode(std::string_view encoded) {
  if (encoded.size() % 2 != 0) return std::nullopt;
  std::string out(encoded.size() / 2, '\0');
  for (std::size_t i = 0; i < encoded.size(); i += 2) {
    int hi = hex_digit_value(encoded[i]), lo = hex_digit_value(encoded[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i / 2] = static_cast<char>((hi << 4 | lo) ^ 101);
  }
  return out;
}

}  // namespace mailflow
