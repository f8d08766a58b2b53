// Command-line flags of hermes-exporter (SPEC section 2), parsed strictly by
// FlagSet: unknown flags, missing values and bad numbers are errors naming the flag.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/status.h"

namespace hermes::app {

struct Flags {
  std::string config_file = "config/hermes.yml";
  bool config_check = false;
  std::vector<std::string> listen_addresses;  // default {":10516"} when none given
  std::string web_config_file;
  std::vector<std::string> bearer_token_files;
  std::string telemetry_path = "/metrics";
  int max_connections = 64;
  int max_connections_per_ip = 8;
  std::chrono::milliseconds request_head_timeout{5000};
  std::chrono::milliseconds idle_timeout{120000};
  bool enable_lifecycle = false;
  std::string log_level = "info";
  std::string log_format = "logfmt";
  int probe_workers = 4;
  bool version = false;
  bool help = false;
};

Result<Flags> ParseFlags(const std::vector<std::string>& args);
std::string FlagsUsage(const std::string& program);

}  // namespace hermes::app
