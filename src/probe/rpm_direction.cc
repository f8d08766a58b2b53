#include "probe/rpm_direction.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <random>

#include "net/curl_multi_loop.h"
#include "probe/rpm_math.h"
#include "probe/speedtest_rate.h"
#include "probe/stability.h"

namespace hermes::probe {
namespace {

using config::kMaxPingBodyBytes;
using config::kRpmMovingAverageDistance;
using std::chrono::milliseconds;

constexpr uint64_t kMaxUploadRequestBytes = 1'000'000'000;
constexpr size_t kUploadPatternBytes = 1 << 20;
constexpr long kUploadBufferBytes = 512 * 1024;  // NOLINT(runtime/int)
constexpr double kProbePairBytes = 6000;         // the draft: foreign ~5000 + self ~1000
constexpr int kMaxForeignInFlight = 32;
constexpr auto kMaxWait = milliseconds(50);  // cancellation is checked this often
constexpr double kReplenishSeconds = 0.005;
constexpr double kMinNotSentLowat = 16 * 1024;

long HttpVersionFor(bool http2, bool tls) {  // NOLINT(runtime/int)
  if (!http2) return CURL_HTTP_VERSION_1_1;
  return tls ? CURL_HTTP_VERSION_2TLS : CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE;
}

double Seconds(curl_off_t us) { return us > 0 ? static_cast<double>(us) / 1e6 : 0.0; }

net::RequestOptions WithLines(net::RequestOptions o, std::vector<std::string> lines) {
  o.extra_header_lines.insert(o.extra_header_lines.end(), lines.begin(), lines.end());
  return o;
}

class Engine {
 public:
  Engine(const RpmDirectionSpec& spec, const ProbeContext& ctx);
  RpmDirectionOutcome Run();

 private:
  struct Transfer {
    Engine* engine = nullptr;
    std::unique_ptr<net::EasyHandle> handle;
    CURLM* multi = nullptr;
    std::string what;                    // "GET /path", for errors
    uint64_t body = 0;                   // response body bytes of the current request
    bool too_long = false;               // a capped body went over its cap
    uint64_t handed = 0;                 // upload: body bytes handed to libcurl
    uint64_t sent_counted = 0;           // upload: of which already counted as sent
    bool load = false;                   // a load-generating connection's transfer
    bool foreign = false;                // probe kind (when !load)
    int tls_round_trips = 0;             // foreign over TLS: 1 (TLS 1.3) or 2
    curl_socket_t fd = CURL_SOCKET_BAD;  // load: its connection's socket
  };

  static size_t OnLoadData(char*, size_t size, size_t n, void* p);
  static size_t OnCappedData(char*, size_t size, size_t n, void* p);
  static size_t OnUploadRead(char* dst, size_t size, size_t n, void* p);
  static size_t OnProbeHeader(char*, size_t size, size_t n, void* p);
  static int OnSocketOpened(void* p, curl_socket_t fd, curlsocktype purpose);
  static int OnSocketClose(void* p, curl_socket_t fd);

  std::unique_ptr<Transfer> NewTransfer(const std::string& url, CURLM* multi, bool post);
  void AddLoadConnection();
  void StartLoadRequest(Transfer& t);
  void LaunchPair();
  void LaunchProbe(CURLM* multi, bool foreign);
  Transfer* RandomLoadConnection();
  void SampleTcpInfo();
  void Handle(const net::MultiLoop::Done& done);
  void ProbeDone(Transfer& t);
  std::optional<net::RequestFailure> Check(Transfer& t, CURLcode rc) const;
  void CountUploaded();
  void OnInterval(SteadyTime now);
  void SetNotSentLowat(double goodput);
  uint64_t moved() const { return upload_ ? up_ : load_down_; }
  RpmDirectionOutcome Finish(SteadyTime now, const std::string& how);

  const RpmDirectionSpec& spec_;
  const ProbeContext& ctx_;
  const bool upload_;
  const uint64_t upload_request_bytes_;
  const net::RequestOptions get_opts_, post_opts_;
  std::vector<char> pattern_;
  std::minstd_rand rng_{12};
  SteadyTime start_{};

  uint64_t down_ = 0;       // every body byte read
  uint64_t load_down_ = 0;  // of which load-generating bodies
  uint64_t handed_ = 0;     // upload body bytes handed to libcurl
  uint64_t up_ = 0;         // of which libcurl reports sent
  bool budget_cut_ = false;
  std::optional<net::RequestFailure> failure_;

  std::optional<GoodputIntervals> goodput_;
  StabilityTest goodput_stability_;
  bool goodput_stable_ = false;
  bool probing_ = false;
  SteadyTime next_probe_{};
  Duration probe_gap_ = milliseconds(10);
  std::optional<ThroughputMeter> meter_;
  std::deque<RpmSamples> windows_;  // the last MAD closed probing intervals
  RpmSamples current_;              // the probing interval in progress
  int probing_intervals_ = 0;
  StabilityTest rpm_stability_;
  std::optional<ResponsivenessResult> stable_result_;
  std::vector<double> self_rtts_;
  int foreign_in_flight_ = 0;
  int probes_done_ = 0;

  // Owners of every easy handle; loop_ is declared after them so that it is
  // destroyed first and removes the handles still added while they exist.
  std::vector<std::unique_ptr<Transfer>> lgcs_;
  std::map<CURL*, std::unique_ptr<Transfer>> probes_;
  net::MultiLoop loop_;
  CURLM* foreign_multi_ = nullptr;
};

Engine::Engine(const RpmDirectionSpec& spec, const ProbeContext& ctx)
    : spec_(spec),
      ctx_(ctx),
      upload_(spec.direction == Direction::kUpload),
      upload_request_bytes_(std::min(spec.max_bytes, kMaxUploadRequestBytes)),
      get_opts_(WithLines(spec.opts, {"Accept-Encoding: identity"})),
      // No "Expect: 100-continue" round trip before each upload.
      post_opts_(WithLines(spec.opts, {"Expect:", "Content-Type: application/octet-stream"})) {}

size_t Engine::OnLoadData(char*, size_t size, size_t n, void* p) {
  auto* t = static_cast<Transfer*>(p);
  Engine& e = *t->engine;
  const size_t len = size * n;
  e.down_ += len;  // read, whatever happens next
  if (e.budget_cut_ || e.down_ + e.handed_ > e.spec_.max_bytes) {
    e.budget_cut_ = true;
    return 0;  // CURLE_WRITE_ERROR ends the transfer; the direction ends too
  }
  e.load_down_ += len;
  return len;
}

// Probe bodies and upload answers: at most kMaxPingBodyBytes each.
size_t Engine::OnCappedData(char*, size_t size, size_t n, void* p) {
  auto* t = static_cast<Transfer*>(p);
  const size_t len = size * n;
  t->engine->down_ += len;
  t->body += len;
  if (t->body <= kMaxPingBodyBytes) return len;
  t->too_long = true;
  return 0;
}

size_t Engine::OnUploadRead(char* dst, size_t size, size_t n, void* p) {
  auto* t = static_cast<Transfer*>(p);
  Engine& e = *t->engine;
  const uint64_t used = e.down_ + e.handed_;
  const uint64_t budget_left = e.spec_.max_bytes - std::min(used, e.spec_.max_bytes);
  const uint64_t request_left = e.upload_request_bytes_ - t->handed;
  if (budget_left == 0 && request_left > 0) {
    e.budget_cut_ = true;
    return CURL_READFUNC_ABORT;
  }
  const size_t off = t->handed % e.pattern_.size();
  const size_t len =
      std::min<uint64_t>({size * n, request_left, budget_left, e.pattern_.size() - off});
  std::memcpy(dst, e.pattern_.data() + off, len);
  t->handed += len;
  e.handed_ += len;
  return len;
}

// At the first header line the TLS session of a fresh connection is complete.
size_t Engine::OnProbeHeader(char*, size_t size, size_t n, void* p) {
  auto* t = static_cast<Transfer*>(p);
  if (t->tls_round_trips == 0 && t->engine->spec_.server->tls) {
    curl_tlssessioninfo* info = nullptr;
    if (curl_easy_getinfo(t->handle->get(), CURLINFO_TLS_SSL_PTR, &info) == CURLE_OK &&
        info != nullptr && info->backend == CURLSSLBACKEND_OPENSSL && info->internals != nullptr) {
      t->tls_round_trips =
          SSL_version(static_cast<SSL*>(info->internals)) >= TLS1_3_VERSION ? 1 : 2;
    }
  }
  return size * n;
}

// A load-generating connection's socket, for TCP_INFO and TCP_NOTSENT_LOWAT
// (CURLINFO_ACTIVESOCKET only knows it once a first transfer has ended).
int Engine::OnSocketOpened(void* p, curl_socket_t fd, curlsocktype purpose) {
  if (purpose == CURLSOCKTYPE_IPCXN) static_cast<Transfer*>(p)->fd = fd;
  return CURL_SOCKOPT_OK;
}

int Engine::OnSocketClose(void* p, curl_socket_t fd) {
  auto* t = static_cast<Transfer*>(p);
  if (t->fd == fd) t->fd = CURL_SOCKET_BAD;
  return close(fd);
}

std::unique_ptr<Engine::Transfer> Engine::NewTransfer(const std::string& url, CURLM* multi,
                                                      bool post) {
  auto h = net::EasyHandle::Create(url, post ? post_opts_ : get_opts_);
  if (!h.ok()) {
    failure_ = net::RequestFailure{FailureReason::kUnknown, h.status().message(), std::nullopt};
    return nullptr;
  }
  auto t = std::make_unique<Transfer>();
  t->engine = this;
  t->handle = std::move(h).value();
  t->multi = multi;
  t->what = (post ? "POST " : "GET ") + UrlPath(url);
  CURL* c = t->handle->get();
  curl_easy_setopt(c, CURLOPT_PRIVATE, t.get());
  curl_easy_setopt(c, CURLOPT_HTTP_VERSION, HttpVersionFor(spec_.http2, spec_.server->tls));
  curl_easy_setopt(c, CURLOPT_WRITEDATA, t.get());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnCappedData);
  curl_easy_setopt(c, CURLOPT_BUFFERSIZE,
                   static_cast<long>(config::kPingReadBlockBytes));  // NOLINT
  return t;
}

void Engine::AddLoadConnection() {
  if (lgcs_.size() >= static_cast<size_t>(config::kRpmMaxLoadConnections)) return;
  // One connection per multi handle: its self probes can only ride that one.
  CURLM* multi = loop_.NewMulti(1);
  const NqConfig& s = *spec_.server;
  auto t = NewTransfer(upload_ ? s.upload_url : s.large_download_url, multi, upload_);
  if (!t) return;
  t->load = true;
  CURL* c = t->handle->get();
  curl_easy_setopt(c, CURLOPT_BUFFERSIZE,
                   static_cast<long>(config::kTransferReadBlockBytes));  // NOLINT
  curl_easy_setopt(c, CURLOPT_SOCKOPTFUNCTION, OnSocketOpened);
  curl_easy_setopt(c, CURLOPT_SOCKOPTDATA, t.get());
  curl_easy_setopt(c, CURLOPT_CLOSESOCKETFUNCTION, OnSocketClose);
  curl_easy_setopt(c, CURLOPT_CLOSESOCKETDATA, t.get());
  if (upload_) {
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(upload_request_bytes_));
    curl_easy_setopt(c, CURLOPT_UPLOAD_BUFFERSIZE, kUploadBufferBytes);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, OnUploadRead);
    curl_easy_setopt(c, CURLOPT_READDATA, t.get());
  } else {
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnLoadData);
  }
  lgcs_.push_back(std::move(t));
  StartLoadRequest(*lgcs_.back());
}

void Engine::StartLoadRequest(Transfer& t) {
  t.body = t.handed = t.sent_counted = 0;
  t.handle->SetTimeout(ctx_.Remaining());
  if (!loop_.Add(t.multi, t.handle->get())) {
    failure_ = net::RequestFailure{FailureReason::kUnknown, t.what + ": cannot start the request",
                                   std::nullopt};
  }
}

Engine::Transfer* Engine::RandomLoadConnection() {
  if (lgcs_.empty()) return nullptr;
  return lgcs_[std::uniform_int_distribution<size_t>(0, lgcs_.size() - 1)(rng_)].get();
}

void Engine::LaunchPair() {
  if (probes_.size() >= static_cast<size_t>(config::kRpmMaxProbesInFlight)) return;
  if (foreign_in_flight_ < kMaxForeignInFlight) LaunchProbe(foreign_multi_, /*foreign=*/true);
  if (!spec_.http2) return SampleTcpInfo();
  // PIPEWAIT and one connection per multi: the probe waits for that connection,
  // whatever state it is in, and rides it.
  if (Transfer* lgc = RandomLoadConnection()) LaunchProbe(lgc->multi, /*foreign=*/false);
}

void Engine::LaunchProbe(CURLM* multi, bool foreign) {
  auto t = NewTransfer(spec_.server->small_download_url, multi, /*post=*/false);
  if (!t) return;
  t->foreign = foreign;
  CURL* c = t->handle->get();
  curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  if (foreign) {
    // A new connection with a full handshake each time, as a browser's first visit.
    curl_easy_setopt(c, CURLOPT_FRESH_CONNECT, 1L);
    curl_easy_setopt(c, CURLOPT_FORBID_REUSE, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_SESSIONID_CACHE, 0L);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, OnProbeHeader);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, t.get());
  } else {
    curl_easy_setopt(c, CURLOPT_PIPEWAIT, 1L);
  }
  t->handle->SetTimeout(ctx_.Remaining());
  if (!loop_.Add(multi, c)) return;
  foreign_in_flight_ += foreign ? 1 : 0;
  probes_[c] = std::move(t);
}

// HTTP/1.1 cannot multiplex a probe onto a loaded connection; the draft's stand-in
// is the transport's RTT estimate of that connection.
void Engine::SampleTcpInfo() {
  Transfer* lgc = RandomLoadConnection();
  if (lgc == nullptr || lgc->fd == CURL_SOCKET_BAD) return;
  tcp_info info{};
  socklen_t len = sizeof(info);
  if (getsockopt(lgc->fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0) return;
  // A receiver's tcpi_rtt only sees its few ACKed sends; tcpi_rcv_rtt follows the data.
  const uint32_t us = !upload_ && info.tcpi_rcv_rtt > 0 ? info.tcpi_rcv_rtt : info.tcpi_rtt;
  if (us == 0) return;
  current_.self.push_back(us / 1e6);
  self_rtts_.push_back(us / 1e6);
  ++probes_done_;
}

std::optional<net::RequestFailure> Engine::Check(Transfer& t, CURLcode rc) const {
  CURL* c = t.handle->get();
  if (t.too_long) {
    return net::RequestFailure{FailureReason::kProtocol,
                               t.what + ": response body longer than " +
                                   std::to_string(kMaxPingBodyBytes) +
                                   " bytes; the server must answer this URL briefly",
                               std::nullopt};
  }
  if (rc != CURLE_OK) {
    const auto reason = ctx_.Expired() ? FailureReason::kTimeout : net::ClassifyCurlCode(rc);
    return net::RequestFailure{reason, t.what + ": " + t.handle->ErrorText(rc), std::nullopt};
  }
  const long code = net::ResponseCode(c);  // NOLINT(runtime/int)
  if (auto f = net::ClassifyHttpStatus(code, net::ResponseHeader(c, "Retry-After"),
                                       ctx_.clock.WallNow())) {
    f->error = t.what + ": " + f->error;
    return f;
  }
  if (code < 200 || code >= 300) {
    return net::RequestFailure{FailureReason::kHttpStatus,
                               t.what + ": HTTP status " + std::to_string(code) + ", expected 200",
                               std::nullopt};
  }
  return std::nullopt;
}

void Engine::Handle(const net::MultiLoop::Done& done) {
  Transfer* t = nullptr;
  curl_easy_getinfo(done.easy, CURLINFO_PRIVATE, reinterpret_cast<char**>(&t));
  if (t == nullptr) return;
  if (t->load) {
    CountUploaded();
    loop_.Remove(t->multi, done.easy);
    if (budget_cut_) return;  // refused at max_bytes: the direction ends now
    if (auto f = Check(*t, done.result)) {
      failure_ = f;
      return;
    }
    StartLoadRequest(*t);  // the object or the upload ended: the next one
    return;
  }
  if (auto f = Check(*t, done.result)) {
    failure_ = f;
  } else {
    ProbeDone(*t);
  }
  foreign_in_flight_ -= t->foreign ? 1 : 0;
  loop_.Remove(t->multi, done.easy);
  probes_.erase(done.easy);
}

void Engine::ProbeDone(Transfer& t) {
  CURL* c = t.handle->get();
  curl_off_t lookup = 0, connect = 0, app = 0, total = 0;
  curl_easy_getinfo(c, CURLINFO_NAMELOOKUP_TIME_T, &lookup);
  curl_easy_getinfo(c, CURLINFO_CONNECT_TIME_T, &connect);
  curl_easy_getinfo(c, CURLINFO_APPCONNECT_TIME_T, &app);
  curl_easy_getinfo(c, CURLINFO_TOTAL_TIME_T, &total);
  ++probes_done_;
  if (!t.foreign) {
    current_.self.push_back(Seconds(total));
    self_rtts_.push_back(Seconds(total));
    return;
  }
  current_.tcp.push_back(Seconds(connect - lookup));
  if (spec_.server->tls) {
    current_.tls.push_back(Seconds(app - connect) / std::max(t.tls_round_trips, 1));
    current_.http.push_back(Seconds(total - app));
  } else {
    current_.http.push_back(Seconds(total - connect));
  }
}

void Engine::CountUploaded() {
  if (!upload_) return;
  for (auto& t : lgcs_) {
    curl_off_t info = 0;
    curl_easy_getinfo(t->handle->get(), CURLINFO_SIZE_UPLOAD_T, &info);
    // A re-added handle reports the previous request's count until it starts.
    const uint64_t sent = std::min(static_cast<uint64_t>(std::max<curl_off_t>(info, 0)), t->handed);
    if (sent > t->sent_counted) {
      up_ += sent - t->sent_counted;
      t->sent_counted = sent;
    }
  }
}

void Engine::SetNotSentLowat(double goodput) {
  const double share = goodput / static_cast<double>(std::max<size_t>(lgcs_.size(), 1));
  const int lowat = static_cast<int>(std::max(kMinNotSentLowat, share * kReplenishSeconds));
  for (auto& t : lgcs_) {
    if (t->fd != CURL_SOCKET_BAD) {
      setsockopt(t->fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &lowat, sizeof(lowat));
    }
  }
}

void Engine::OnInterval(SteadyTime now) {
  const double goodput = goodput_->moving_average().value_or(0);
  if (!probing_) {
    goodput_stable_ = goodput_stability_.Add(goodput);
    const bool half_used =
        now - start_ >= spec_.max_duration / 2 || (down_ + handed_) * 2 >= spec_.max_bytes;
    if (goodput_stable_ || half_used) {
      probing_ = true;
      meter_.emplace(now, Duration::zero());
      meter_->Observe(now, moved());
      next_probe_ = now;
    }
  } else {
    windows_.push_back(std::move(current_));
    current_ = RpmSamples{};
    if (windows_.size() > static_cast<size_t>(kRpmMovingAverageDistance)) windows_.pop_front();
    ++probing_intervals_;
    RpmSamples window;
    for (const RpmSamples& w : windows_) window.Append(w);
    const ResponsivenessResult r = ComputeResponsiveness(window);
    const auto& total = r.rpm[static_cast<size_t>(RpmComponent::kTotal)];
    if (total && rpm_stability_.Add(*total)) stable_result_ = r;
  }
  // The draft's probe rate: at most MPS pairs per second and PTC of the capacity;
  // here at least one pair per interval, so that every interval has samples.
  const double rate = std::clamp(config::kRpmProbeCapacityShare * goodput / kProbePairBytes,
                                 1 / ToSeconds(config::kRpmIntervalDuration),
                                 static_cast<double>(config::kRpmMaxProbesPerSecond));
  probe_gap_ = std::chrono::duration_cast<Duration>(std::chrono::duration<double>(1 / rate));
  AddLoadConnection();
  if (upload_) SetNotSentLowat(goodput);
}

RpmDirectionOutcome Engine::Run() {
  RpmDirectionOutcome out;
  start_ = ctx_.clock.SteadyNow();
  const SteadyTime end = std::min(start_ + spec_.max_duration, ctx_.deadline);
  if (upload_) pattern_.assign(kUploadPatternBytes, 'h');
  goodput_.emplace(start_, 0);
  foreign_multi_ = loop_.NewMulti();
  AddLoadConnection();
  const std::string dir(DirectionName(spec_.direction));
  while (!failure_) {
    SteadyTime now = ctx_.clock.SteadyNow();
    if (ctx_.cancelled.load() || now >= ctx_.deadline) {
      failure_ = net::RequestFailure{
          FailureReason::kTimeout,
          std::string(ctx_.cancelled.load() ? "run cancelled" : "probe timeout reached") +
              " during the " + dir + " responsiveness test",
          std::nullopt};
      break;
    }
    SteadyTime wake = std::min(end, goodput_->next_close());
    if (probing_) wake = std::min(wake, next_probe_);
    loop_.Wait(std::clamp<Duration>(wake - now, Duration::zero(), kMaxWait));
    while (auto done = loop_.NextDone()) {
      Handle(*done);
      if (failure_) break;
    }
    if (failure_) break;
    CountUploaded();
    now = ctx_.clock.SteadyNow();
    if (meter_) meter_->Observe(now, moved());
    if (budget_cut_) return Finish(now, "max_bytes reached");
    if (probing_ && now >= next_probe_) {
      LaunchPair();
      next_probe_ = std::max(next_probe_ + probe_gap_, now);  // no burst after a stall
    }
    if (goodput_->Observe(now, moved())) {
      OnInterval(now);
      if (stable_result_) return Finish(now, "stable");
    }
    if (now >= end) return Finish(now, "max_duration reached");
  }
  CountUploaded();
  out.down_bytes = down_;
  out.up_bytes = up_;
  out.failure = failure_;
  out.self_rtts = std::move(self_rtts_);
  return out;
}

RpmDirectionOutcome Engine::Finish(SteadyTime now, const std::string& how) {
  RpmDirectionOutcome out;
  CountUploaded();
  out.down_bytes = down_;
  out.up_bytes = up_;
  out.self_rtts = self_rtts_;
  ResponsivenessResult r;
  if (stable_result_) {
    r = *stable_result_;
  } else {
    RpmSamples window = current_;
    for (const RpmSamples& w : windows_) window.Append(w);
    r = ComputeResponsiveness(window);
  }
  if (!r.rpm[static_cast<size_t>(RpmComponent::kTotal)]) {
    out.failure =
        net::RequestFailure{FailureReason::kTimeout,
                            "no responsiveness probe pair completed in the " +
                                std::string(DirectionName(spec_.direction)) + " test (" + how + ")",
                            std::nullopt};
    return out;
  }
  auto confidence = [](bool stable, int intervals) {
    return stable ? 2 : intervals >= kRpmMovingAverageDistance ? 1 : 0;
  };
  r.confidence = std::min(confidence(goodput_stable_, goodput_stability_.count()),
                          confidence(stable_result_.has_value(), probing_intervals_));
  out.result = r;
  out.goodput = goodput_->moving_average();
  if (meter_) out.goodput_samples = meter_->Finish(now, moved()).samples_bytes_per_second;
  static constexpr const char* kNames[] = {"low", "medium", "high"};
  out.summary = std::string(DirectionName(spec_.direction)) + ": " + how + ", " +
                std::to_string(lgcs_.size()) + " connections, " + std::to_string(probes_done_) +
                " probes, confidence " + kNames[*r.confidence];
  return out;
}

}  // namespace

RpmDirectionOutcome RunRpmDirection(const RpmDirectionSpec& spec, const ProbeContext& ctx) {
  Engine engine(spec, ctx);
  return engine.Run();
}

}  // namespace hermes::probe
