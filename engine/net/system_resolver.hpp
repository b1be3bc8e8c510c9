// The real resolver: asks the system's DNS through glibc's libresolv. The
// engine sees only mailflow::resolver; this header is for the CLI (serve) and
// the net tests, never for the protocol layers (the layering test checks it).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/env.hpp"

struct __res_state;

namespace mailflow::net {

struct resolver_options {
  // Seconds to wait for one answer and how many rounds over the nameservers,
  // so a dead nameserver costs a session at most about timeout * attempts.
  int timeout_seconds = 5;
  int attempts = 2;
  // Empty: the nameservers of /etc/resolv.conf. Otherwise one IPv4 nameserver
  // (tests, or a resolver of the operator's choosing).
  std::string nameserver;
  std::uint16_t port = 53;
};

// Decodes a DNS response (RFC 1035 section 4) into the answer for `type`:
// records of that type and class IN from the answer section (CNAMEs that lead
// to them are skipped); NOERROR without any -> nxdomain with no records;
// NXDOMAIN -> nxdomain; any other rcode, a query rather than a response, or a
// message that is truncated or malformed -> failure. MX records are sorted by
// preference, then name. Reads nothing outside `msg`.
dns_answer parse_dns_response(std::span<const unsigned char> msg, dns_type type);

// The name a PTR query asks for: "1.2.0.192.in-addr.arpa" for 192.0.2.1,
// the nibble form under ip6.arpa for IPv6 (RFC 3596 section 2.5), and the
// in-addr.arpa name for IPv4-mapped IPv6 (::ffff:a.b.c.d). nullopt when `ip`
// is not an address.
std::optional<std::string> reverse_name(std::string_view ip);

// Thread-safe: each concurrent lookup uses its own res_state, taken from a
// small pool, so lookups neither share state nor wait for one another.
// Never throws; a lookup that cannot be made is a failure, a name that cannot
// exist in the DNS (empty, over-long label, not an address for PTR) nxdomain.
class system_resolver final : public resolver {
 public:
  explicit system_resolver(resolver_options options = {});
  ~system_resolver() override;
  system_resolver(const system_resolver&) = delete;
  system_resolver& operator=(const system_resolver&) = delete;

  dns_answer lookup(dns_type type, std::string_view name) override;

 private:
  struct state_deleter {
    void operator()(struct __res_state* s) const noexcept;
  };
  using state_ptr = std::unique_ptr<struct __res_state, state_deleter>;

  state_ptr acquire() noexcept;
  void release(state_ptr s) noexcept;

  resolver_options options_;
  std::mutex mutex_;
  std::vector<state_ptr> idle_;
};

}  // namespace mailflow::net
