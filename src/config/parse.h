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

// Parses and validates YAML text; `kinds` are the probe kinds it may use (the
// binaries pass probe::BuiltinKinds()). `default_instance` fills global.instance when empty.
// Relative file paths in the config (bearer_token_file, tls_config files) resolve
// against `base_dir`; with an empty base_dir they stay as written. Errors have no
// file prefix. source_hash is the SHA-256 of `yaml`.
Result<Config> ParseConfig(std::string_view yaml, KindCatalog kinds,
                           const std::string& default_instance, const std::string& base_dir = "");

// Reads `path` (refusing files over kMaxConfigBytes) and calls ParseConfig with the
// host name as default instance and the file's directory as base_dir. Messages are
// prefixed with "<path>: ".
Result<Config> LoadConfigFile(const std::string& path, KindCatalog kinds);

// Hex SHA-256 of `data` (lower case), as used for Config::source_hash.
std::string Sha256Hex(std::string_view data);

// Unit parsers, exposed for tests and for the web config. Prometheus duration syntax
// ("1h30m", "500ms", "15s"), sizes ("500MB", "1GiB", "1024"), rates ("100Mbit",
// "1Gbit", "12.5MB/s" -> bytes per second).
Result<Duration> ParseDuration(std::string_view text);
Result<uint64_t> ParseSize(std::string_view text);
Result<double> ParseRate(std::string_view text);

// Inverse of ParseDuration for messages: "1h30m", "500ms", "0s".
std::string FormatDuration(Duration d);
// Decimal size for messages: "512B", "86.4GB", "50GB".
std::string FormatBytes(uint64_t bytes);

}  // namespace hermes::config
