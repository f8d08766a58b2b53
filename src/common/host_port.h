// The "host:port" address syntax, split in one place for every module that reads
// it: probe addresses in the config, the probes' dialers and the listen addresses.
//
// Accepted shapes: "host", "host:port", "[v6]", "[v6]:port", and a bare IPv6
// literal ("2001:db8::1": several colons and no brackets), which never has a port.
// Only the structure is checked here; callers validate the host and parse the port
// (ParseNumber<uint16_t>) with their own rules and messages.
//
// Thread-safety: pure function.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace hermes {

struct HostPortParts {
  std::string_view host;                 // without brackets; may be empty
  std::optional<std::string_view> port;  // the text after ':', when there is a ':port'
  bool bracketed = false;                // the host was written as "[...]"
};

// Fails (kInvalidArgument) for an unclosed '[' ("has an unclosed '['") and for
// anything but ":port" after ']' ("is not [host]:port"). The views point into `s`.
Result<HostPortParts> SplitHostPortParts(std::string_view s);

// A host alone, e.g. the responsiveness draft's test_endpoint: a name (letters,
// digits, '-', '_', '.'; at most 253 bytes), an IPv4 address, or an IPv6 address bare
// or in brackets. Returns it without brackets (a view into `s`); nullopt when there
// is a port or anything else.
std::optional<std::string_view> HostAlone(std::string_view s);

struct ListenAddress {
  std::string host;  // without brackets; "" = all interfaces
  uint16_t port = 0;
};

// "host:port", ":port" or "[ipv6]:port" of a listener (IPv6 needs its brackets, the
// port is required). Errors (kInvalidArgument) read "<what> \"<s>\": <why> (want
// <host>:port, :port or [ipv6]:port)", `host` naming what the host may be.
Result<ListenAddress> ParseListenAddress(std::string_view s, std::string_view what,
                                         std::string_view host = "host");

}  // namespace hermes
