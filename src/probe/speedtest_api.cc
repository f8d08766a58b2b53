#include "probe/speedtest_api.h"

namespace hermes::probe {

const SpeedtestApi& CloudflareApi() {
  static constexpr SpeedtestApi kApi{
      "cloudflare", "/__down?bytes=0", "/__up",
      [](uint64_t bytes) {
        return DownloadRequest{"/__down?bytes=" + std::to_string(bytes), bytes};
      },
      true};
  return kApi;
}

}  // namespace hermes::probe
