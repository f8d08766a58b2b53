#include "scheduler/config_equal.h"

#include <tuple>

namespace hermes::scheduler {

namespace {

auto Tie(const config::TlsConfig& t) {
  return std::tie(t.ca_file, t.cert_file, t.key_file, t.server_name, t.insecure_skip_verify,
                  t.min_version);
}

bool Same(const std::optional<config::TlsConfig>& a, const std::optional<config::TlsConfig>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a || Tie(*a) == Tie(*b);
}

auto Tie(const config::TransferConfig& t) {
  return std::tie(t.enabled, t.streams, t.duration, t.warmup, t.max_bytes);
}

auto Tie(const config::ExpectConfig& e) {
  return std::tie(e.download_bytes_per_second, e.upload_bytes_per_second, e.latency_seconds);
}

}  // namespace

bool SameProbeConfig(const config::ProbeConfig& a, const config::ProbeConfig& b) {
  return std::tie(a.name, a.kind, a.interval, a.timeout, a.headers, a.bearer_token_file, a.url,
                  a.latency.samples, a.valid_status_codes, a.follow_redirects, a.max_redirects,
                  a.max_body_bytes, a.method, a.address, a.host, a.samples, a.query,
                  a.query_type, a.server, a.transport, a.valid_rcodes) ==
             std::tie(b.name, b.kind, b.interval, b.timeout, b.headers, b.bearer_token_file,
                      b.url, b.latency.samples, b.valid_status_codes, b.follow_redirects,
                      b.max_redirects, b.max_body_bytes, b.method, b.address, b.host,
                      b.samples, b.query, b.query_type, b.server, b.transport,
                      b.valid_rcodes) &&
         Same(a.tls_config, b.tls_config) && Tie(a.download) == Tie(b.download) &&
         Tie(a.upload) == Tie(b.upload) && Tie(a.expect) == Tie(b.expect);
}

}  // namespace hermes::scheduler
