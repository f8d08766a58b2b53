// Command-line flags of hermes-target, parsed strictly by FlagSet: unknown flags,
// missing values, bad sizes and bad numbers are errors naming the flag.
//
// Flags starting with --test. are TEST-ONLY fault knobs (target/routes.h TestFaults).
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "target/routes.h"
#include "target/stamp_reflector.h"

namespace hermes::target {

struct Flags {
  std::vector<std::string> listen_addresses;  // default {":10517"} when none given
  std::string web_config_file;
  std::vector<std::string> bearer_token_files;
  int max_connections = 256;
  int max_connections_per_ip = 64;
  uint64_t max_bytes_per_request = 1ull << 30;
  std::string cors_origin;  // --web.cors.origin; "" = no CORS
  RpmOptions rpm;           // --rpm.*
  // --stamp.*: the STAMP reflector, off while listen_address is empty.
  StampReflectorOptions stamp;
  std::string log_level = "info";
  std::string log_format = "logfmt";
  bool version = false;
  bool help = false;
  TestFaults faults;  // --test.*
};

Result<Flags> ParseFlags(const std::vector<std::string>& args);
std::string FlagsUsage(const std::string& program);

}  // namespace hermes::target
