// Why a planned probe run was not started (SPEC section 5).
//
// A leaf header: the scheduler reports the enum, metrics spells it as a label value
// (metrics/labels.h), neither depends on the other. Pure values; thread-safe.
#pragma once

#include <array>

namespace hermes {

enum class SkipReason { kOverrun, kBandwidthBusy, kRetryAfter, kBudget };
inline constexpr std::array<SkipReason, 4> kAllSkipReasons = {
    SkipReason::kOverrun, SkipReason::kBandwidthBusy, SkipReason::kRetryAfter, SkipReason::kBudget};

}  // namespace hermes
