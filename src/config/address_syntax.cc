// Address syntax checks; see address_syntax.h.
#include "config/address_syntax.h"

#include <algorithm>
#include <cctype>

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

// Splits "host", "host:port", "[v6]" or "[v6]:port"; a bare IPv6 address has no port.
bool SplitHostPort(std::string_view text, std::string_view* host, std::string_view* port,
                   bool* has_port) {
  *has_port = false;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos) return false;
    *host = text.substr(1, close - 1);
    std::string_view rest = text.substr(close + 1);
    if (rest.empty()) return IsIpv6(*host);
    if (rest.front() != ':') return false;
    *port = rest.substr(1);
    *has_port = true;
    return IsIpv6(*host);
  }
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || text.find(':') != colon) {
    *host = text;  // no colon, or a bare IPv6 address
    return true;
  }
  *host = text.substr(0, colon);
  *port = text.substr(colon + 1);
  *has_port = true;
  return true;
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
  std::string_view host, port;
  bool has_port = false;
  if (!SplitHostPort(authority, &host, &port, &has_port) || !IsValidHost(host) ||
      (has_port && ParsePort(port) == 0)) {
    return Status::Invalid("URL has an invalid host or port: \"" + std::string(authority) + "\"");
  }
  return Status::Ok();
}

Status CheckHostPort(std::string_view text, int default_port, std::string* normalized) {
  std::string_view host, port_text;
  bool has_port = false;
  const std::string example = default_port > 0 ? " (e.g. 192.0.2.53 or 192.0.2.53:53)"
                                               : " as host:port (e.g. 192.0.2.1:443)";
  if (!SplitHostPort(text, &host, &port_text, &has_port) || !IsValidHost(host)) {
    return Status::Invalid("\"" + std::string(text) + "\" is not a valid address; write it" +
                           example);
  }
  int port = default_port;
  if (has_port) {
    port = ParsePort(port_text);
    if (port == 0) {
      return Status::Invalid("port must be between 1 and 65535, got \"" + std::string(port_text) +
                             "\"");
    }
  } else if (default_port <= 0) {
    return Status::Invalid("\"" + std::string(text) + "\" has no port; write it" + example);
  }
  const bool v6 = host.find(':') != std::string_view::npos;
  *normalized =
      (v6 ? "[" + std::string(host) + "]" : std::string(host)) + ":" + std::to_string(port);
  return Status::Ok();
}

}  // namespace hermes::config::internal
