#include "probe/http_probe.h"

#include <algorithm>
#include <string>

#include "common/log.h"
#include "net/curl_easy.h"
#include "net/curl_error.h"

namespace hermes::probe {
namespace {

// State the libcurl callbacks write into during one request.
struct Exchange {
  CURL* curl = nullptr;
  const ProbeContext* ctx = nullptr;
  uint64_t max_body = 0;
  uint64_t body_bytes = 0;
  bool body_too_large = false;
  std::optional<double> cert_not_after;
};

size_t OnBody(char*, size_t size, size_t n, void* p) {
  auto* x = static_cast<Exchange*>(p);
  if (x->body_bytes + size * n > x->max_body) {
    x->body_bytes = x->max_body;
    x->body_too_large = true;
    return 0;  // makes libcurl stop with CURLE_WRITE_ERROR
  }
  x->body_bytes += size * n;
  return size * n;
}

// Called per header line; the status line of each response is where the TLS
// session of that response's connection is certainly alive.
size_t OnHeader(char* data, size_t size, size_t n, void* p) {
  auto* x = static_cast<Exchange*>(p);
  if (size * n >= 5 && std::string_view(data, 5) == "HTTP/") {
    x->body_bytes = 0;  // a new response (after a redirect): count its body only
    if (auto t = net::PeerCertNotAfter(x->curl)) x->cert_not_after = t;
  }
  return size * n;
}

int OnProgress(void* p, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<Exchange*>(p)->ctx->cancelled.load() ? 1 : 0;
}

bool ValidStatus(const config::ProbeConfig& cfg, long code) {  // NOLINT(runtime/int)
  if (cfg.valid_status_codes.empty()) return code >= 200 && code < 300;
  return std::find(cfg.valid_status_codes.begin(), cfg.valid_status_codes.end(), code) !=
         cfg.valid_status_codes.end();
}

void SetMethod(CURL* c, const std::string& method) {
  if (method == "GET") {
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  } else if (method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
  }
}

class HttpProbe final : public Probe {
 public:
  ProbeResult Run(const ProbeContext& ctx) override {
    const config::ProbeConfig& cfg = ctx.config;
    auto opts = net::RequestOptionsFor(cfg);
    if (!opts.ok()) return ProbeResult::Failure(FailureReason::kUnknown, opts.status().message());
    auto h = net::EasyHandle::Create(cfg.url, *opts);
    if (!h.ok()) return ProbeResult::Failure(FailureReason::kUnknown, h.status().message());
    CURL* c = (*h)->get();

    Exchange x{c, &ctx, cfg.max_body_bytes};
    SetMethod(c, cfg.method);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, cfg.follow_redirects ? 1L : 0L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, static_cast<long>(cfg.max_redirects));
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnBody);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &x);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, OnHeader);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &x);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, OnProgress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, &x);
    (*h)->SetTimeout(ctx.Remaining());
    const CURLcode rc = curl_easy_perform(c);

    ProbeResult r;
    r.transferred_bytes[static_cast<size_t>(Direction::kDownload)] = x.body_bytes;
    r.tls_cert_expiry_unix_seconds = x.cert_not_after;
    const long code = net::ResponseCode(c);  // NOLINT(runtime/int)
    if (code > 0) r.http_status_code = static_cast<int>(code);
    if (x.body_too_large) {
      return Failed(std::move(r), FailureReason::kProtocol,
                    "response body exceeds max_body_bytes (" + std::to_string(cfg.max_body_bytes) +
                        " bytes); raise max_body_bytes or probe a smaller resource");
    }
    if (rc != CURLE_OK) {
      FailureReason reason = net::ClassifyCurlCode(rc);
      if (rc == CURLE_ABORTED_BY_CALLBACK || ctx.Expired()) reason = FailureReason::kTimeout;
      return Failed(std::move(r), reason,
                    cfg.method + " " + RedactUrl(cfg.url) + ": " + (*h)->ErrorText(rc));
    }
    const net::PhaseTimes p = net::ReadPhaseTimes(c);
    r.phase_seconds = {p.resolve, p.connect, p.tls, p.processing, p.transfer};
    if (!ValidStatus(cfg, code)) {
      auto f =
          net::ClassifyHttpStatus(code, net::ResponseHeader(c, "Retry-After"), ctx.clock.WallNow());
      if (f && f->reason == FailureReason::kRateLimited) {
        r.retry_after = f->retry_after;
        return Failed(std::move(r), f->reason, f->error);
      }
      return Failed(std::move(r), FailureReason::kHttpStatus,
                    "HTTP status " + std::to_string(code) + " is not a valid status code");
    }
    r.success = true;
    return r;
  }

 private:
  static ProbeResult Failed(ProbeResult r, FailureReason reason, std::string error) {
    r.success = false;
    r.reason = reason;
    r.error = std::move(error);
    return r;
  }
};

}  // namespace

Result<std::unique_ptr<Probe>> NewHttpProbe(const config::ProbeConfig& cfg) {
  if (cfg.url.rfind("http://", 0) != 0 && cfg.url.rfind("https://", 0) != 0) {
    return Status::Invalid("url " + cfg.url + " must start with http:// or https://");
  }
  if (auto h = net::EasyHandle::Create(cfg.url, {}); !h.ok()) return h.status();
  return std::unique_ptr<Probe>(std::make_unique<HttpProbe>());
}

}  // namespace hermes::probe
