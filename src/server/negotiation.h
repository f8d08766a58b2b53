// Content negotiation from request headers (RFC 9110 section 12): the element list
// of Accept and Accept-Encoding with their parameters and q-values.
//
// Stateless free functions; safe to call from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hermes::server {

// One element of a comma-separated header list, e.g. `text/plain;version=0.0.4;q=0.3`.
struct HeaderElement {
  std::string value;  // lower-cased, e.g. "text/plain" or "gzip"
  std::vector<std::pair<std::string, std::string>> params;  // names lower-cased, unquoted
  double q = 1;  // from q=; 0 when q= is not a number in [0, 1]

  // The value of parameter `name` (lower-case), nullopt when absent.
  std::optional<std::string_view> Param(std::string_view name) const;
};

// Parses an Accept or Accept-Encoding value; empty elements are skipped.
std::vector<HeaderElement> ParseHeaderList(std::string_view header);

// True when an Accept-Encoding header value allows gzip: a "gzip" or "x-gzip" coding
// whose q-value is not zero or, when neither is named, a "*" one (RFC 9110 section
// 12.5.3: "*" matches the codings not listed). Case-insensitive.
bool AcceptsGzip(std::string_view accept_encoding);

}  // namespace hermes::server
