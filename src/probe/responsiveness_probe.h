// responsiveness probe (README "responsiveness"): the RPM test of
// draft-ietf-ippm-responsiveness against any server that publishes the draft's
// config resource (hermes-target, nginx or Apache Traffic Server set up as in the
// draft, Apple's and Cloudflare's public servers).
//
// A run: (1) GET the config resource (`url`, body up to kMaxNqConfigBytes) and
// validate it (nq_config.h); its status and certificate are the run's http status
// and certificate expiry. (2) One GET of the small URL on a fresh connection finds
// the protocol: HTTP/2 (ALPN over TLS, prior knowledge without) or, when the
// server only speaks HTTP/1.1, the draft's fallback (rpm_direction.h). (3) Each
// enabled direction runs the test (rpm_direction.h), download first.
// The bearer token and tls_config.server_name go only to the config URL's origin;
// the CA, client certificate and insecure_skip_verify apply to every request. A
// direction cut by max_duration or max_bytes reports its lower confidence, not a
// failure; any failed request fails the run with one reason. The run's detail text
// (/-/status, debug log) says how each direction ended and which protocol it used.
//
// Requires net::CurlGlobalInit(). Thread-safety: one Run() at a time per object.
#pragma once

#include <memory>

#include "common/status.h"
#include "config/responsiveness_config.h"
#include "probe/kind.h"
#include "probe/probe.h"

namespace hermes::probe {

Result<std::unique_ptr<Probe>> NewResponsivenessProbe(const config::ResponsivenessConfig& cfg);

// Per enabled direction: rtt, latency, jitter (self-probe round trips, load =
// direction), throughput (goodput), responsiveness; transferred bytes (download
// always: the config resource and probe answers); http status, certificate expiry.
ResultLayout ResponsivenessLayout(const config::ProbeConfig& cfg);

}  // namespace hermes::probe
