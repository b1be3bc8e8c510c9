// libFuzzer target: the SMTP session fed arbitrary bytes in arbitrary chunks
// (issue 10, fuzzing). The input's first byte seeds how the rest is cut.
// Invariants, checked on every input:
//  - every reply line is three digits, then ' ' or '-', ends in CRLF, and is
//    at most 512 octets with it (RFC 5321 section 4.5.3.1.5);
//  - nothing is sent after the server closed the connection;
//  - the same bytes give the same replies cut in chunks and byte by byte.
// Built by fuzz/run.sh with clang -fsanitize=fuzzer,address,undefined; the
// unit build links it with fuzz/replay_main.cpp to replay fuzz/regressions.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "../engine/smtp/tests/driver.hpp"

namespace {

using mailflow::testing::driver;
using mailflow::testing::temp_dir;

const temp_dir& mailroot() {
  static const temp_dir* t = [] {
    auto* d = new temp_dir;
    mailflow::testing::write_common_mailroot(*d);
    return d;
  }();
  return *t;
}

[[noreturn]] void violated(const char* what, const std::string& detail) {
  std::fprintf(stderr, "invariant violated: %s\n%s\n", what, detail.substr(0, 2000).c_str());
  std::abort();
}

void check_wire(const std::string& wire) {
  std::size_t at = 0;
  while (at < wire.size()) {
    auto end = wire.find("\r\n", at);
    if (end == std::string::npos) violated("a reply line does not end in CRLF", wire.substr(at));
    std::string_view line(wire.data() + at, end - at);
    if (line.size() + 2 > 512) violated("a reply line is longer than 512 octets", std::string(line));
    if (line.size() < 3 || !std::isdigit(static_cast<unsigned char>(line[0])) ||
        !std::isdigit(static_cast<unsigned char>(line[1])) || !std::isdigit(static_cast<unsigned char>(line[2])) ||
        (line.size() > 3 && line[3] != ' ' && line[3] != '-'))
      violated("a reply line is not 'DDD text' or 'DDD-text'", std::string(line));
    at = end + 2;
  }
}

// Replays `bytes` cut at the sizes `next_cut` gives; returns everything sent.
template <class Cut>
std::string run(std::string_view bytes, Cut next_cut) {
  driver d(mailroot());
  d.connect();
  std::size_t at = 0;
  while (at < bytes.size()) {
    std::size_t n = std::min(bytes.size() - at, next_cut());
    const bool was_closed = d.closed;
    const std::size_t before = d.wire.size();
    d.raw(std::string(bytes.substr(at, n)));
    if (was_closed && d.wire.size() != before) violated("bytes sent after the server closed", d.wire.substr(before));
    at += n;
  }
  if (!d.closed) d.eof();
  return d.wire;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::uint32_t seed = data[0];
  std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (bytes.size() > 64 * 1024) return 0;  // memory per session is bounded; big inputs only slow the search
  auto chunked = run(bytes, [&] {
    seed = seed * 1103515245u + 12345u;
    return static_cast<std::size_t>(1 + (seed >> 16) % 200);
  });
  check_wire(chunked);
  auto trickled = run(bytes, [] { return std::size_t{1}; });
  if (trickled != chunked) violated("replies differ cut in chunks and byte by byte", chunked + "\n----\n" + trickled);
  return 0;
}
