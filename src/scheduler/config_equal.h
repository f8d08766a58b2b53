// Canonical comparison of probe configs, used by Scheduler::Reload() to decide
// which probes are unchanged (keep prober, history and in-flight run) and which
// changed (cancel and rebuild).
//
// Compares every field that affects how a probe runs. `line` (where the entry sits
// in the file) is ignored: adding a probe above another must not restart it.
// Pure functions, no state.
#pragma once

#include "config/config.h"

namespace hermes::scheduler {

bool SameProbeConfig(const config::ProbeConfig& a, const config::ProbeConfig& b);

}  // namespace hermes::scheduler
