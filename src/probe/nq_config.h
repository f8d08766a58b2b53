// The responsiveness server's config resource (draft-ietf-ippm-responsiveness,
// "Well-Known URI For Test Server Discovery"), parsed and validated from its body.
//
//   {"version": 1,
//    "urls": {"large_download_url": "...", "small_download_url": "...",
//             "upload_url": "..."},
//    "test_endpoint": "host"}                                    (optional)
//
// Strict where the draft is: the body is one JSON object (RFC 8259, nesting at most
// 32 deep); version is 1 (a number, or the string "1"); the three URLs are present
// and each name appears once; test_endpoint appears at most once and is a host
// name or address. The older key names that deployed servers and clients still use
// (small_https_download_url, large_https_download_url, https_upload_url) are
// accepted in place of the draft's; when both are present the draft's win. Other
// names are ignored, as the draft requires. Stricter than the draft: the three URLs
// must share scheme, host and port (the draft asks for the same host so that they
// can be multiplexed on one connection, which needs the same port too) and carry no
// credentials. Every error says what is wrong and where.
//
// Pure function of the text; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace hermes::probe {

struct NqConfig {
  std::string large_download_url;
  std::string small_download_url;
  std::string upload_url;
  std::string test_endpoint;  // "" when absent
  std::string origin;         // "scheme://host:port" shared by the three URLs
  bool tls = false;           // https
};

Result<NqConfig> ParseNqConfig(std::string_view body);

// "scheme://host:port" of an http(s) URL (default port filled in), or "" if the URL
// cannot be parsed.
std::string UrlOrigin(const std::string& url);

// The path of a URL without query or fragment ("/" when empty), for error texts
// that must not carry hosts' query strings.
std::string UrlPath(const std::string& url);

}  // namespace hermes::probe
