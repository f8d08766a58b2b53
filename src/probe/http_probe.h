// http probe (SPEC section 6): one request to `url` with `method`; reports phases
// (resolve, connect, tls, processing, transfer; see net/curl_easy.h), the final
// status code, body bytes as transferred_bytes[download] and the peer
// certificate's notAfter (read from the live TLS session via OpenSSL, exact to the
// second).
//
// Failures: libcurl errors as in net/curl_error.h (too many redirects -> protocol);
// a body larger than max_body_bytes -> protocol (reading stops at the limit); a
// status outside valid_status_codes (empty: 2xx) -> http_status, or rate_limited
// with retry_after for 429/503 carrying Retry-After.
//
// Redirects are followed when follow_redirects is set, at most max_redirects
// times; custom Authorization headers are not sent to other hosts (libcurl's
// rule). The TLS version is not exported: the SPEC metrics table has no metric for
// it. Requires net::CurlGlobalInit(). Thread-safety: one Run() at a time.
#pragma once

#include <memory>

#include "common/status.h"
#include "config/http_config.h"
#include "probe/kind.h"
#include "probe/probe.h"

namespace hermes::probe {

// Fails if the URL is not http(s).
Result<std::unique_ptr<Probe>> NewHttpProbe(const config::HttpConfig& cfg);

// Every phase; transferred bytes (download); http status and certificate expiry.
ResultLayout HttpLayout(const config::ProbeConfig& cfg);

}  // namespace hermes::probe
