// The label values of hermes' closed vocabularies: one table per enum, indexed by it.
// Modules pass enums; only the exposition (and logs) turn them into strings, here. A
// new enum value without a label fails to compile (static_assert on each table).
//
// Stateless; safe to call from any thread.
#pragma once

#include <array>
#include <optional>
#include <string_view>

#include "common/listener_events.h"
#include "common/skip_reason.h"

namespace hermes::metrics {

std::string_view Label(SkipReason r);
std::string_view Label(AuthFailure f);
std::string_view Label(ConnectionRejectReason r);

// The handler labels of hermes_http_* ("other": a request that matched no route).
inline constexpr std::array<std::string_view, 8> kHttpHandlers = {
    "metrics", "landing", "healthy", "ready", "status", "reload", "trigger", "other"};
// The status classes of hermes_http_requests_total{code}. The listener answers only
// 2xx, 4xx and 5xx (no redirects; 100 Continue is not a response to count).
inline constexpr std::array<std::string_view, 3> kHttpCodeClasses = {"2xx", "4xx", "5xx"};
// Index into kHttpCodeClasses of an HTTP status, nullopt outside the three classes.
std::optional<size_t> CodeClass(int status);

}  // namespace hermes::metrics
