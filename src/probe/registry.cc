#include "probe/registry.h"

namespace hermes::probe {

void ProbeRegistry::Register(config::ProbeKind kind, ProbeFactory factory) {
  factories_[kind] = std::move(factory);
}

Result<std::unique_ptr<Probe>> ProbeRegistry::Create(const config::ProbeConfig& cfg) const {
  auto it = factories_.find(cfg.kind);
  if (it == factories_.end()) {
    return Status::Invalid("probes[name=" + cfg.name + "]: kind " +
                           config::ProbeKindName(cfg.kind) + " is not available in this build");
  }
  auto probe = it->second(cfg);
  if (!probe.ok()) return probe.status().WithContext("probes[name=" + cfg.name + "]");
  return probe;
}

}  // namespace hermes::probe
