// Strict loading of hermes.yml.
//
// Unknown keys, duplicate keys, anchors/aliases, files over 1 MiB, wrong types and
// out-of-range values are errors. Every error message starts with the key path and,
// where known, the line: "probes[2].download.streams (line 14): must be 1..32, got 0".
// Cross-field rules (interval multiple of scrape_interval, timeout < interval,
// monthly data budget, credentials in URLs, ...) are checked here too; the series
// budget is checked by metrics::CheckSeriesBudget() because only metrics knows the
// families.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "config/config.h"

namespace hermes::config {

inline constexpr size_t kMaxConfigBytes = 1 << 20;

// Parses and validates YAML text. `default_instance` fills global.instance when empty.
Result<Config> ParseConfig(std::string_view yaml, const std::string& default_instance);

// Reads `path` (refusing files over kMaxConfigBytes) and calls ParseConfig with the
// host name as default instance. Messages are prefixed with the path.
Result<Config> LoadConfigFile(const std::string& path);

// Unit parsers, exposed for tests and for the web config. Prometheus duration syntax
// ("1h30m", "500ms", "15s"), sizes ("500MB", "1GiB", "1024"), rates ("100Mbit",
// "1Gbit", "12.5MB/s" -> bytes per second).
Result<Duration> ParseDuration(std::string_view text);
Result<uint64_t> ParseSize(std::string_view text);
Result<double> ParseRate(std::string_view text);

}  // namespace hermes::config
