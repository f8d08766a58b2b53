#include "probe/kind.h"

#include "probe/path.h"

namespace hermes::probe {

const Kind& KindOf(const config::ProbeConfig& cfg) {
  if (cfg.kind == nullptr) std::abort();  // a config not made by ParseConfig
  return static_cast<const Kind&>(*cfg.kind);
}

Result<std::unique_ptr<Probe>> CreateProbe(const config::ProbeConfig& cfg) {
  // Every kind's sockets take the path; an address or interface this host does not
  // have is a config error, found by --config.check too.
  HERMES_RETURN_IF_ERROR(net::CheckPath(PathOf(cfg.path)));
  return KindOf(cfg).create(cfg);
}

}  // namespace hermes::probe
