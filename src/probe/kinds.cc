// The kind table: one row per probe kind (see kind.h). Each row names the kind's
// config (keys, parser: config/<kind>_config.h) and its probe (factory, result
// layout: probe/<kind>_probe.h).
#include "config/dns_config.h"
#include "config/http_config.h"
#include "config/icmp_config.h"
#include "config/responsiveness_config.h"
#include "config/speedtest_config.h"
#include "config/stamp_config.h"
#include "config/tcp_config.h"
#include "probe/dns_probe.h"
#include "probe/http_probe.h"
#include "probe/icmp_probe.h"
#include "probe/kind.h"
#include "probe/responsiveness_probe.h"
#include "probe/speedtest_probe.h"
#include "probe/stamp_probe.h"
#include "probe/tcp_probe.h"

namespace hermes::probe {
namespace {

using config::ProbeConfig;
using std::chrono::seconds;

constexpr Duration kLight = seconds(10);

const Kind kSpeedtest{
    {"speedtest", config::kSpeedtestKeys, config::kSpeedtestExpectKeys, seconds(60), /*bulk=*/true,
     &config::ParseSpeedtest},
    [](const ProbeConfig& c) { return NewSpeedtestProbe(c.Settings<config::SpeedtestConfig>()); },
    &SpeedtestLayout};
const Kind kHttp{
    {"http", config::kHttpKeys, config::kLatencyExpectKeys, kLight, false, &config::ParseHttp},
    [](const ProbeConfig& c) { return NewHttpProbe(c.Settings<config::HttpConfig>()); },
    &HttpLayout};
const Kind kTcp{
    {"tcp", config::kTcpKeys, config::kLatencyExpectKeys, kLight, false, &config::ParseTcp},
    [](const ProbeConfig& c) { return NewTcpProbe(c.Settings<config::TcpConfig>()); },
    &TcpLayout};
const Kind kDns{
    {"dns", config::kDnsKeys, config::kLatencyExpectKeys, kLight, false, &config::ParseDns},
    [](const ProbeConfig& c) { return NewDnsProbe(c.Settings<config::DnsConfig>()); },
    &DnsLayout};
const Kind kIcmp{
    {"icmp", config::kIcmpKeys, config::kLatencyExpectKeys, kLight, false, &config::ParseIcmp},
    [](const ProbeConfig& c) { return NewIcmpProbe(c.Settings<config::IcmpConfig>()); },
    &IcmpLayout};

const Kind kResponsiveness{
    {"responsiveness", config::kResponsivenessKeys, config::kResponsivenessExpectKeys, seconds(60),
     /*bulk=*/true, &config::ParseResponsiveness},
    [](const ProbeConfig& c) {
      return NewResponsivenessProbe(c.Settings<config::ResponsivenessConfig>());
    },
    &ResponsivenessLayout};

const Kind kStamp{
    {"stamp", config::kStampKeys, config::kLatencyExpectKeys, kLight, false, &config::ParseStamp},
    [](const ProbeConfig& c) { return NewStampProbe(c.Settings<config::StampConfig>()); },
    &StampLayout};

const config::KindSpec* const kTable[] = {&kSpeedtest, &kHttp,  &kTcp,           &kDns,
                                          &kIcmp,      &kStamp, &kResponsiveness};

}  // namespace

config::KindCatalog BuiltinKinds() { return kTable; }

const Kind* FindKind(std::string_view name) {
  for (const config::KindSpec* k : kTable) {
    if (k->name == name) return static_cast<const Kind*>(k);
  }
  return nullptr;
}

}  // namespace hermes::probe
