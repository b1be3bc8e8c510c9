#include "net/system_resolver.hpp"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>

#include <algorithm>
#include <cstring>
#include <new>
#include <utility>

#include "core/ip.hpp"
#include "core/text.hpp"

namespace mailflow::net {

namespace {

using status = dns_answer::status;

dns_answer failure() { return {status::failure, {}}; }

ns_type wire_type(dns_type t) {
  switch (t) {
    case dns_type::a: return ns_t_a;
    case dns_type::mx: return ns_t_mx;
    case dns_type::ptr: return ns_t_ptr;
    case dns_type::txt: return ns_t_txt;
  }
  return ns_t_a;
}

// A domain name in RDATA (RFC 1035 section 3.1, compressed per 4.1.4) that
// must lie within [rdata, end). dn_expand bounds every read by the message end.
bool expand_name(std::span<const unsigned char> msg, const unsigned char* at, const unsigned char* end,
                 std::string& out) {
  char buf[NS_MAXDNAME];
  int used = dn_expand(msg.data(), msg.data() + msg.size(), at, buf, sizeof buf);
  if (used <= 0 || used > end - at) return false;
  out = buf[0] ? buf : ".";  // the root: a null MX (RFC 7505) says "no mail here"
  return true;
}

// One record's RDATA as the text dns_answer carries; false when malformed.
bool decode_rdata(std::span<const unsigned char> msg, dns_type type, const unsigned char* rd, std::size_t len,
                  std::string& out) {
  const unsigned char* end = rd + len;
  switch (type) {
    case dns_type::a: {  // RFC 1035 section 3.4.1: a 32-bit address
      if (len != 4) return false;
      char buf[INET_ADDRSTRLEN];
      if (!inet_ntop(AF_INET, rd, buf, sizeof buf)) return false;
      out = buf;
      return true;
    }
    case dns_type::mx: {  // section 3.3.9: 16-bit PREFERENCE, EXCHANGE name
      if (len < 3) return false;
      std::string host;
      if (!expand_name(msg, rd + 2, end, host)) return false;
      out = std::to_string((rd[0] << 8) | rd[1]) + " " + host;
      return true;
    }
    case dns_type::ptr:  // section 3.3.12: PTRDNAME
      return expand_name(msg, rd, end, out);
    case dns_type::txt: {  // section 3.3.14: one or more <character-string>s
      out.clear();
      for (const unsigned char* p = rd; p < end;) {
        std::size_t n = *p++;
        if (n > static_cast<std::size_t>(end - p)) return false;
        out.append(reinterpret_cast<const char*>(p), n);
        p += n;
      }
      return true;
    }
  }
  return false;
}

std::uint16_t mx_preference(const std::string& r) {
  std::uint16_t v = 0;
  for (char c : r) {
    if (c < '0' || c > '9') break;
    v = static_cast<std::uint16_t>(v * 10 + (c - '0'));
  }
  return v;
}

// A name res_nmkquery could encode (RFC 1035 section 2.3.4: labels of 63
// octets, names of 255); anything else cannot exist, so it is NXDOMAIN
// rather than a failure that would make a session answer "try again later".
bool plausible_name(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.empty() || name.size() > 253) return false;
  for (auto label : split(name, '.'))
    if (label.empty() || label.size() > 63) return false;
  return true;
}

}  // namespace

dns_answer parse_dns_response(std::span<const unsigned char> msg, dns_type type) {
  ns_msg handle;
  // ns_initparse walks every section (RFC 1035 section 4.1) and refuses a
  // message whose records run past its end.
  if (ns_initparse(msg.data(), static_cast<int>(msg.size()), &handle) < 0) return failure();
  if (!ns_msg_getflag(handle, ns_f_qr)) return failure();  // a query, not a response
  switch (ns_msg_getflag(handle, ns_f_rcode)) {  // section 4.1.1 RCODE
    case ns_r_noerror: break;
    case ns_r_nxdomain: return {};
    default: return failure();  // SERVFAIL, REFUSED, FORMERR, NOTIMP, ...
  }
  dns_answer answer{status::ok, {}};
  const int count = ns_msg_count(handle, ns_s_an);
  for (int i = 0; i < count; ++i) {
    ns_rr rr;
    if (ns_parserr(&handle, ns_s_an, i, &rr) < 0) return failure();
    if (ns_rr_class(rr) != ns_c_in || ns_rr_type(rr) != wire_type(type)) continue;  // e.g. the CNAME chain
    std::string text;
    if (!decode_rdata(msg, type, ns_rr_rdata(rr), ns_rr_rdlen(rr), text)) return failure();
    answer.records.push_back(std::move(text));
  }
  if (answer.records.empty()) return {};  // NOERROR/NODATA: the name has no such record
  if (type == dns_type::mx) {
    std::sort(answer.records.begin(), answer.records.end(), [](const std::string& x, const std::string& y) {
      auto px = mx_preference(x), py = mx_preference(y);
      if (px != py) return px < py;
      return to_lower(x) < to_lower(y);
    });
  }
  return answer;
}

std::optional<std::string> reverse_name(std::string_view ip) {
  auto addr = ip_address::parse(ip);
  if (!addr) return std::nullopt;
  static constexpr std::uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  std::string out;
  if (addr->v4 || std::equal(std::begin(mapped), std::end(mapped), addr->bytes.begin())) {
    for (int i = 15; i >= 12; --i) out += std::to_string(addr->bytes[i]) + ".";
    return out + "in-addr.arpa";
  }
  static constexpr char hex[] = "0123456789abcdef";
  for (int i = 15; i >= 0; --i) {  // least significant nibble first
    out += hex[addr->bytes[i] & 0xf];
    out += '.';
    out += hex[addr->bytes[i] >> 4];
    out += '.';
  }
  return out + "ip6.arpa";
}

void system_resolver::state_deleter::operator()(struct __res_state* s) const noexcept {
  res_nclose(s);
  delete s;
}

system_resolver::system_resolver(resolver_options options) : options_(std::move(options)) {}

system_resolver::~system_resolver() = default;

system_resolver::state_ptr system_resolver::acquire() noexcept {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      state_ptr s = std::move(idle_.back());
      idle_.pop_back();
      return s;
    }
  }
  // `struct`: resolv.h also declares a function named __res_state.
  auto* raw = new (std::nothrow) struct __res_state;
  if (!raw) return nullptr;
  std::memset(raw, 0, sizeof *raw);  // res_ninit expects a zeroed state
  if (res_ninit(raw) != 0) {
    res_nclose(raw);
    delete raw;
    return nullptr;
  }
  state_ptr s(raw);
  raw->retrans = std::max(1, options_.timeout_seconds);
  raw->retry = std::max(1, options_.attempts);
  if (!options_.nameserver.empty()) {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(options_.port);
    if (inet_pton(AF_INET, options_.nameserver.c_str(), &sin.sin_addr) != 1) return nullptr;
    raw->nsaddr_list[0] = sin;  // glibc uses nsaddr_list for an AF_INET entry
    raw->nscount = 1;
  }
  return s;
}

void system_resolver::release(state_ptr s) noexcept {
  try {
    std::lock_guard lock(mutex_);
    idle_.push_back(std::move(s));
  } catch (...) {
    // s is closed by its deleter
  }
}

dns_answer system_resolver::lookup(dns_type type, std::string_view name) {
  try {
    std::string qname;
    if (type == dns_type::ptr) {
      auto r = reverse_name(name);
      if (!r) return {};
      qname = std::move(*r);
    } else {
      if (!plausible_name(name)) return {};
      qname = std::string(name);
    }
    state_ptr state = acquire();
    if (!state) return failure();
    // 64 KiB: the largest message, so a TCP retry after TC is never cut short.
    std::vector<unsigned char> buf(65536);
    // res_nquery, not res_nsearch: mail names are absolute, no search list.
    int n = res_nquery(state.get(), qname.c_str(), ns_c_in, wire_type(type), buf.data(), static_cast<int>(buf.size()));
    int herr = state->res_h_errno;
    release(std::move(state));
    if (n < 0) {
      // res_nquery returns -1 for every rcode but NOERROR-with-answers; its
      // h_errno tells NXDOMAIN and NODATA apart from SERVFAIL and timeouts.
      switch (herr) {
        case HOST_NOT_FOUND:
        case NO_DATA: return {};
        default: return failure();  // TRY_AGAIN (SERVFAIL, timeout), NO_RECOVERY, NETDB_INTERNAL
      }
    }
    return parse_dns_response(std::span<const unsigned char>(buf.data(), std::min<std::size_t>(n, buf.size())), type);
  } catch (...) {
    return failure();
  }
}

}  // namespace mailflow::net
