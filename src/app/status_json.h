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

}  // namespace hermes::app
