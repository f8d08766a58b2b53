#include "probe/speedtest_transfer.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include "common/log.h"
#include "probe/link_bytes.h"
#include "probe/stability.h"

namespace hermes::probe {
namespace {

constexpr uint64_t kMaxRequestBytes = 100 * 1000 * 1000;
constexpr auto kMaxPollWait = std::chrono::milliseconds(20);

class Engine {
 public:
  Engine(const SpeedtestApi& api, const TransferSpec& spec, const ProbeContext& ctx)
      : api_(api), spec_(spec), ctx_(ctx), request_bytes_(RequestBytes(spec, api)) {}
  ~Engine();

  TransferOutcome Run(const std::string& base_url, const net::RequestOptions& opts);

 private:
  struct Stream {
    Engine* engine = nullptr;
    std::unique_ptr<net::EasyHandle> handle;
    std::string what;           // "GET /path" of the current request, for errors
    uint64_t request_size = 0;  // upload: body bytes; download: what the body must be
    uint64_t received = 0;      // response body bytes of the current request
    bool too_long = false;      // the response body (or its Content-Length) exceeds its cap
    uint64_t read_offset = 0;   // upload: body bytes handed to libcurl
    uint64_t sent_counted = 0;  // upload: SIZE_UPLOAD already added to total_
    bool active = false;
    net::TrackedSocket socket;  // to read what the kernel holds unsent or unread
  };

  static size_t OnData(char*, size_t size, size_t n, void* p);
  static size_t OnRead(char* dst, size_t size, size_t n, void* p);
  static int OnProgress(void* p, curl_off_t, curl_off_t, curl_off_t, curl_off_t);

  bool StartRequest(Stream& s);
  void CountUploaded();
  uint64_t Delivered();
  void LogWindow(const ThroughputMeter::Result& rate, SteadyTime end) const;
  std::optional<net::RequestFailure> Completed(CURLMsg* msg);
  bool upload() const { return spec_.direction == Direction::kUpload; }
  // A response body may be as long as the download asked for, an upload's answer
  // (almost) empty.
  uint64_t ResponseCap(const Stream& s) const {
    return upload() ? kMaxPingBodyBytes : s.request_size;
  }

  const SpeedtestApi& api_;
  const TransferSpec spec_;
  const ProbeContext& ctx_;
  const uint64_t request_bytes_;
  CURLM* multi_ = nullptr;
  std::vector<std::unique_ptr<Stream>> streams_;
  std::vector<char> pattern_;  // upload body source, filled once
  uint64_t committed_ = 0;     // bytes requested so far (<= max_bytes)
  uint64_t total_ = 0;         // bytes moved so far
  LinkBytes link_{spec_.direction == Direction::kUpload};
  uint64_t answer_bytes_ = 0;  // upload: body bytes of the answers
  int completed_ = 0;
};

Engine::~Engine() {
  for (auto& s : streams_) {
    if (s->active) curl_multi_remove_handle(multi_, s->handle->get());
  }
  // The multi closes the connections it keeps, calling each stream's socket
  // callbacks (net::TrackSocket): the streams must still be there.
  if (multi_ != nullptr) curl_multi_cleanup(multi_);
  streams_.clear();
}

size_t Engine::OnData(char*, size_t size, size_t n, void* p) {
  auto* s = static_cast<Stream*>(p);
  Engine* e = s->engine;
  const uint64_t cap = e->ResponseCap(*s);
  if (s->received == 0) {
    curl_off_t announced = -1;
    curl_easy_getinfo(s->handle->get(), CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &announced);
    s->too_long = announced > static_cast<curl_off_t>(cap);
  }
  s->received += size * n;
  (e->upload() ? e->answer_bytes_ : e->total_) += size * n;  // received, whatever happens next
  s->too_long = s->too_long || s->received > cap;
  return s->too_long ? 0 : size * n;  // 0: CURLE_WRITE_ERROR ends the request
}

size_t Engine::OnRead(char* dst, size_t size, size_t n, void* p) {
  auto* s = static_cast<Stream*>(p);
  const std::vector<char>& pat = s->engine->pattern_;
  const size_t off = s->read_offset % pat.size();
  const size_t len =
      std::min<uint64_t>({size * n, s->request_size - s->read_offset, pat.size() - off});
  std::memcpy(dst, pat.data() + off, len);
  s->read_offset += len;
  return len;
}

int Engine::OnProgress(void* p, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<Engine*>(p)->ctx_.cancelled.load() ? 1 : 0;
}

bool Engine::StartRequest(Stream& s) {
  s.active = false;
  if (committed_ >= spec_.max_bytes) return false;
  const uint64_t size = std::min(request_bytes_, spec_.max_bytes - committed_);
  s.received = s.read_offset = s.sent_counted = 0;
  s.too_long = false;
  CURL* c = s.handle->get();
  if (upload()) {
    s.request_size = api_.UploadBytes(size);
    if (s.request_size == 0) return false;
    s.what = "POST " + api_.upload_path;
    s.handle->SetPath(api_.upload_path);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(s.request_size));
  } else {
    DownloadRequest req = api_.Download(size);
    if (req.body_bytes == 0) return false;  // no whole chunk fits in what is left
    s.request_size = req.body_bytes;
    s.what = "GET " + req.path;
    s.handle->SetPath(req.path);
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  }
  committed_ += s.request_size;
  s.handle->SetTimeout(ctx_.Remaining());
  s.active = curl_multi_add_handle(multi_, c) == CURLM_OK;
  return s.active;
}

void Engine::CountUploaded() {
  if (!upload()) return;
  for (auto& s : streams_) {
    if (s->active) CountSent(s->handle->get(), s->read_offset, &s->sent_counted, &total_);
  }
}

// What crossed the link (link_bytes.h).
uint64_t Engine::Delivered() {
  uint64_t queued = 0;
  for (const auto& s : streams_) queued += link_.Queued(s->socket);
  return link_.Update(total_, queued);
}

// The window the rate was measured in, to line it up with other meters of the same
// path: its end is a CLOCK_MONOTONIC reading (hermes' steady clock), in seconds.
void Engine::LogWindow(const ThroughputMeter::Result& rate, SteadyTime end) const {
  LogDebug("speedtest window",
           {{"probe", ctx_.config.name},
            {"direction", std::string(DirectionName(spec_.direction))},
            {"bytes", rate.measured_bytes},
            {"seconds", std::to_string(rate.measured_seconds)},
            {"end_monotonic", std::to_string(ToSeconds(end.time_since_epoch()))}});
}

// Handles one finished request: a failure ends the direction, success starts the
// stream's next request.
std::optional<net::RequestFailure> Engine::Completed(CURLMsg* msg) {
  Stream* s = nullptr;
  curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, reinterpret_cast<char**>(&s));
  const CURLcode rc = msg->data.result;
  CURL* c = s->handle->get();
  const std::string& what = s->what;
  CountUploaded();

  curl_multi_remove_handle(multi_, c);
  s->active = false;
  if (s->too_long) {
    return net::RequestFailure{
        FailureReason::kProtocol,
        what + (upload() ? ": answer to an upload longer than " +
                               std::to_string(kMaxPingBodyBytes) + " bytes"
                         : ": response body longer than the " + std::to_string(s->request_size) +
                               " bytes asked for"),
        std::nullopt};
  }
  if (rc != CURLE_OK) {
    FailureReason reason = net::ClassifyCurlCode(rc);
    if (rc == CURLE_ABORTED_BY_CALLBACK || ctx_.Expired()) reason = FailureReason::kTimeout;
    return net::RequestFailure{reason, what + ": " + s->handle->ErrorText(rc), std::nullopt};
  }
  if (auto f = net::ClassifyHttpStatus(net::ResponseCode(c), net::ResponseHeader(c, "Retry-After"),
                                       ctx_.clock.WallNow())) {
    f->error = what + ": " + f->error;
    return f;
  }
  if (!upload() && s->received != s->request_size) {
    return net::RequestFailure{FailureReason::kProtocol,
                               what + ": short response, " + std::to_string(s->received) + " of " +
                                   std::to_string(s->request_size) + " bytes",
                               std::nullopt};
  }
  ++completed_;
  StartRequest(*s);
  return std::nullopt;
}

TransferOutcome Engine::Run(const std::string& base_url, const net::RequestOptions& opts) {
  TransferOutcome out;
  multi_ = curl_multi_init();
  if (upload()) pattern_.assign(kUploadPatternBytes, 'h');
  for (int i = 0; i < spec_.streams; ++i) {
    auto h = net::EasyHandle::Create(base_url, opts);
    if (!h.ok()) {
      out.failure = net::RequestFailure{FailureReason::kUnknown, h.status().message(), {}};
      return out;
    }
    auto s = std::make_unique<Stream>();
    s->engine = this;
    s->handle = std::move(h).value();
    CURL* c = s->handle->get();
    curl_easy_setopt(c, CURLOPT_PRIVATE, s.get());
    s->socket.reset_on_close = upload();  // a stopped upload must not keep the link busy
    net::TrackSocket(c, &s->socket);
    curl_easy_setopt(c, CURLOPT_BUFFERSIZE,
                     static_cast<long>(config::kTransferReadBlockBytes));  // NOLINT
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, OnData);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, s.get());
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, OnProgress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, this);
    if (upload()) {
      curl_easy_setopt(c, CURLOPT_UPLOAD_BUFFERSIZE, kUploadBufferBytes);
      curl_easy_setopt(c, CURLOPT_READFUNCTION, OnRead);
      curl_easy_setopt(c, CURLOPT_READDATA, s.get());
    }
    streams_.push_back(std::move(s));
  }

  const SteadyTime start = ctx_.clock.SteadyNow();
  const SteadyTime end_at = start + spec_.duration;
  ThroughputMeter meter(start, spec_.warmup);
  std::optional<GoodputIntervals> intervals;  // stop: stable, from the warm-up instant
  StabilityTest stability;
  for (auto& s : streams_) StartRequest(*s);

  for (;;) {
    int running = 0;
    curl_multi_perform(multi_, &running);
    int queued = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi_, &queued)) {
      if (msg->msg != CURLMSG_DONE || out.failure) continue;
      out.failure = Completed(msg);
    }
    const SteadyTime now = ctx_.clock.SteadyNow();
    CountUploaded();
    const uint64_t delivered = Delivered();
    meter.Observe(now, delivered);
    if (spec_.stop_when_stable && meter.warmed_up()) {
      if (!intervals) {
        intervals.emplace(now, delivered, kStableCheckInterval);
      } else if (intervals->Observe(now, delivered)) {
        out.stopped_stable = stability.Add(*intervals->moving_average());
      }
    }
    if (out.failure) break;
    if (ctx_.cancelled.load() || now >= ctx_.deadline) {
      out.failure = net::RequestFailure{
          FailureReason::kTimeout,
          std::string(ctx_.cancelled.load() ? "run cancelled" : "probe timeout reached") +
              " during " + std::string(DirectionName(spec_.direction)) + " after " +
              std::to_string(total_) + " bytes",
          std::nullopt};
      break;
    }
    const bool any_active =
        std::any_of(streams_.begin(), streams_.end(), [](const auto& s) { return s->active; });
    if (now >= end_at || !any_active || out.stopped_stable) {
      if (total_ == 0) {
        // Nothing moved at all (e.g. headers, then a stalled body): that is no
        // measurement of 0 B/s, and publishing it would write a zero into the
        // throughput gauge.
        out.failure = net::RequestFailure{
            FailureReason::kTimeout,
            "no " + std::string(DirectionName(spec_.direction)) + " data moved within " +
                std::to_string(
                    std::chrono::duration_cast<std::chrono::milliseconds>(spec_.duration).count()) +
                "ms",
            std::nullopt};
        break;
      }
      out.rate = meter.Finish(now, delivered);
      LogWindow(out.rate, now);
      break;
    }
    const auto wait = std::min<Duration>({end_at - now, ctx_.deadline - now, kMaxPollWait});
    const int wait_ms =
        static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(wait).count());
    curl_multi_poll(multi_, nullptr, 0, std::max(wait_ms, 1), nullptr);
  }
  CountUploaded();  // bytes that left before the abort still count as transferred
  out.total_bytes = total_;
  out.answer_bytes = answer_bytes_;
  out.requests_completed = completed_;
  return out;
}

}  // namespace

uint64_t RequestBytes(const TransferSpec& spec, const SpeedtestApi& api) {
  const uint64_t per_stream = spec.max_bytes / static_cast<uint64_t>(std::max(spec.streams, 1));
  const uint64_t min = std::max(config::kMinTransferRequestBytes, api.unit_bytes);
  return std::clamp(per_stream, min, std::max(min, kMaxRequestBytes));
}

TransferOutcome RunTransfer(const std::string& base_url, const SpeedtestApi& api,
                            const net::RequestOptions& opts, const TransferSpec& spec,
                            const ProbeContext& ctx) {
  Engine engine(api, spec, ctx);
  return engine.Run(base_url, opts);
}

}  // namespace hermes::probe
