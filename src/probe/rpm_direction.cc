#include "probe/rpm_direction.h"

#include <algorithm>

#include "probe/rpm_engine.h"

namespace hermes::probe::rpm_internal {

Engine::Engine(const RpmDirectionSpec& spec, const ProbeContext& ctx)
    : spec_(spec),
      ctx_(ctx),
      upload_(spec.direction == Direction::kUpload),
      upload_request_bytes_(std::min(spec.max_bytes, kMaxUploadRequestBytes)),
      get_opts_(WithLines(spec.opts, {"Accept-Encoding: identity"})),
      // No "Expect: 100-continue" round trip before each upload.
      post_opts_(WithLines(spec.opts, {"Expect:", "Content-Type: application/octet-stream"})) {}

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

}  // namespace hermes::probe::rpm_internal

namespace hermes::probe {

RpmDirectionOutcome RunRpmDirection(const RpmDirectionSpec& spec, const ProbeContext& ctx) {
  rpm_internal::Engine engine(spec, ctx);
  return engine.Run();
}

}  // namespace hermes::probe
