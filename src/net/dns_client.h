// DnsClient: one DNS query against a chosen server (or the system resolver's), and
// the pure helpers to name and parse what goes over the wire.
//
// The c-ares client sends exactly one query (tries = 1, timeout = what remains of
// the deadline; c-ares still retries over TCP when a UDP answer is truncated) and
// returns the response's rcode and answer count whatever the rcode is
// (ARES_FLAG_NOCHECKRESP), so the probe, not c-ares, decides which rcodes are good.
//
// Thread-safety: NewAresDnsClient()'s client opens a channel per call and is safe to
// use concurrently. The parsing helpers are pure.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"
#include "net/address.h"
#include "net/deadline.h"
#include "net/path.h"

namespace hermes::net {

struct DnsQuestion {
  std::string name;                     // "example.com"
  int type = 1;                         // DnsTypeFromName("A")
  bool tcp = false;                     // transport
  std::optional<SocketAddress> server;  // nullopt: servers from /etc/resolv.conf
  // Sockets are bound to it; servers of a family it excludes are dropped, those of
  // its preferred family are asked first.
  PathOptions path;
};

struct DnsResponse {
  int rcode = 0;
  int answer_count = 0;      // ANCOUNT
  Duration elapsed{};        // query sent -> response parsed, on the Deadline's clock
  uint64_t query_bytes = 0;  // DNS message bytes sent (one try)
  uint64_t response_bytes = 0;
};

class DnsClient {
 public:
  virtual ~DnsClient() = default;
  // Sends `q` and waits for the response. Any rcode is a response, not an error.
  // Errors:
  //   kUnavailable       the server refused the connection / port unreachable, or
  //                      a socket could not be bound to the path
  //   kDeadlineExceeded  no response before the deadline, or cancelled
  //   kInvalidArgument   the name cannot be encoded, or no server of an allowed family
  //   kInternal          malformed response or another resolver failure
  virtual Result<DnsResponse> Query(const DnsQuestion& q, const Deadline& d) = 0;
};

std::unique_ptr<DnsClient> NewAresDnsClient();

// The fixed 12-byte DNS header.
struct DnsHeader {
  uint16_t id = 0;
  bool response = false;   // QR
  bool truncated = false;  // TC
  int rcode = 0;
  int question_count = 0;
  int answer_count = 0;
};
// kInternal if `msg` is shorter than a header.
Result<DnsHeader> ParseDnsHeader(std::span<const uint8_t> msg);

// "A" -> 1, "AAAA" -> 28, ... for A AAAA CNAME MX NS PTR SOA SRV TXT; nullopt otherwise.
std::optional<int> DnsTypeFromName(std::string_view name);
// "NOERROR" -> 0, "NXDOMAIN" -> 3, ... (RFC 1035/2136 rcodes 0-10); nullopt otherwise.
std::optional<int> DnsRcodeFromName(std::string_view name);
// 3 -> "NXDOMAIN"; unknown codes as "RCODE<n>".
std::string DnsRcodeName(int rcode);

}  // namespace hermes::net
