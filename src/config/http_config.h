// Settings of the http probe kind (README "http"): one request to an HTTP target.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "config/http_target.h"
#include "config/kind.h"

namespace hermes::config {

// The http probe reads in blocks of kHttpReadBlockBytes; libcurl reads up to 100
// blocks of a redirect body it discards before the probe can stop it, so a run
// reads at most max_body_bytes + kHttpMaxReadAheadBytes of bodies.
inline constexpr uint64_t kHttpReadBlockBytes = 4096;
inline constexpr uint64_t kHttpMaxReadAheadBytes = 100 * kHttpReadBlockBytes;

struct HttpConfig : KindSettingsOf<HttpConfig> {
  HttpTarget target;
  std::vector<int> valid_status_codes;  // empty: any 2xx
  bool follow_redirects = true;
  int max_redirects = 10;                         // 0..20
  uint64_t max_body_bytes = 10ull * 1024 * 1024;  // all bodies of a run, redirects included
  std::string method = "GET";                     // GET | HEAD

  uint64_t MaxBytesPerRun() const override {
    return SaturatingAdd(max_body_bytes, kHttpMaxReadAheadBytes);
  }
  bool operator==(const HttpConfig&) const = default;
};

inline constexpr std::string_view kHttpOwnKeys[] = {"valid_status_codes", "follow_redirects",
                                                    "max_redirects", "max_body_bytes", "method"};
inline constexpr auto kHttpKeys = JoinKeys(kHttpTargetKeys, kHttpOwnKeys);

Result<std::shared_ptr<const KindSettings>> ParseHttp(const internal::MapReader& m,
                                                      const KindParseContext& ctx);

}  // namespace hermes::config
