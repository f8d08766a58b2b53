#include "probe/http_probe.h"

#include <algorithm>
#include <string>

#include "common/log.h"
#include "net/curl_easy.h"
#include "net/curl_error.h"
#include "probe/http_request.h"

namespace hermes::probe {
namespace {

// State the libcurl callbacks write into during one request and its redirects.
//
// Bytes are counted from libcurl's download counter, which also sees the bodies of
// redirect responses that libcurl reads and discards without handing them to the
// write callback. max_body_bytes caps the body bytes of the whole run, redirects
// included: the final body stops within one read block of it (write callback),
// a redirect body within config::kHttpMaxReadAheadBytes (progress callback; libcurl
// reads up to 100 blocks of a busy socket before it calls back).
struct Exchange {
  CURL* curl = nullptr;
  const ProbeContext* ctx = nullptr;
  uint64_t max_body = 0;
  uint64_t total_bytes = 0;   // every body byte received, all responses
  uint64_t last_counter = 0;  // libcurl's download counter at the last look
  bool body_too_large = false;
  std::optional<double> cert_not_after;

  // Takes in libcurl's counter; false once the run's bodies are over the cap.
  bool Count(uint64_t counter) {
    // The counter restarts with each request of a redirect chain.
    total_bytes += counter >= last_counter ? counter - last_counter : counter;
    last_counter = counter;
    body_too_large = body_too_large || total_bytes > max_body;
    return !body_too_large;
  }
};

size_t OnBody(char*, size_t size, size_t n, void* p) {
  auto* x = static_cast<Exchange*>(p);
  // The counter already includes this block; 0 makes libcurl stop (CURLE_WRITE_ERROR).
  curl_off_t counter = 0;
  curl_easy_getinfo(x->curl, CURLINFO_SIZE_DOWNLOAD_T, &counter);
  return x->Count(static_cast<uint64_t>(counter)) ? size * n : 0;
}

// Called per header line; the status line of each response is where the TLS
// session of that response's connection is certainly alive.
size_t OnHeader(char* data, size_t size, size_t n, void* p) {
  auto* x = static_cast<Exchange*>(p);
  if (size * n >= 5 && std::string_view(data, 5) == "HTTP/") {
    if (auto t = net::PeerCertNotAfter(x->curl)) x->cert_not_after = t;
  }
  return size * n;
}

int OnProgress(void* p, curl_off_t, curl_off_t dlnow, curl_off_t, curl_off_t) {
  auto* x = static_cast<Exchange*>(p);
  if (!x->Count(static_cast<uint64_t>(dlnow))) return 1;  // a redirect body over the cap
  return x->ctx->cancelled.load() ? 1 : 0;
}

bool ValidStatus(const config::HttpConfig& cfg, long code) {  // NOLINT(runtime/int)
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
  explicit HttpProbe(const config::HttpConfig& cfg) : cfg_(cfg) {}

  ProbeResult Run(const ProbeContext& ctx) override {
    const config::HttpConfig& cfg = cfg_;
    auto opts = RequestOptionsFor(cfg.target, ctx);
    if (!opts.ok()) return ProbeResult::Failure(FailureReason::kUnknown, opts.status().message());
    auto h = net::EasyHandle::Create(cfg.target.url, *opts);
    if (!h.ok()) return ProbeResult::Failure(FailureReason::kUnknown, h.status().message());
    CURL* c = (*h)->get();

    Exchange x{c, &ctx, cfg.max_body_bytes};
    SetMethod(c, cfg.method);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, cfg.follow_redirects ? 1L : 0L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, static_cast<long>(cfg.max_redirects));
    curl_easy_setopt(c, CURLOPT_BUFFERSIZE,
                     static_cast<long>(config::kHttpReadBlockBytes));  // NOLINT
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnBody);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &x);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, OnHeader);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &x);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, OnProgress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, &x);
    (*h)->SetTimeout(ctx.Remaining());
    const CURLcode rc = curl_easy_perform(c);

    curl_off_t counter = 0;
    curl_easy_getinfo(c, CURLINFO_SIZE_DOWNLOAD_T, &counter);
    x.Count(static_cast<uint64_t>(counter));  // what came after the last callback
    ProbeResult r;
    r.transferred_bytes[static_cast<size_t>(Direction::kDownload)] = x.total_bytes;
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
                    cfg.method + " " + RedactUrl(cfg.target.url) + ": " + (*h)->ErrorText(rc));
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

  const config::HttpConfig cfg_;
};

}  // namespace

Result<std::unique_ptr<Probe>> NewHttpProbe(const config::HttpConfig& cfg) {
  HERMES_RETURN_IF_ERROR(CheckHttpTarget(cfg.target));
  return std::unique_ptr<Probe>(std::make_unique<HttpProbe>(cfg));
}

ResultLayout HttpLayout(const config::ProbeConfig&) {
  return {.phases = {kAllPhases.begin(), kAllPhases.end()},
          .transferred = {Direction::kDownload},
          .http = true};
}

}  // namespace hermes::probe
