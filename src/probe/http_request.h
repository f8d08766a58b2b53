// Maps a probe's HTTP target config (config::HttpTarget) and path onto
// net::RequestOptions: TLS settings, headers and the bearer token, read from its
// file now (the file is re-read at every run so that rotated tokens are picked
// up), and the path (probe/path.h).
//
// A preferred IP family with fallback is decided here, once per run, as
// blackbox_exporter does: the URL's host is resolved, and the run keeps to the
// preferred family if the host has an address of it, else to the other. (A host
// this resolver cannot resolve, e.g. one only a proxy knows, leaves the choice to
// libcurl.) Every request of the run then uses that family.
#pragma once

#include "common/status.h"
#include "config/http_target.h"
#include "net/curl_easy.h"
#include "net/curl_error.h"
#include "probe/probe.h"

namespace hermes::probe {

Result<net::RequestOptions> RequestOptionsFor(const config::HttpTarget& target,
                                              const ProbeContext& ctx);

// What a factory checks before a probe of `target` runs: the URL is http(s) and
// libcurl can parse it, the bearer token file is readable and holds one token, and
// the TLS files hold PEM data. Errors name the key.
Status CheckHttpTarget(const config::HttpTarget& target);

// `partial` (what the run measured so far: bytes, samples, status) turned into a
// failed run with `f`'s reason, text and Retry-After; the rates and RPMs it holds
// are dropped, since a failed run reports none.
ProbeResult FailedRun(ProbeResult partial, const net::RequestFailure& f);

}  // namespace hermes::probe
