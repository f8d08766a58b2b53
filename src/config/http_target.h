// The keys every HTTP-speaking probe kind shares (http, speedtest): the URL, extra
// request headers, a bearer token file and Prometheus' tls_config.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "config/config.h"

namespace hermes::config {

struct HttpTarget {
  std::string url;                             // http:// or https://, no credentials
  std::map<std::string, std::string> headers;  // never Authorization
  std::string bearer_token_file;               // re-read at every run
  std::optional<TlsConfig> tls_config;
  bool operator==(const HttpTarget&) const = default;
};

inline constexpr std::string_view kHttpTargetKeys[] = {"url", "headers", "bearer_token_file",
                                                       "tls_config"};

namespace internal {
class MapReader;
// Reads url (required), headers, bearer_token_file and tls_config from `m`.
Status ParseHttpTarget(const MapReader& m, const std::string& base_dir, HttpTarget* out);
}  // namespace internal

}  // namespace hermes::config
