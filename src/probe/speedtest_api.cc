#include "probe/speedtest_api.h"

#include <algorithm>

namespace hermes::probe {
namespace {

// The blob LibreSpeed's own client uploads (xhr_ul_blob_megabytes).
constexpr uint64_t kLibreSpeedMaxUploadBytes = 20 * config::kLibreSpeedChunkBytes;
// garbage.php sends at most this many chunks, whatever ckSize says.
constexpr uint64_t kLibreSpeedMaxChunks = 1024;

}  // namespace

DownloadRequest SpeedtestApi::Download(uint64_t bytes) const {
  const uint64_t units = std::min(bytes / unit_bytes, max_download_units);
  if (units == 0) return {"", 0};
  return {download_path + "?" + size_parameter + "=" + std::to_string(units), units * unit_bytes};
}

uint64_t SpeedtestApi::UploadBytes(uint64_t bytes) const {
  return std::min(bytes, max_upload_bytes) / unit_bytes * unit_bytes;
}

SpeedtestApi CloudflareApi() {
  return {.name = "cloudflare",
          .ping_path = "/__down?bytes=0",
          .upload_path = "/__up",
          .download_path = "/__down",
          .size_parameter = "bytes",
          .unit_bytes = 1,
          .max_download_units = UINT64_MAX,
          .server_timing = true};
}

SpeedtestApi LibreSpeedApi(const config::LibreSpeedPaths& paths) {
  return {.name = "librespeed",
          .ping_path = "/" + paths.ping,
          .upload_path = "/" + paths.upload,
          .download_path = "/" + paths.download,
          .size_parameter = "ckSize",
          .unit_bytes = config::kLibreSpeedChunkBytes,
          .max_download_units = kLibreSpeedMaxChunks,
          .max_upload_bytes = kLibreSpeedMaxUploadBytes,
          .server_timing = false};
}

SpeedtestApi ApiFor(const config::SpeedtestConfig& cfg) {
  return cfg.api == "librespeed" ? LibreSpeedApi(cfg.paths) : CloudflareApi();
}

}  // namespace hermes::probe
