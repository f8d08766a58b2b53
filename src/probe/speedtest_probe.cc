#include "probe/speedtest_probe.h"

#include <string>

#include "net/curl_easy.h"
#include "net/curl_error.h"
#include "net/resolver.h"
#include "probe/http_request.h"
#include "probe/speedtest_latency.h"
#include "probe/speedtest_stamp.h"
#include "probe/speedtest_transfer.h"

namespace hermes::probe {
namespace {

// Trailing slashes are dropped so that "{url}/__down" has exactly one slash.
std::string BaseUrl(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

class SpeedtestProbe final : public Probe {
 public:
  SpeedtestProbe(const config::SpeedtestConfig& cfg, std::unique_ptr<net::Resolver> resolver)
      : cfg_(cfg),
        api_(ApiFor(cfg)),
        base_url_(BaseUrl(cfg.target.url)),
        resolver_(std::move(resolver)) {}

  ProbeResult Run(const ProbeContext& ctx) override {
    auto opts = RequestOptionsFor(cfg_.target, ctx);
    if (!opts.ok()) {
      return ProbeResult::Failure(FailureReason::kUnknown, opts.status().message());
    }
    opts->http1_only = true;
    std::unique_ptr<LoadedStamp> stamp;
    if (cfg_.loaded_stamp) {
      ProbeResult failed;
      stamp = LoadedStamp::Start(*cfg_.loaded_stamp, *resolver_, ctx, &failed);
      if (!stamp) return failed;
    }
    ProbeResult result = RunPhases(ctx, *opts, stamp.get());
    if (stamp) stamp->Finish(result);
    return result;
  }

 private:
  ProbeResult RunPhases(const ProbeContext& ctx, const net::RequestOptions& opts,
                        LoadedStamp* stamp) {
    const config::SpeedtestConfig& cfg = cfg_;
    ProbeResult result;
    if (auto f = MeasureIdleLatency(base_url_, api_, opts, ctx, cfg.latency.samples, &result)) {
      return FailedRun(std::move(result), *f);
    }
    if (stamp) {
      stamp->WaitIdle();
      stamp->Measure(std::nullopt, ctx.clock.SteadyNow());
    }
    if (cfg.download.enabled) {
      if (auto f = RunDirection(ctx, opts, cfg.download, Direction::kDownload, stamp, result)) {
        return FailedRun(std::move(result), *f);
      }
    }
    if (cfg.upload.enabled) {
      net::RequestOptions up = opts;
      // No "Expect: 100-continue" round trip (libcurl waits up to 1 s for it).
      up.extra_header_lines = {"Expect:", "Content-Type: application/octet-stream"};
      if (auto f = RunDirection(ctx, up, cfg.upload, Direction::kUpload, stamp, result)) {
        return FailedRun(std::move(result), *f);
      }
    }
    result.success = true;
    return result;
  }

  std::optional<net::RequestFailure> RunDirection(const ProbeContext& ctx,
                                                  const net::RequestOptions& opts,
                                                  const config::TransferConfig& tc, Direction dir,
                                                  LoadedStamp* stamp, ProbeResult& result) {
    const auto d = static_cast<size_t>(dir);
    const Load load = dir == Direction::kDownload ? Load::kDownload : Load::kUpload;
    TransferSpec spec{dir, tc.streams, tc.duration, tc.warmup, tc.max_bytes, tc.stop_when_stable};

    // Loaded latency: the STAMP stream's when there is one (LoadedStamp::Finish
    // fills it), else HTTP pings on their own connection.
    std::unique_ptr<LoadedPinger> pinger;
    const SteadyTime loaded_from = ctx.clock.SteadyNow() + tc.warmup;
    if (stamp) {
      stamp->Measure(load, loaded_from);
    } else {
      pinger = std::make_unique<LoadedPinger>(base_url_, api_, opts, ctx);
      pinger->Start(loaded_from);
    }
    TransferOutcome out = RunTransfer(base_url_, api_, opts, spec, ctx);
    if (stamp) stamp->Measure(std::nullopt, ctx.clock.SteadyNow());
    if (pinger) {
      LatencyResult& lat = result.latency[static_cast<size_t>(load)];
      lat.samples_seconds = pinger->Stop();
      Summarize(lat);
      result.transferred_bytes[static_cast<size_t>(Direction::kDownload)] +=
          pinger->received_bytes();
    }
    result.transferred_bytes[static_cast<size_t>(Direction::kDownload)] += out.answer_bytes;
    result.transferred_bytes[d] += out.total_bytes;
    result.throughput_samples[d] = std::move(out.rate.samples_bytes_per_second);
    if (out.failure) return out.failure;
    result.throughput_bytes_per_second[d] = out.rate.bytes_per_second;
    return std::nullopt;
  }

  const config::SpeedtestConfig cfg_;
  const SpeedtestApi api_;
  const std::string base_url_;
  const std::unique_ptr<net::Resolver> resolver_;  // for loaded_stamp's address
};

}  // namespace

Result<std::unique_ptr<Probe>> NewSpeedtestProbe(const config::SpeedtestConfig& cfg) {
  HERMES_RETURN_IF_ERROR(CheckHttpTarget(cfg.target));
  return std::unique_ptr<Probe>(std::make_unique<SpeedtestProbe>(cfg, net::NewSystemResolver()));
}

ResultLayout SpeedtestLayout(const config::ProbeConfig& cfg) {
  const auto& s = cfg.Settings<config::SpeedtestConfig>();
  ResultLayout l{.phases = {kAllPhases.begin(), kAllPhases.end()},
                 .loads = {Load::kIdle},
                 .transferred = {Direction::kDownload},
                 .http = true};
  // A disabled direction has no loaded latency or throughput of its own.
  if (s.download.enabled) {
    l.loads.push_back(Load::kDownload);
    l.throughput.push_back(Direction::kDownload);
  }
  if (s.upload.enabled) {
    l.loads.push_back(Load::kUpload);
    l.throughput.push_back(Direction::kUpload);
    l.transferred.push_back(Direction::kUpload);
  }
  if (s.loaded_stamp) {
    // STAMP loss and jitter idle and under each enabled direction's load; its
    // packets go up whatever directions are enabled.
    l.packets = l.stamp = l.loads;
    if (!s.upload.enabled) l.transferred.push_back(Direction::kUpload);
  }
  return l;
}

}  // namespace hermes::probe
