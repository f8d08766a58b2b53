// Rendering of the human-facing endpoints: the /-/status JSON document and the
// landing page. Pure functions of their inputs, so they are tested from values.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "scheduler/scheduler.h"

namespace hermes::app {

// {"version":..,"revision":..,"config_hash":..,"probes":[{"name":..,"kind":..,
//  "running":..,"last_run":RFC3339|null,"last_duration_seconds":..,
//  "last_success":bool|null,"failure_reason":..,"error":..,"next_run":RFC3339}]}
std::string StatusJson(const config::Config& config,
                       const std::vector<scheduler::ProbeStatus>& probes);

std::string LandingPage(std::string_view telemetry_path);

// JSON string literal (with quotes) for arbitrary bytes; non-UTF-8-safe control
// characters are escaped as \u00XX.
std::string JsonString(std::string_view s);
// RFC 3339 UTC with milliseconds: 2026-11-22T11:05:00.123Z
std::string Rfc3339(WallTime t);

}  // namespace hermes::app
