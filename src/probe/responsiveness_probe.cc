#include "probe/responsiveness_probe.h"

#include <string>

#include "net/curl_easy.h"
#include "net/curl_error.h"
#include "probe/http_request.h"
#include "probe/nq_config.h"
#include "probe/rpm_direction.h"

namespace hermes::probe {
namespace {

constexpr size_t kDown = static_cast<size_t>(Direction::kDownload);

// One GET with a capped body, on the calling thread.
struct Fetch {
  std::string body;  // kept when `keep`
  uint64_t bytes = 0;
  uint64_t cap = 0;
  bool keep = false;
  bool too_long = false;
  std::optional<double> cert_not_after;
  CURL* curl = nullptr;
};

size_t OnFetchData(char* data, size_t size, size_t n, void* p) {
  auto* f = static_cast<Fetch*>(p);
  const size_t len = size * n;
  f->bytes += len;
  if (f->bytes > f->cap) {
    f->too_long = true;
    return 0;
  }
  if (f->keep) f->body.append(data, len);
  return len;
}

size_t OnFetchHeader(char*, size_t size, size_t n, void* p) {
  auto* f = static_cast<Fetch*>(p);
  if (!f->cert_not_after) f->cert_not_after = net::PeerCertNotAfter(f->curl);
  return size * n;
}

// GETs `url`; the body (up to `cap`) lands in *f. Returns the failure, if any.
// `version` is a CURL_HTTP_VERSION_*; *http_version gets what was spoken.
std::optional<net::RequestFailure> Get(const std::string& url, net::RequestOptions opts,
                                       long version, const ProbeContext& ctx,        // NOLINT
                                       Fetch* f, long* http_version, int* status) {  // NOLINT
  opts.extra_header_lines.push_back("Accept-Encoding: identity");
  auto h = net::EasyHandle::Create(url, opts);
  if (!h.ok()) return net::RequestFailure{FailureReason::kUnknown, h.status().message(), {}};
  CURL* c = (*h)->get();
  f->curl = c;
  const std::string what = "GET " + UrlPath(url);
  curl_easy_setopt(c, CURLOPT_HTTP_VERSION, version);
  curl_easy_setopt(c, CURLOPT_BUFFERSIZE,
                   static_cast<long>(config::kPingReadBlockBytes));  // NOLINT
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnFetchData);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, f);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, OnFetchHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, f);
  (*h)->SetTimeout(ctx.Remaining());
  const CURLcode rc = curl_easy_perform(c);
  f->curl = nullptr;
  curl_easy_getinfo(c, CURLINFO_HTTP_VERSION, http_version);
  if (const long code = net::ResponseCode(c); code > 0) *status = static_cast<int>(code);  // NOLINT
  if (f->too_long) {
    return net::RequestFailure{
        FailureReason::kProtocol,
        what + ": response body longer than " + std::to_string(f->cap) + " bytes", std::nullopt};
  }
  if (rc != CURLE_OK) {
    const auto reason = ctx.Expired() ? FailureReason::kTimeout : net::ClassifyCurlCode(rc);
    return net::RequestFailure{reason, what + ": " + (*h)->ErrorText(rc), std::nullopt};
  }
  if (auto fail = net::ClassifyHttpStatus(
          net::ResponseCode(c), net::ResponseHeader(c, "Retry-After"), ctx.clock.WallNow())) {
    fail->error = what + ": " + fail->error;
    return fail;
  }
  if (*status < 200 || *status >= 300) {
    return net::RequestFailure{FailureReason::kHttpStatus,
                               what + ": HTTP status " + std::to_string(*status) + ", expected 200",
                               std::nullopt};
  }
  return std::nullopt;
}

// libcurl before 8.0 fails a second stream on an HTTP/2 prior-knowledge (clear text)
// connection (curl#10634), and self probes need one: it speaks HTTP/1.1 there.
bool CanMultiplexInClearText() {
  return curl_version_info(CURLVERSION_NOW)->version_num >= 0x080000;
}

// GETs `url` with the first of `versions` (CURL_HTTP_VERSION_*) that works: over
// TLS ALPN picks, so one; in clear text a server may speak only HTTP/1.1 or only
// HTTP/2 with prior knowledge, so the next is tried when one fails without an
// answer (not for DNS, connect, timeout or an overlong body). Every attempt's
// bytes are counted; the first failure is the one returned.
std::optional<net::RequestFailure> GetFirstWorking(const std::string& url,
                                                   const net::RequestOptions& opts,
                                                   std::initializer_list<long> versions,  // NOLINT
                                                   const ProbeContext& ctx, Fetch* f,
                                                   long* http_version,  // NOLINT
                                                   int* status, ProbeResult* result) {
  const Fetch fresh = *f;
  std::optional<net::RequestFailure> first;
  for (long version : versions) {  // NOLINT(runtime/int)
    *f = fresh;
    auto fail = Get(url, opts, version, ctx, f, http_version, status);
    result->transferred_bytes[kDown] += f->bytes;
    if (!fail) return std::nullopt;
    if (!first) first = fail;
    if (f->too_long || *status > 0 || fail->reason == FailureReason::kTimeout ||
        fail->reason == FailureReason::kDns || fail->reason == FailureReason::kConnect) {
      break;
    }
  }
  return first;
}

class ResponsivenessProbe final : public Probe {
 public:
  explicit ResponsivenessProbe(const config::ResponsivenessConfig& cfg) : cfg_(cfg) {}

  ProbeResult Run(const ProbeContext& ctx) override {
    auto opts = RequestOptionsFor(cfg_.target, ctx);
    if (!opts.ok()) return ProbeResult::Failure(FailureReason::kUnknown, opts.status().message());
    ProbeResult result;
    // (1) The config resource.
    Fetch config{.cap = config::kMaxNqConfigBytes, .keep = true};
    long version = 0;  // NOLINT(runtime/int)
    int status = 0;
    const bool tls = cfg_.target.url.rfind("https://", 0) == 0;
    auto f = tls ? GetFirstWorking(cfg_.target.url, *opts, {CURL_HTTP_VERSION_2TLS}, ctx, &config,
                                   &version, &status, &result)
                 : GetFirstWorking(cfg_.target.url, *opts,
                                   {CURL_HTTP_VERSION_1_1, CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE},
                                   ctx, &config, &version, &status, &result);
    if (status > 0) result.http_status_code = status;
    result.tls_cert_expiry_unix_seconds = config.cert_not_after;
    if (f) return FailedRun(std::move(result), *f);
    auto server = ParseNqConfig(config.body);
    if (!server.ok()) {
      return FailedRun(std::move(result),
                       {FailureReason::kProtocol,
                        "GET " + UrlPath(cfg_.target.url) + ": " + server.status().message(),
                        {}});
    }
    // (2) Who gets what: credentials only to the config URL's origin.
    net::RequestOptions test = *opts;
    test.connect_host = server->test_endpoint;
    if (server->origin != UrlOrigin(cfg_.target.url)) {
      test.bearer_token.clear();
      test.headers.clear();  // they may carry credentials too (Cookie, API keys)
      if (test.tls) test.tls->server_name.clear();
    }
    bool http2 = true;
    if (auto d = Discover(*server, test, ctx, &http2, &result))
      return FailedRun(std::move(result), *d);
    // (3) The directions.
    std::string detail = http2 ? "HTTP/2" : "HTTP/1.1 (self probes from TCP_INFO RTT)";
    for (Direction d : kAllDirections) {
      if (!(d == Direction::kDownload ? cfg_.download : cfg_.upload)) continue;
      RpmDirectionSpec spec{d, &*server, test, http2, cfg_.max_duration, cfg_.max_bytes};
      RpmDirectionOutcome out = RunRpmDirection(spec, ctx);
      const auto i = static_cast<size_t>(d);
      result.transferred_bytes[kDown] += out.down_bytes;
      result.transferred_bytes[static_cast<size_t>(Direction::kUpload)] += out.up_bytes;
      LatencyResult& lat = result.latency[static_cast<size_t>(
          d == Direction::kDownload ? Load::kDownload : Load::kUpload)];
      lat.samples_seconds = std::move(out.self_rtts);
      Summarize(lat);
      if (out.failure) return FailedRun(std::move(result), *out.failure);
      result.responsiveness[i] = out.result;
      result.throughput_bytes_per_second[i] = out.goodput;
      result.throughput_samples[i] = std::move(out.goodput_samples);
      detail += "; " + out.summary;
    }
    result.success = true;
    result.error = detail;
    return result;
  }

 private:
  // The protocol of the test host: HTTP/2 where it speaks it, else HTTP/1.1.
  std::optional<net::RequestFailure> Discover(const NqConfig& server,
                                              const net::RequestOptions& test,
                                              const ProbeContext& ctx, bool* http2,
                                              ProbeResult* result) {
    long spoken = 0;  // NOLINT(runtime/int)
    int status = 0;
    Fetch small{.cap = config::kMaxPingBodyBytes};
    std::optional<net::RequestFailure> f;
    if (server.tls) {
      f = GetFirstWorking(server.small_download_url, test, {CURL_HTTP_VERSION_2TLS}, ctx, &small,
                          &spoken, &status, result);
    } else if (CanMultiplexInClearText()) {
      f = GetFirstWorking(server.small_download_url, test,
                          {CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE, CURL_HTTP_VERSION_1_1}, ctx, &small,
                          &spoken, &status, result);
    } else {
      f = GetFirstWorking(server.small_download_url, test, {CURL_HTTP_VERSION_1_1}, ctx, &small,
                          &spoken, &status, result);
      if (f && status == 0) {
        f->error +=
            " (HTTP/1.1 in clear text: this libcurl cannot multiplex HTTP/2 without "
            "TLS; serve the test URLs over https)";
      }
    }
    *http2 = spoken == CURL_HTTP_VERSION_2_0;
    return f;
  }

  const config::ResponsivenessConfig cfg_;
};

}  // namespace

Result<std::unique_ptr<Probe>> NewResponsivenessProbe(const config::ResponsivenessConfig& cfg) {
  HERMES_RETURN_IF_ERROR(CheckHttpTarget(cfg.target));
  return std::unique_ptr<Probe>(std::make_unique<ResponsivenessProbe>(cfg));
}

ResultLayout ResponsivenessLayout(const config::ProbeConfig& cfg) {
  const auto& s = cfg.Settings<config::ResponsivenessConfig>();
  ResultLayout l{.transferred = {Direction::kDownload}, .http = true};
  if (s.download) {
    l.loads.push_back(Load::kDownload);
    l.throughput.push_back(Direction::kDownload);
    l.responsiveness.push_back(Direction::kDownload);
  }
  if (s.upload) {
    l.loads.push_back(Load::kUpload);
    l.throughput.push_back(Direction::kUpload);
    l.transferred.push_back(Direction::kUpload);
    l.responsiveness.push_back(Direction::kUpload);
  }
  return l;
}

}  // namespace hermes::probe
