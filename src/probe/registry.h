// Probe registry: kind -> factory. A plain map built once by main; no static
// registration. Factories validate kind-specific environment needs (for example
// icmp socket permissions) and return a clear Status when they cannot be met.
#pragma once

#include <functional>
#include <map>
#include <memory>

#include "common/status.h"
#include "config/config.h"
#include "probe/probe.h"

namespace hermes::probe {

using ProbeFactory = std::function<Result<std::unique_ptr<Probe>>(const config::ProbeConfig&)>;

class ProbeRegistry {
 public:
  void Register(config::ProbeKind kind, ProbeFactory factory);
  // Creates the prober for `cfg`; errors name the probe ("probes[name=x]: ...").
  Result<std::unique_ptr<Probe>> Create(const config::ProbeConfig& cfg) const;

 private:
  std::map<config::ProbeKind, ProbeFactory> factories_;
};

// The registry with every built-in kind.
ProbeRegistry DefaultRegistry();

}  // namespace hermes::probe
