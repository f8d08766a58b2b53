#include "probe/speedtest_latency.h"

#include <pthread.h>

#include <algorithm>
#include <cstring>

namespace hermes::probe {
namespace {

struct AbortFlags {
  const ProbeContext* ctx;
  const std::atomic<bool>* stop;
};

// libcurl progress callback: a non-zero return aborts the transfer
// (CURLE_ABORTED_BY_CALLBACK), which is how cancellation reaches a blocking perform.
int AbortCheck(void* p, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* f = static_cast<const AbortFlags*>(p);
  if (f->ctx->cancelled.load()) return 1;
  return f->stop != nullptr && f->stop->load() ? 1 : 0;
}

// The body of a ping: counted, and capped at kMaxPingBodyBytes.
struct PingBody {
  uint64_t bytes = 0;
  bool too_long = false;
};

size_t OnBody(char*, size_t size, size_t n, void* p) {
  auto* b = static_cast<PingBody*>(p);
  b->bytes += size * n;
  if (b->bytes <= kMaxPingBodyBytes) return size * n;
  b->too_long = true;
  return 0;  // CURLE_WRITE_ERROR
}

// The two instants of one ping, read from the probe's clock inside libcurl's
// callbacks, i.e. on the pinging thread right where the events happen.
struct PingStamps {
  const Clock* clock;
  std::optional<SteadyTime> sent;   // connection ready, request not yet written
  std::optional<SteadyTime> first;  // status line of the last response since `sent`
  CURL* curl = nullptr;             // set to read the peer certificate
  std::optional<double>* cert_not_after = nullptr;
};

// CURLOPT_PREREQFUNCTION. libcurl calls it again when it retries on a fresh
// connection (a reused one found dead), so the latest call is the one that counts.
int OnPrereq(void* p, char*, char*, int, int) {
  auto* s = static_cast<PingStamps*>(p);
  s->sent = s->clock->SteadyNow();
  s->first.reset();
  return CURL_PREREQFUNC_OK;
}

// CURLOPT_HEADERFUNCTION, once per header line. Every response starts with a
// status line (HTTP/2's is synthesized by libcurl as "HTTP/2 200"), 1xx
// informational ones included; the last one stamped is the final response's.
size_t OnHeader(char* buf, size_t size, size_t n, void* p) {
  auto* s = static_cast<PingStamps*>(p);
  const size_t len = size * n;
  if (s->sent && len >= 5 && std::memcmp(buf, "HTTP/", 5) == 0) {
    s->first = s->clock->SteadyNow();
    // After `first`, so reading the certificate never counts towards the RTT.
    if (s->cert_not_after != nullptr) *s->cert_not_after = net::PeerCertNotAfter(s->curl);
  }
  return len;
}

}  // namespace

double RttSeconds(Duration wire, const std::string& server_timing) {
  double rtt = ToSeconds(wire);
  if (auto server = net::ParseServerTimingSeconds(server_timing)) rtt -= *server;
  return std::max(rtt, 0.0);
}

std::variant<double, net::RequestFailure> PingOnce(net::EasyHandle& h, const SpeedtestApi& api,
                                                   const ProbeContext& ctx,
                                                   const std::atomic<bool>* stop,
                                                   uint64_t* received,
                                                   std::optional<double>* cert_not_after) {
  CURL* c = h.get();
  AbortFlags flags{&ctx, stop};
  PingStamps stamps{&ctx.clock, std::nullopt, std::nullopt, c, cert_not_after};
  PingBody body;
  const std::string what = "GET " + api.ping_path;
  h.SetPath(api.ping_path);
  curl_easy_setopt(c, CURLOPT_BUFFERSIZE,
                   static_cast<long>(config::kPingReadBlockBytes));  // NOLINT
  h.SetTimeout(ctx.Remaining());
  curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, AbortCheck);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, &flags);
  curl_easy_setopt(c, CURLOPT_PREREQFUNCTION, OnPrereq);
  curl_easy_setopt(c, CURLOPT_PREREQDATA, &stamps);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &stamps);
  const CURLcode rc = curl_easy_perform(c);
  // No pointer to this frame may outlive it.
  *received += body.bytes;
  curl_easy_setopt(c, CURLOPT_WRITEDATA, nullptr);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, nullptr);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 1L);
  curl_easy_setopt(c, CURLOPT_PREREQFUNCTION, nullptr);
  curl_easy_setopt(c, CURLOPT_PREREQDATA, nullptr);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, nullptr);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, nullptr);
  if (body.too_long) {
    return net::RequestFailure{FailureReason::kProtocol,
                               what + ": response body longer than " +
                                   std::to_string(kMaxPingBodyBytes) +
                                   " bytes; a latency request expects an (almost) empty body",
                               std::nullopt};
  }
  if (rc == CURLE_ABORTED_BY_CALLBACK) {
    return net::RequestFailure{FailureReason::kTimeout, "run cancelled", std::nullopt};
  }
  if (rc != CURLE_OK) {
    const auto reason = ctx.Expired() ? FailureReason::kTimeout : net::ClassifyCurlCode(rc);
    return net::RequestFailure{reason, what + ": " + h.ErrorText(rc), std::nullopt};
  }
  if (auto f = net::ClassifyHttpStatus(net::ResponseCode(c), net::ResponseHeader(c, "Retry-After"),
                                       ctx.clock.WallNow())) {
    f->error = what + ": " + f->error;
    return *f;
  }
  if (!stamps.sent || !stamps.first) {  // HTTP/0.9 is off: a response has a status line
    return net::RequestFailure{FailureReason::kUnknown,
                               what + ": libcurl reported no request send or response status line",
                               std::nullopt};
  }
  return RttSeconds(*stamps.first - *stamps.sent,
                    api.server_timing ? net::ResponseHeader(c, "Server-Timing") : "");
}

std::optional<net::RequestFailure> MeasureIdleLatency(const std::string& base_url,
                                                      const SpeedtestApi& api,
                                                      const net::RequestOptions& opts,
                                                      const ProbeContext& ctx, int samples,
                                                      ProbeResult* result) {
  auto h = net::EasyHandle::Create(base_url, opts);
  if (!h.ok()) {
    return net::RequestFailure{FailureReason::kUnknown, h.status().message(), std::nullopt};
  }
  // The first request opens (and warms) the connection; it is the one whose
  // resolve/connect/tls phases mean something.
  uint64_t& received = result->transferred_bytes[static_cast<size_t>(Direction::kDownload)];
  auto first = PingOnce(**h, api, ctx, nullptr, &received, &result->tls_cert_expiry_unix_seconds);
  CURL* c = (*h)->get();
  if (const long code = net::ResponseCode(c); code > 0) {  // NOLINT(runtime/int)
    result->http_status_code = static_cast<int>(code);
  }
  if (auto* f = std::get_if<net::RequestFailure>(&first)) return *f;
  const net::PhaseTimes p = net::ReadPhaseTimes(c);
  result->phase_seconds[static_cast<size_t>(Phase::kResolve)] = p.resolve;
  result->phase_seconds[static_cast<size_t>(Phase::kConnect)] = p.connect;
  result->phase_seconds[static_cast<size_t>(Phase::kTls)] = p.tls;
  result->phase_seconds[static_cast<size_t>(Phase::kProcessing)] = p.processing;
  result->phase_seconds[static_cast<size_t>(Phase::kTransfer)] = p.transfer;

  LatencyResult& idle = result->latency[static_cast<size_t>(Load::kIdle)];
  for (int i = 0; i < samples; ++i) {
    auto r = PingOnce(**h, api, ctx, nullptr, &received);
    if (auto* f = std::get_if<net::RequestFailure>(&r)) {
      Summarize(idle);
      return *f;
    }
    idle.samples_seconds.push_back(std::get<double>(r));
  }
  Summarize(idle);
  return std::nullopt;
}

LoadedPinger::LoadedPinger(std::string base_url, const SpeedtestApi& api,
                           const net::RequestOptions& opts, const ProbeContext& ctx)
    : base_url_(std::move(base_url)), api_(api), opts_(opts), ctx_(ctx) {}

LoadedPinger::~LoadedPinger() { Stop(); }

void LoadedPinger::Start(SteadyTime count_from) {
  count_from_ = count_from;
  stop_ = false;
  thread_ = std::thread([this] { Loop(); });
}

std::vector<double> LoadedPinger::Stop() {
  {
    MutexLock l(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  return samples_;
}

void LoadedPinger::Loop() {
  pthread_setname_np(pthread_self(), "hermes-ping");
  auto h = net::EasyHandle::Create(base_url_, opts_);
  if (!h.ok()) return;
  // Open the connection first, so that no sample includes connection setup.
  (void)PingOnce(**h, api_, ctx_, &stop_, &received_);
  SteadyTime next = ctx_.clock.SteadyNow();
  while (!stop_.load() && !ctx_.Expired()) {
    {
      MutexLock l(mu_);
      while (!stop_.load() && ctx_.clock.SteadyNow() < next) {
        ctx_.clock.WaitUntil(l, cv_, std::min(next, ctx_.deadline));
        if (ctx_.Expired()) break;
      }
    }
    if (stop_.load() || ctx_.Expired()) break;
    const SteadyTime sent = ctx_.clock.SteadyNow();
    next = sent + kInterval;
    auto r = PingOnce(**h, api_, ctx_, &stop_, &received_);
    if (const double* rtt = std::get_if<double>(&r); rtt != nullptr && sent >= count_from_) {
      samples_.push_back(*rtt);
    }
  }
}

}  // namespace hermes::probe
