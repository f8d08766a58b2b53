// Gzip response compression (zlib, gzip wrapper) and Accept-Encoding negotiation.
//
// Stateless free functions; safe to call from any thread.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace hermes::server {

// True when an Accept-Encoding header value allows gzip: a "gzip" or "*" coding
// whose q-value is not zero (RFC 9110 section 12.5.3). Case-insensitive.
bool AcceptsGzip(std::string_view accept_encoding);

// Compresses `data` into a complete gzip member (RFC 1952).
Result<std::string> GzipCompress(std::string_view data);

}  // namespace hermes::server
