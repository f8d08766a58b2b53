// Parsing and validation of one entry of `probes:` (internal to config/).
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>

#include "common/status.h"
#include "config/config.h"
#include "config/yaml_util.h"

namespace hermes::config::internal {

// Parses probes[index]. `global` must be parsed first: the interval rules depend
// on global.scrape_interval. Relative file paths resolve against `base_dir`.
// Cross-probe rules (unique names, data budget) are the caller's.
Result<ProbeConfig> ParseProbe(const YAML::Node& node, size_t index, const GlobalConfig& global,
                               const std::string& base_dir);

// Kind-specific keys of one probe (probe_kinds.cc). Called by ParseProbe after the
// common keys, so p->interval and p->timeout are already set.
Status ParseSpeedtestKeys(const MapReader& m, const std::string& base_dir, ProbeConfig* p);
Status ParseHttpKeys(const MapReader& m, const std::string& base_dir, ProbeConfig* p);
Status ParseTcpKeys(const MapReader& m, const std::string& base_dir, ProbeConfig* p);
Status ParseDnsKeys(const MapReader& m, const std::string& base_dir, ProbeConfig* p);
Status ParseIcmpKeys(const MapReader& m, const std::string& base_dir, ProbeConfig* p);

}  // namespace hermes::config::internal
