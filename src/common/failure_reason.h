// The closed set of reasons a probe run fails for (README "Failure reasons").
//
// A leaf header so that every layer that classifies or counts failures (net's
// libcurl and socket adapters, the probes, metrics) shares one vocabulary without
// depending on the layers above it. Pure values; thread-safe.
#pragma once

#include <array>
#include <string_view>

namespace hermes {

enum class FailureReason {
  kDns,
  kConnect,
  kTls,
  kTimeout,
  kHttpStatus,
  kRateLimited,
  kNetwork,
  kProtocol,
  kUnknown,
};
inline constexpr std::array<FailureReason, 9> kAllFailureReasons = {
    FailureReason::kDns,     FailureReason::kConnect,    FailureReason::kTls,
    FailureReason::kTimeout, FailureReason::kHttpStatus, FailureReason::kRateLimited,
    FailureReason::kNetwork, FailureReason::kProtocol,   FailureReason::kUnknown};

// The label value: "dns", "connect", ..., "unknown".
std::string_view FailureReasonName(FailureReason r);

}  // namespace hermes
