#include "probe/probe.h"

#include <algorithm>
#include <cmath>

namespace hermes::probe {

std::string_view PhaseName(Phase p) {
  switch (p) {
    case Phase::kResolve:
      return "resolve";
    case Phase::kConnect:
      return "connect";
    case Phase::kTls:
      return "tls";
    case Phase::kProcessing:
      return "processing";
    case Phase::kTransfer:
      return "transfer";
  }
  return "";
}

std::string_view LoadName(Load l) {
  switch (l) {
    case Load::kIdle:
      return "idle";
    case Load::kDownload:
      return "download";
    case Load::kUpload:
      return "upload";
  }
  return "";
}

std::string_view DirectionName(Direction d) {
  return d == Direction::kDownload ? "download" : "upload";
}

std::string_view RpmComponentName(RpmComponent c) {
  switch (c) {
    case RpmComponent::kForeign:
      return "foreign";
    case RpmComponent::kLoaded:
      return "loaded";
    case RpmComponent::kTotal:
      return "total";
  }
  return "";
}

std::string_view RttComponentName(RttComponent c) {
  switch (c) {
    case RttComponent::kTcp:
      return "tcp";
    case RttComponent::kTls:
      return "tls";
    case RttComponent::kHttp:
      return "http";
    case RttComponent::kSelf:
      return "self";
  }
  return "";
}

std::optional<double> Median(std::vector<double> s) {
  if (s.empty()) return std::nullopt;
  const size_t mid = s.size() / 2;
  std::nth_element(s.begin(), s.begin() + mid, s.end());
  if (s.size() % 2 == 1) return s[mid];
  const double upper = s[mid];
  const double lower = *std::max_element(s.begin(), s.begin() + mid);
  return (lower + upper) / 2;
}

std::optional<double> Jitter(const std::vector<double>& s) {
  if (s.size() < 2) return std::nullopt;
  double sum = 0;
  for (size_t i = 1; i < s.size(); ++i) sum += std::fabs(s[i] - s[i - 1]);
  return sum / static_cast<double>(s.size() - 1);
}

void Summarize(LatencyResult& r) {
  r.median_seconds = Median(r.samples_seconds);
  r.jitter_seconds = Jitter(r.samples_seconds);
}

}  // namespace hermes::probe
