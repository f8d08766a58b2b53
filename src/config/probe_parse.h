// Parsing and validation of one entry of `probes:` (internal to config/).
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>

#include "common/status.h"
#include "config/config.h"
#include "config/yaml_util.h"

namespace hermes::config::internal {

// Parses probes[index] with the kinds of `kinds`. `global` must be parsed first:
// the interval rules depend on global.scrape_interval. Relative file paths resolve
// against `base_dir`. Cross-probe rules (unique names, data budget) are the
// caller's.
Result<ProbeConfig> ParseProbe(const YAML::Node& node, size_t index, const GlobalConfig& global,
                               const std::string& base_dir, KindCatalog kinds);

}  // namespace hermes::config::internal
