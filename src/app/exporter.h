// Exporter: wires config -> scheduler -> probes -> metrics -> HTTP server for
// hermes-exporter, and owns the long-lived objects. main() only parses flags,
// creates an Exporter, and forwards signals.
//
// It is the RunSink of the scheduler (runs become metrics and logs) and the
// ServerObserver of the listener (requests become self-metrics), so neither the
// scheduler nor the server knows about metrics.
//
// Thread-safety: Reload() and Trigger paths may be called from any thread
// (signal thread, HTTP threads); Start()/Stop() from the owning thread.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "app/flags.h"
#include "common/clock.h"
#include "common/memory.h"
#include "common/mutex.h"
#include "common/status.h"
#include "config/config.h"
#include "metrics/metrics_hub.h"
#include "probe/kind.h"
#include "scheduler/scheduler.h"
#include "server/auth.h"
#include "server/http_server.h"

namespace hermes::app {

class Exporter final : public scheduler::RunSink, public server::ServerObserver {
 public:
  // Loads and validates the config, web config and token files. `clock` must
  // outlive the exporter.
  static Result<std::unique_ptr<Exporter>> Create(const Flags& flags, Clock& clock);
  ~Exporter() override;

  // Binds the listeners (Unavailable on failure) and starts scheduler and server.
  Status Start();
  // Cancels probes in flight, closes listeners, joins threads. Idempotent.
  void Stop();
  // Re-reads the config file. On error the running config stays, the reload
  // metric says 0, and the returned Status names the key.
  Status Reload() HERMES_EXCLUDES(reload_mu_, config_mu_);

  std::vector<uint16_t> BoundPorts() const { return server_->BoundPorts(); }

  // scheduler::RunSink
  void OnRunComplete(const config::ProbeConfig& probe, const scheduler::RunRecord& run) override;
  void OnSkip(const config::ProbeConfig& probe, SkipReason reason) override;
  void OnStartLag(Duration lag) override;

  // server::ServerObserver
  void OnRequest(const std::string& handler_label, int code, double seconds) override;
  void OnAuthFailure(AuthFailure reason) override;
  void OnConnectionsChanged(int open) override;
  void OnConnectionRejected(ConnectionRejectReason reason) override;

 private:
  Exporter(const Flags& flags, Clock& clock, std::shared_ptr<const config::Config> config);
  std::vector<server::Route> Routes();
  std::shared_ptr<const config::Config> CurrentConfig() const HERMES_EXCLUDES(config_mu_);

  server::HttpResponse HandleMetrics(const server::HttpRequest& req);
  server::HttpResponse HandleStatus(const server::HttpRequest& req);
  server::HttpResponse HandleReload(const server::HttpRequest& req);
  server::HttpResponse HandleTrigger(const server::HttpRequest& req);

  const Flags flags_;
  Clock& clock_;
  std::unique_ptr<metrics::MetricsHub> metrics_;
  std::unique_ptr<scheduler::Scheduler> scheduler_;
  std::unique_ptr<server::Authenticator> auth_;
  std::unique_ptr<server::HttpServer> server_;
  std::atomic<bool> ready_{false};
  ConnectionBurst connection_burst_;  // releases memory after a burst of connections
  // Serialises reloads (guards no data: scheduler and metrics lock themselves).
  Mutex reload_mu_ HERMES_ACQUIRED_BEFORE(config_mu_);
  mutable Mutex config_mu_;
  std::shared_ptr<const config::Config> config_ HERMES_GUARDED_BY(config_mu_);
};

}  // namespace hermes::app
