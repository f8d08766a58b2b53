#include "common/host_port.h"

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

}  // namespace hermes
