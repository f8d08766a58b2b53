#include "probe/kind.h"

namespace hermes::probe {

const Kind& KindOf(const config::ProbeConfig& cfg) {
  if (cfg.kind == nullptr) std::abort();  // a config not made by ParseConfig
  return static_cast<const Kind&>(*cfg.kind);
}

Result<std::unique_ptr<Probe>> CreateProbe(const config::ProbeConfig& cfg) {
  return KindOf(cfg).create(cfg);
}

}  // namespace hermes::probe
