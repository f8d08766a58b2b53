// MetricsHub: every hermes_* family (SPEC section 7) on a prometheus-cpp registry,
// plus process_* metrics, rendered in text format 0.0.4.
//
// - Apply() builds a fresh registry for a config snapshot, with every series of
//   every configured probe present (0) from the start, copies counter values of
//   probes that survive a reload (so counters do not reset), and swaps it in. A
//   scrape renders either the old or the new registry, never a half-built one.
// - PublishRun() applies one probe run as a unit: a concurrent Render() sees all of
//   it or none of it. A failed run sets success 0, counts the failure, and leaves
//   last-good gauges and their timestamps alone.
// - No label value ever comes from outside the config and the closed enums.
//
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"
#include "config/config.h"
#include "probe/probe.h"

namespace hermes::metrics {

// Exact number of series the exposition will have for `config` (probes x label
// combinations x series per family, histograms as buckets + +Inf + sum + count),
// including the self and process metrics.
int CountSeries(const config::Config& config);
// Invalid (naming the count, the limit and the biggest probe) when over max_series.
Status CheckSeriesBudget(const config::Config& config);

// The closed set of handler labels for hermes_http_* metrics.
inline constexpr const char* kHttpHandlers[] = {"metrics", "landing", "healthy", "ready",
                                                "status",  "reload",  "trigger", "other"};

class MetricsHub {
 public:
  explicit MetricsHub(Clock& clock);
  ~MetricsHub();

  // Installs the registry for `config` (see above). Call once before serving.
  void Apply(std::shared_ptr<const config::Config> config);

  void PublishRun(const std::string& probe, WallTime started, Duration duration,
                  const probe::ProbeResult& result);
  void RecordSkip(const std::string& probe, std::string_view reason);  // SPEC skip reasons
  void ObserveStartLag(Duration lag);
  void RecordReload(bool ok);  // sets hermes_config_last_reload_* (timestamp on success)

  // Listener self-metrics; labels must come from the closed sets.
  void ObserveHttpRequest(std::string_view handler, int code, double seconds);
  void RecordAuthFailure(std::string_view reason);  // missing | malformed | invalid
  void SetHttpConnections(int open);
  void RecordConnectionRejected(std::string_view reason);

  // Text exposition (format 0.0.4) of everything, process metrics refreshed.
  std::string Render();
  int SeriesCount() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hermes::metrics
