#include "net/curl_error.h"

#include <boost/algorithm/string/classification.hpp>
#include <boost/algorithm/string/predicate.hpp>
#include <boost/algorithm/string/trim.hpp>
#include <string>

#include "common/parse_number.h"

namespace hermes::net {
namespace {

std::string_view TrimView(std::string_view s) {
  return boost::algorithm::trim_copy_if(s, boost::algorithm::is_any_of(" \t\r\n"));
}

// A Server-Timing dur value: a number, possibly quoted.
std::optional<double> ParseDur(std::string_view s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return ParseNumber<double>(s);
}

}  // namespace

FailureReason ClassifyCurlCode(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return FailureReason::kDns;
    case CURLE_COULDNT_CONNECT:
      return FailureReason::kConnect;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_USE_SSL_FAILED:
    case CURLE_SSL_CLIENTCERT:
      return FailureReason::kTls;
    case CURLE_OPERATION_TIMEDOUT:
      return FailureReason::kTimeout;
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    // libcurl retries a request whose reused connection broke before any answer;
    // an upload body cannot be replayed, so the broken connection surfaces as this.
    case CURLE_SEND_FAIL_REWIND:
      return FailureReason::kNetwork;
    case CURLE_PARTIAL_FILE:
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_BAD_CONTENT_ENCODING:
    case CURLE_TOO_MANY_REDIRECTS:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return FailureReason::kProtocol;
    default:
      return FailureReason::kUnknown;
  }
}

std::optional<RequestFailure> ClassifyHttpStatus(long status,  // NOLINT(runtime/int)
                                                 std::string_view retry_after, WallTime now) {
  if (status < 400) return std::nullopt;
  if (status == 429 || status == 503) {
    if (auto delay = ParseRetryAfter(retry_after, now)) {
      return RequestFailure{FailureReason::kRateLimited,
                            "HTTP " + std::to_string(status) + " with Retry-After " +
                                std::string(TrimView(retry_after)),
                            delay};
    }
  }
  return RequestFailure{FailureReason::kHttpStatus,
                        "unexpected HTTP status " + std::to_string(status), std::nullopt};
}

std::optional<Duration> ParseRetryAfter(std::string_view value, WallTime now) {
  value = TrimView(value);
  if (value.empty()) return std::nullopt;
  if (value.find_first_not_of("0123456789") == std::string_view::npos) {
    const auto secs = ParseNumber<uint64_t>(value);
    if (!secs || *secs > 365ull * 24 * 3600) return std::nullopt;
    return std::chrono::seconds(*secs);
  }
  // curl_getdate understands RFC 1123, RFC 850 and asctime dates.
  const time_t when = curl_getdate(std::string(value).c_str(), nullptr);
  if (when < 0) return std::nullopt;
  const auto delta = WallTime(std::chrono::seconds(when)) - now;
  if (delta <= Duration::zero()) return Duration::zero();
  return std::chrono::duration_cast<Duration>(delta);
}

std::optional<double> ParseServerTimingSeconds(std::string_view value) {
  std::optional<double> best;
  while (!value.empty()) {
    const size_t comma = value.find(',');
    std::string_view metric = value.substr(0, comma);
    value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
    // metric = name *( ";" param ), param = key "=" value; the name itself is skipped.
    size_t semi = metric.find(';');
    while (semi != std::string_view::npos) {
      metric = metric.substr(semi + 1);
      semi = metric.find(';');
      std::string_view param = TrimView(metric.substr(0, semi));
      const size_t eq = param.find('=');
      if (eq == std::string_view::npos) continue;
      if (!boost::algorithm::iequals(TrimView(param.substr(0, eq)), "dur")) continue;
      auto ms = ParseDur(TrimView(param.substr(eq + 1)));
      if (ms && *ms >= 0 && (!best || *ms / 1000.0 > *best)) best = *ms / 1000.0;
    }
  }
  return best;
}

}  // namespace hermes::net
