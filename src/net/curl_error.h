// Maps libcurl outcomes onto the SPEC's closed set of failure reasons, and parses
// the response headers that change how a result is read (Retry-After,
// Server-Timing). Pure functions: parsing is testable from strings.
//
// Classification (one reason each; README "failure reasons"):
//   COULDNT_RESOLVE_HOST/PROXY                      -> dns
//   COULDNT_CONNECT                                 -> connect
//   SSL_* / PEER_FAILED_VERIFICATION / USE_SSL_FAILED -> tls
//   OPERATION_TIMEDOUT                              -> timeout
//   RECV_ERROR / SEND_ERROR / GOT_NOTHING           -> network (connection reset or
//                                                      closed by the peer mid-exchange)
//   PARTIAL_FILE (body shorter than Content-Length), WEIRD_SERVER_REPLY,
//   BAD_CONTENT_ENCODING, TOO_MANY_REDIRECTS, HTTP2 framing errors -> protocol
//   anything else                                   -> unknown
// HTTP status >= 400 -> http_status, except 429 and 503 with a parseable
// Retry-After -> rate_limited (with the delay).
//
// Reasons are the closed vocabulary of common/failure_reason.h, so that every
// curl-based probe classifies identically.
#pragma once

#include <curl/curl.h>

#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/failure_reason.h"

namespace hermes::net {

FailureReason ClassifyCurlCode(CURLcode code);

// A failed request, ready to become a ProbeResult.
struct RequestFailure {
  FailureReason reason;
  std::string error;
  std::optional<Duration> retry_after;
};

// Failure for an HTTP status, or nullopt when `status` < 400. `retry_after` is the
// raw Retry-After header value ("" if absent); `now` resolves HTTP-dates.
std::optional<RequestFailure> ClassifyHttpStatus(long status,  // NOLINT(runtime/int)
                                                 std::string_view retry_after, WallTime now);

// Retry-After as delta-seconds ("7") or HTTP-date ("Wed, 21 Oct 2015 07:28:00 GMT",
// also RFC 850 and asctime forms) relative to `now`; a date in the past gives 0.
std::optional<Duration> ParseRetryAfter(std::string_view value, WallTime now);

// Server processing time reported in Server-Timing, in seconds: the largest `dur`
// (milliseconds) of any metric, since servers report the total request duration
// beside sub-steps (cloudflare: "cfRequestDuration;dur=12.3", hermes-target:
// "app;dur=0.05"). nullopt if no metric has a valid non-negative dur.
std::optional<double> ParseServerTimingSeconds(std::string_view value);

}  // namespace hermes::net
