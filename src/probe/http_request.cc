#include "probe/http_request.h"

#include "net/resolver.h"
#include "net/tls_files.h"
#include "probe/path.h"

namespace hermes::probe {
namespace {

net::RequestOptions WithoutToken(const config::HttpTarget& target) {
  net::RequestOptions opts;
  if (const auto& t = target.tls_config) {
    opts.tls = net::TlsOptions{
        t->ca_file,    t->cert_file, t->key_file, t->server_name, t->insecure_skip_verify,
        t->min_version};
  }
  opts.headers = target.headers;
  return opts;
}

// The path with a preferred family and fallback turned into one family (see the
// header).
net::PathOptions PinFamily(const std::string& url, net::PathOptions path, const ProbeContext& ctx) {
  if (path.preferred_family == AF_UNSPEC || path.AllowedFamily() != AF_UNSPEC) return path;
  const std::optional<net::UrlParts> parts = net::ParseUrl(url);
  if (!parts) return path;  // libcurl reports it
  std::string host = parts->host;
  if (host.size() >= 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  const net::Deadline d{ctx.clock, ctx.deadline, ctx.cancelled};
  auto addrs = net::NewSystemResolver()->Resolve(host, 0, d);
  if (!addrs.ok()) return path;
  auto chosen = net::ChooseAddress(*addrs, path, host);
  if (!chosen.ok()) return path;  // libcurl meets (and reports) the same problem
  path.preferred_family = chosen->family();
  path.fallback = false;
  return path;
}

}  // namespace

Result<net::RequestOptions> RequestOptionsFor(const config::HttpTarget& target,
                                              const ProbeContext& ctx) {
  net::RequestOptions opts = WithoutToken(target);
  opts.path = PinFamily(target.url, PathOf(ctx.config.path), ctx);
  if (!target.bearer_token_file.empty()) {
    auto token = net::ReadBearerToken(target.bearer_token_file);
    if (!token.ok()) return token.status();
    opts.bearer_token = std::move(token).value();
  }
  return opts;
}

Status CheckHttpTarget(const config::HttpTarget& target) {
  const std::string& url = target.url;
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
    return Status::Invalid("url " + url + " must start with http:// or https://");
  }
  const net::RequestOptions opts = WithoutToken(target);
  if (auto h = net::EasyHandle::Create(url, opts); !h.ok()) return h.status();
  if (opts.tls) HERMES_RETURN_IF_ERROR(net::CheckTlsFiles(*opts.tls));
  if (target.bearer_token_file.empty()) return Status::Ok();
  return net::ReadBearerToken(target.bearer_token_file).status();
}

ProbeResult FailedRun(ProbeResult partial, const net::RequestFailure& f) {
  partial.success = false;
  partial.reason = f.reason;
  partial.error = f.error;
  partial.retry_after = f.retry_after;
  partial.throughput_bytes_per_second = {};
  partial.responsiveness = {};
  return partial;
}

}  // namespace hermes::probe
