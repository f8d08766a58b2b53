// Internal to the responsiveness probe: the engine that runs one direction
// (rpm_direction.h), split over rpm_direction.cc (stages, intervals, result),
// rpm_load.cc (load-generating connections, byte counting, failures) and
// rpm_probes.cc (foreign and self probes, their round trips).
//
// Thread-compatible: one Engine runs on one thread.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "net/curl_multi_loop.h"
#include "probe/link_bytes.h"
#include "probe/rpm_direction.h"
#include "probe/rpm_math.h"
#include "probe/speedtest_rate.h"
#include "probe/stability.h"

namespace hermes::probe::rpm_internal {

using config::kMaxPingBodyBytes;
using config::kRpmMovingAverageDistance;

inline constexpr uint64_t kMaxUploadRequestBytes = 1'000'000'000;
inline constexpr double kProbePairBytes = 6000;  // the draft: foreign ~5000 + self ~1000
inline constexpr int kMaxForeignInFlight = 32;
inline constexpr auto kMaxWait =
    std::chrono::milliseconds(50);  // cancellation is checked this often
inline constexpr double kReplenishSeconds = 0.005;
inline constexpr double kMinNotSentLowat = 16 * 1024;

inline long HttpVersionFor(bool http2, bool tls) {  // NOLINT(runtime/int)
  if (!http2) return CURL_HTTP_VERSION_1_1;
  return tls ? CURL_HTTP_VERSION_2TLS : CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE;
}

inline double Seconds(curl_off_t us) { return us > 0 ? static_cast<double>(us) / 1e6 : 0.0; }

inline net::RequestOptions WithLines(net::RequestOptions o, std::vector<std::string> lines) {
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
    std::string what;           // "GET /path", for errors
    uint64_t body = 0;          // response body bytes of the current request
    bool too_long = false;      // a capped body went over its cap
    uint64_t handed = 0;        // upload: body bytes handed to libcurl
    uint64_t sent_counted = 0;  // upload: of which already counted as sent
    bool load = false;          // a load-generating connection's transfer
    bool active = false;        // load: has moved body bytes (its connection is up)
    bool foreign = false;       // probe kind (when !load)
    int tls_round_trips = 0;    // foreign over TLS: 1 (TLS 1.3) or 2
    net::TrackedSocket socket;  // load: its connection's socket
  };

  static size_t OnLoadData(char*, size_t size, size_t n, void* p);
  static size_t OnCappedData(char*, size_t size, size_t n, void* p);
  static size_t OnUploadRead(char* dst, size_t size, size_t n, void* p);
  static size_t OnProbeHeader(char*, size_t size, size_t n, void* p);

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
  // Load bytes that crossed the link (link_bytes.h): downloads as the kernel
  // received them, uploads as acknowledged. Never decreases.
  uint64_t moved();
  RpmDirectionOutcome Finish(SteadyTime now, const std::string& how);

  const RpmDirectionSpec& spec_;
  const ProbeContext& ctx_;
  const bool upload_;
  const uint64_t upload_request_bytes_;
  const net::RequestOptions get_opts_, post_opts_;
  std::vector<char> pattern_;
  std::minstd_rand rng_{12};
  SteadyTime start_{};

  uint64_t down_ = 0;        // every body byte read
  uint64_t load_down_ = 0;   // of which load-generating bodies
  uint64_t handed_ = 0;      // upload body bytes handed to libcurl
  uint64_t up_ = 0;          // of which libcurl reports sent
  LinkBytes link_{upload_};  // what crossed the link (moved())
  bool budget_cut_ = false;
  std::optional<net::RequestFailure> failure_;

  std::optional<GoodputIntervals> goodput_;
  StabilityTest goodput_stability_;
  bool goodput_stable_ = false;
  bool probing_ = false;
  SteadyTime next_probe_{};
  Duration probe_gap_ = std::chrono::milliseconds(10);
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

}  // namespace hermes::probe::rpm_internal
