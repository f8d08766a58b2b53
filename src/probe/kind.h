// The probe-kind table: one row per kind (README "Metrics" lists them).
//
// A row (Kind) is the config half (config::KindSpec: name, keys, default timeout,
// bulk, parser) plus what the probe layer adds: the factory that builds the prober
// and the result layout, i.e. which ProbeResult fields the kind fills and hence
// which metric families it has. config parses with the rows (BuiltinKinds()), the
// scheduler creates probers with CreateProbe(), metrics counts and registers series
// from KindOf(p).layout(p): one row, read by all three.
//
// Every config::ProbeConfig::kind of a config parsed with BuiltinKinds() (or any
// catalog of Kind rows) points into a Kind, which KindOf() relies on.
// Thread-safety: rows are immutable constants.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "common/status.h"
#include "config/config.h"
#include "probe/probe.h"

namespace hermes::probe {

// Which optional ProbeResult fields a probe fills, each with its metric family:
// phases -> hermes_probe_phase_duration_seconds{phase}; loads -> rtt, latency and
// jitter{load}; packets -> packets sent/lost and loss ratio{load}; stamp -> one-way
// loss and jitter{load,direction}, duplicated and reordered{load} (a subset of
// packets); throughput -> the throughput gauge and sample histogram{direction};
// transferred -> transferred_bytes_total{direction}; http -> http status and
// certificate expiry; responsiveness -> responsiveness_rpm{direction,component},
// responsiveness_confidence{direction} and responsiveness_component_seconds
// {direction,component} (and the expected RPM when `expect.rpm` is set).
struct ResultLayout {
  std::vector<Phase> phases;
  std::vector<Load> loads;
  std::vector<Load> packets;
  std::vector<Load> stamp;
  std::vector<Direction> throughput;
  std::vector<Direction> transferred;
  bool http = false;
  std::vector<Direction> responsiveness;
};

using ProbeFactory = std::function<Result<std::unique_ptr<Probe>>(const config::ProbeConfig&)>;

struct Kind : config::KindSpec {
  // Builds the prober; validates what the parser cannot (e.g. icmp permissions).
  Result<std::unique_ptr<Probe>> (*create)(const config::ProbeConfig& cfg) = nullptr;
  // The fields a run of `cfg` fills (may depend on its settings).
  ResultLayout (*layout)(const config::ProbeConfig& cfg) = nullptr;
};

// Every built-in kind, in the order `kind:` lists them in messages.
config::KindCatalog BuiltinKinds();
// The built-in kind named `name`, or nullptr.
const Kind* FindKind(std::string_view name);

// The row of `cfg`'s kind.
const Kind& KindOf(const config::ProbeConfig& cfg);

// Creates the prober for `cfg` through its row (a ProbeFactory), after checking that
// this host can use the probe's path (net::CheckPath).
Result<std::unique_ptr<Probe>> CreateProbe(const config::ProbeConfig& cfg);

}  // namespace hermes::probe
