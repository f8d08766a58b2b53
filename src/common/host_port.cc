#include "common/host_port.h"

#include <arpa/inet.h>

#include <string>

#include "common/parse_number.h"

namespace hermes {

Result<HostPortParts> SplitHostPortParts(std::string_view s) {
  HostPortParts parts;
  if (!s.empty() && s.front() == '[') {
    const size_t close = s.find(']');
    if (close == std::string_view::npos) return Status::Invalid("has an unclosed '['");
    parts.host = s.substr(1, close - 1);
    parts.bracketed = true;
    const std::string_view rest = s.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return Status::Invalid("is not [host]:port");
      parts.port = rest.substr(1);
    }
    return parts;
  }
  const size_t colon = s.rfind(':');
  if (colon == std::string_view::npos || s.find(':') != colon) {
    parts.host = s;  // no colon, or a bare IPv6 literal
    return parts;
  }
  parts.host = s.substr(0, colon);
  parts.port = s.substr(colon + 1);
  return parts;
}

std::optional<std::string_view> HostAlone(std::string_view s) {
  auto parts = SplitHostPortParts(s);
  if (!parts.ok() || parts->port || parts->host.empty() || parts->host.size() > 253) {
    return std::nullopt;
  }
  const std::string_view h = parts->host;
  if (h.find(':') != std::string_view::npos) {
    in6_addr a{};
    return inet_pton(AF_INET6, std::string(h).c_str(), &a) == 1 ? std::optional(h) : std::nullopt;
  }
  if (parts->bracketed) return std::nullopt;  // only IPv6 stands in brackets
  for (char c : h) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) return std::nullopt;
  }
  return h;
}

Result<ListenAddress> ParseListenAddress(std::string_view s, std::string_view what,
                                         std::string_view host) {
  auto bad = [&](const std::string& why) {
    return Status::Invalid(std::string(what) + " \"" + std::string(s) + "\": " + why + " (want " +
                           std::string(host) + ":port, :port or [ipv6]:port)");
  };
  Result<HostPortParts> parts = SplitHostPortParts(s);
  if (!parts.ok()) return bad(parts.status().message());
  if (parts->host.find(':') != std::string_view::npos && !parts->bracketed) {
    return bad("IPv6 addresses need brackets");
  }
  if (!parts->port) return bad("missing port");
  const std::optional<uint16_t> port = ParseNumber<uint16_t>(*parts->port);
  if (!port) return bad("invalid port \"" + std::string(*parts->port) + "\"");
  return ListenAddress{std::string(parts->host), *port};
}

}  // namespace hermes
