// Address syntax checks; see address_syntax.h.
#include "config/address_syntax.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cctype>

#include "common/host_port.h"
#include "common/parse_number.h"

namespace hermes::config::internal {
namespace {

bool IsLabelChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
}

bool IsIpv6(std::string_view host) {
  return host.find(':') != std::string_view::npos &&
         std::all_of(host.begin(), host.end(), [](char c) {
           return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
         });
}

// Parses a decimal port 1..65535; 0 when invalid.
int ParsePort(std::string_view text) { return ParseNumber<uint16_t>(text).value_or(0); }

// Splits host and port; only an IPv6 address may stand in brackets.
std::optional<HostPortParts> SplitHostPort(std::string_view text) {
  Result<HostPortParts> parts = SplitHostPortParts(text);
  if (!parts.ok() || (parts->bracketed && !IsIpv6(parts->host))) return std::nullopt;
  return *parts;
}

}  // namespace

bool IsValidHost(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  if (IsIpv6(host)) return true;
  return IsDnsName(host);
}

bool IsDnsName(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.empty() || name.size() > 253) return false;
  size_t start = 0;
  while (true) {
    const size_t dot = name.find('.', start);
    std::string_view label = name.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (label.empty() || label.size() > 63 ||
        !std::all_of(label.begin(), label.end(), IsLabelChar) || label.front() == '-' ||
        label.back() == '-') {
      return false;
    }
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

Status CheckHttpUrl(std::string_view url) {
  const auto bad_char = [](char c) {
    return std::iscntrl(static_cast<unsigned char>(c)) || c == ' ';
  };
  if (std::any_of(url.begin(), url.end(), bad_char)) {
    return Status::Invalid("URL must not contain spaces or control characters");
  }
  const size_t sep = url.find("://");
  if (sep == std::string_view::npos) {
    return Status::Invalid("must be an absolute http:// or https:// URL, got \"" +
                           std::string(url) + "\"");
  }
  std::string scheme(url.substr(0, sep));
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (scheme != "http" && scheme != "https") {
    return Status::Invalid("URL scheme must be http or https, got \"" + scheme + "\"");
  }
  std::string_view rest = url.substr(sep + 3);
  const std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.find('@') != std::string_view::npos) {
    return Status::Invalid(
        "URL must not contain credentials (user:password@); put the token in a file and "
        "set bearer_token_file");
  }
  const std::optional<HostPortParts> parts = SplitHostPort(authority);
  if (!parts || !IsValidHost(parts->host) || (parts->port && ParsePort(*parts->port) == 0)) {
    return Status::Invalid("URL has an invalid host or port: \"" + std::string(authority) + "\"");
  }
  return CheckNotUnspecified(parts->host);
}

int IpLiteralFamily(std::string_view text, bool* unspecified) {
  const std::string ip(text);
  in_addr a4{};
  in6_addr a6{};
  if (inet_pton(AF_INET, ip.c_str(), &a4) == 1) {
    *unspecified = (ntohl(a4.s_addr) >> 24) == 0;
    return AF_INET;
  }
  if (inet_pton(AF_INET6, ip.c_str(), &a6) == 1) {
    *unspecified =
        IN6_IS_ADDR_UNSPECIFIED(&a6) || (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 0);
    return AF_INET6;
  }
  return 0;
}

Status CheckNotUnspecified(std::string_view host) {
  bool unspecified = false;
  IpLiteralFamily(host, &unspecified);
  if (!unspecified) return Status::Ok();
  return Status::Invalid("\"" + std::string(host) +
                         "\" is an unspecified address, which reaches this host itself; name "
                         "the far end's address");
}

Status CheckHostPort(std::string_view text, int default_port, std::string* normalized) {
  const std::string example =
      default_port > 0 ? " (e.g. 192.0.2.53 or 192.0.2.53:" + std::to_string(default_port) + ")"
                       : " as host:port (e.g. 192.0.2.1:443)";
  const std::optional<HostPortParts> parts = SplitHostPort(text);
  if (!parts || !IsValidHost(parts->host)) {
    return Status::Invalid("\"" + std::string(text) + "\" is not a valid address; write it" +
                           example);
  }
  HERMES_RETURN_IF_ERROR(CheckNotUnspecified(parts->host));
  int port = default_port;
  if (parts->port) {
    port = ParsePort(*parts->port);
    if (port == 0) {
      return Status::Invalid("port must be between 1 and 65535, got \"" +
                             std::string(*parts->port) + "\"");
    }
  } else if (default_port <= 0) {
    return Status::Invalid("\"" + std::string(text) + "\" has no port; write it" + example);
  }
  const std::string host(parts->host);
  const bool v6 = host.find(':') != std::string::npos;
  *normalized = (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
  return Status::Ok();
}

}  // namespace hermes::config::internal
