// Maps a probe's HTTP target config (config::HttpTarget) onto net::RequestOptions:
// TLS settings, headers and the bearer token, read from its file now (the file is
// re-read at every run so that rotated tokens are picked up).
#pragma once

#include "common/status.h"
#include "config/http_target.h"
#include "net/curl_easy.h"
#include "net/curl_error.h"
#include "probe/probe.h"

namespace hermes::probe {

Result<net::RequestOptions> RequestOptionsFor(const config::HttpTarget& target);

// What a factory checks before a probe of `target` runs: the URL is http(s) and
// libcurl can parse it, the bearer token file is readable and holds one token, and
// the TLS files hold PEM data. Errors name the key.
Status CheckHttpTarget(const config::HttpTarget& target);

// `partial` (what the run measured so far: bytes, samples, status) turned into a
// failed run with `f`'s reason, text and Retry-After; the rates and RPMs it holds
// are dropped, since a failed run reports none.
ProbeResult FailedRun(ProbeResult partial, const net::RequestFailure& f);

}  // namespace hermes::probe
