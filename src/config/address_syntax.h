// Syntax checks for the network addresses in hermes.yml (internal to config/):
// probe URLs, host names, "host:port" pairs and DNS query names. Messages say what
// is wrong without a key path; callers add the path and line.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace hermes::config::internal {

// An absolute http:// or https:// URL with a host (never an unspecified address), an
// optional port 1..65535, and no user:password@ credentials, spaces or control
// characters.
Status CheckHttpUrl(std::string_view url);

// A host name, IPv4 address or IPv6 address (without brackets).
bool IsValidHost(std::string_view host);

// "host:port" or "[v6]:port" of a far end (never an unspecified address). With
// `default_port` > 0 the port may be left out ("192.0.2.53", "2001:db8::53"). On
// success *normalized is "host:port" with IPv6 hosts bracketed.
Status CheckHostPort(std::string_view text, int default_port, std::string* normalized);

// AF_INET or AF_INET6 when `text` is an IP literal (no brackets), else 0; sets
// *unspecified for the addresses connect() turns into this host: 0.0.0.0/8, :: and
// ::ffff:0.0.0.0/104 (as net::IsUnspecified).
int IpLiteralFamily(std::string_view text, bool* unspecified);

// kInvalidArgument when `host` (no brackets) is an unspecified IP literal (above),
// which as a probe's target would measure this host itself.
Status CheckNotUnspecified(std::string_view host);

// A DNS name: dot-separated labels of 1..63 letters, digits, '-' or '_', at most
// 253 characters, optionally ending in '.'.
bool IsDnsName(std::string_view name);

}  // namespace hermes::config::internal
