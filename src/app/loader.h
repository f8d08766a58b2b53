// Loading and validating everything the exporter reads from disk: the probe
// config (strict parse + series budget) and the web config. Used at startup, by
// --config.check and by reloads, so all three apply exactly the same rules.
#pragma once

#include <memory>
#include <optional>

#include "app/flags.h"
#include "common/status.h"
#include "config/config.h"
#include "config/web_config.h"

namespace hermes::app {

// The probe config, validated including metrics::CheckSeriesBudget().
Result<std::shared_ptr<const config::Config>> LoadProbeConfig(const std::string& path);

// Creates (and discards) a prober for every probe, so environment problems such
// as missing ICMP permissions are reported by --config.check too.
Status CheckProbers(const config::Config& config);

// The web config named by --web.config.file, or an empty (plain HTTP) one.
Result<config::WebConfig> LoadWebConfig(const Flags& flags);

// Loads everything the listener loads at start besides the web config itself: the
// TLS certificate, key and client CAs, and the bearer token files and bcrypt
// hashes (for --config.check). Errors name the file.
Status CheckServerMaterial(const Flags& flags, const config::WebConfig& web);

}  // namespace hermes::app
