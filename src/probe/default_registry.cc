// DefaultRegistry(): every built-in probe kind, registered explicitly (no static
// registration). Each factory validates its kind's config and environment needs
// (icmp socket permission) so problems surface at config load.
#include "probe/dns_probe.h"
#include "probe/http_probe.h"
#include "probe/icmp_probe.h"
#include "probe/registry.h"
#include "probe/speedtest_probe.h"
#include "probe/tcp_probe.h"

namespace hermes::probe {

ProbeRegistry DefaultRegistry() {
  ProbeRegistry r;
  r.Register(config::ProbeKind::kTcp,
             [](const config::ProbeConfig& cfg) { return NewTcpProbe(cfg); });
  r.Register(config::ProbeKind::kDns,
             [](const config::ProbeConfig& cfg) { return NewDnsProbe(cfg); });
  r.Register(config::ProbeKind::kIcmp,
             [](const config::ProbeConfig& cfg) { return NewIcmpProbe(cfg); });
  r.Register(config::ProbeKind::kSpeedtest,
             [](const config::ProbeConfig& cfg) { return NewSpeedtestProbe(cfg); });
  r.Register(config::ProbeKind::kHttp,
             [](const config::ProbeConfig& cfg) { return NewHttpProbe(cfg); });
  return r;
}

}  // namespace hermes::probe
