#include "probe/rpm_math.h"

#include <algorithm>
#include <cmath>

namespace hermes::probe {

std::optional<double> TrimmedMean(std::vector<double> samples, double keep) {
  if (samples.empty()) return std::nullopt;
  const auto n = samples.size();
  const auto drop = static_cast<size_t>(std::floor(static_cast<double>(n) * (1 - keep) + 1e-9));
  const size_t kept = n - std::min(drop, n - 1);
  std::nth_element(samples.begin(), samples.begin() + (kept - 1), samples.end());
  double sum = 0;
  for (size_t i = 0; i < kept; ++i) sum += samples[i];
  return sum / static_cast<double>(kept);
}

void RpmSamples::Append(const RpmSamples& o) {
  tcp.insert(tcp.end(), o.tcp.begin(), o.tcp.end());
  tls.insert(tls.end(), o.tls.begin(), o.tls.end());
  http.insert(http.end(), o.http.begin(), o.http.end());
  self.insert(self.end(), o.self.begin(), o.self.end());
}

ResponsivenessResult ComputeResponsiveness(const RpmSamples& s) {
  ResponsivenessResult r;
  auto& c = r.component_seconds;
  c[static_cast<size_t>(RttComponent::kTcp)] = TrimmedMean(s.tcp);
  c[static_cast<size_t>(RttComponent::kTls)] = TrimmedMean(s.tls);
  c[static_cast<size_t>(RttComponent::kHttp)] = TrimmedMean(s.http);
  c[static_cast<size_t>(RttComponent::kSelf)] = TrimmedMean(s.self);
  const auto& tcp = c[static_cast<size_t>(RttComponent::kTcp)];
  const auto& tls = c[static_cast<size_t>(RttComponent::kTls)];
  const auto& http = c[static_cast<size_t>(RttComponent::kHttp)];
  const auto& self = c[static_cast<size_t>(RttComponent::kSelf)];
  // A round trip measured as 0 (coarse timers on loopback) would make RPM infinite.
  auto rpm = [](double seconds) { return 60.0 / std::max(seconds, 1e-6); };
  auto& foreign = r.rpm[static_cast<size_t>(RpmComponent::kForeign)];
  auto& loaded = r.rpm[static_cast<size_t>(RpmComponent::kLoaded)];
  if (tcp && http) {
    foreign = tls ? rpm((*tcp + *tls + *http) / 3) : rpm((*tcp + *http) / 2);
  }
  if (self) loaded = rpm(*self);
  if (foreign && loaded) {
    r.rpm[static_cast<size_t>(RpmComponent::kTotal)] = (*foreign + *loaded) / 2;
  }
  return r;
}

}  // namespace hermes::probe
