#include "app/exporter.h"

#include "app/loader.h"
#include "app/metrics_handler.h"
#include "app/status_json.h"
#include "common/log.h"
#include "common/memory.h"
#include "common/version.h"
#include "config/parse.h"

namespace hermes::app {

using server::HttpRequest;
using server::HttpResponse;

Result<std::unique_ptr<Exporter>> Exporter::Create(const Flags& flags, Clock& clock) {
  auto cfg = LoadProbeConfig(flags.config_file);
  if (!cfg.ok()) return cfg.status();
  auto web = LoadWebConfig(flags);
  if (!web.ok()) return web.status();

  std::unique_ptr<Exporter> e(new Exporter(flags, clock, cfg.value()));
  server::AuthOptions auth_opts;
  auth_opts.bearer_token_files = flags.bearer_token_files;
  auth_opts.basic_auth_users = web->basic_auth_users;
  auto auth = server::Authenticator::Create(auth_opts, clock);
  if (!auth.ok()) return auth.status();
  e->auth_ = std::move(auth).value();

  server::ServerOptions opts;
  opts.listen_addresses = flags.listen_addresses;
  opts.web = std::move(web).value();
  opts.limits.max_connections = flags.max_connections;
  opts.limits.max_connections_per_ip = flags.max_connections_per_ip;
  opts.limits.head_deadline = flags.request_head_timeout;
  opts.limits.idle_timeout = flags.idle_timeout;
  // Two io threads: a bcrypt verification (basic auth, ~50 ms) must not stall scrapes.
  opts.io_threads = 2;
  if (!opts.web.tls_enabled) {
    LogWarn(
        "TLS is disabled: metrics and credentials travel in plain text; "
        "set tls_server_config in --web.config.file");
  }
  if (!e->auth_->Enabled()) {
    LogWarn(
        "authentication is disabled: anyone who reaches the port can read metrics; "
        "use --web.bearer-token-file or basic_auth_users");
  }
  e->server_ =
      std::make_unique<server::HttpServer>(std::move(opts), e->Routes(), e->auth_.get(), e.get());
  return e;
}

Exporter::Exporter(const Flags& flags, Clock& clock, std::shared_ptr<const config::Config> config)
    : flags_(flags),
      clock_(clock),
      metrics_(std::make_unique<metrics::MetricsHub>(clock)),
      config_(std::move(config)) {
  scheduler_ = std::make_unique<scheduler::Scheduler>(clock_, probe::CreateProbe, *this,
                                                      flags_.probe_workers);
  metrics_->Apply(config_);
}

Exporter::~Exporter() { Stop(); }

Status Exporter::Start() {
  HERMES_RETURN_IF_ERROR(server_->Start());
  HERMES_RETURN_IF_ERROR(scheduler_->Start(CurrentConfig()));
  server_->Run();
  ready_ = true;
  const auto ports = server_->BoundPorts();
  for (size_t i = 0; i < ports.size(); ++i) {
    LogInfo("listening",
            {{"address", flags_.listen_addresses[i]}, {"port", std::to_string(ports[i])}});
  }
  LogInfo("started", {{"version", kVersion},
                      {"probes", std::to_string(CurrentConfig()->probes.size())},
                      {"series", std::to_string(metrics_->SeriesCount())}});
  return Status::Ok();
}

void Exporter::Stop() {
  if (!scheduler_ || !server_) return;
  ready_ = false;
  scheduler_->Stop();
  server_->Stop();
}

Status Exporter::Reload() {
  MutexLock l(reload_mu_);
  auto cfg = LoadProbeConfig(flags_.config_file);
  Status st = cfg.ok() ? scheduler_->Reload(cfg.value()) : cfg.status();
  if (!st.ok()) {
    metrics_->RecordReload(false);
    LogError("config reload failed; the previous config keeps running", {{"err", st.message()}});
    return st;
  }
  // Apply() publishes "reload ok, now" in the same step as the new series; a
  // second RecordReload(true) would move the timestamp again after a scrape saw it.
  metrics_->Apply(cfg.value());
  {
    MutexLock cl(config_mu_);
    config_ = cfg.value();
  }
  LogInfo("config reloaded", {{"hash", cfg.value()->source_hash.substr(0, 12)},
                              {"probes", std::to_string(cfg.value()->probes.size())}});
  return Status::Ok();
}

std::shared_ptr<const config::Config> Exporter::CurrentConfig() const {
  MutexLock l(config_mu_);
  return config_;
}

void Exporter::OnRunComplete(const config::ProbeConfig& probe, const scheduler::RunRecord& run) {
  metrics_->PublishRun(probe.name, run.started, run.duration, run.result);
  // A bulk run freed its transfer buffers; hand the pages back rather than keep them
  // resident until the next run (common/memory.h).
  if (probe.kind->bulk) ReleaseFreeMemory();
  if (run.result.success) {
    const std::string duration = std::to_string(ToSeconds(run.duration));
    if (run.result.error.empty()) {
      LogDebug("probe succeeded", {{"probe", probe.name}, {"duration", duration}});
    } else {  // a successful run's error text is its detail (how a responsiveness test ended)
      LogDebug("probe succeeded",
               {{"probe", probe.name}, {"duration", duration}, {"detail", run.result.error}});
    }
  } else {
    LogWarn("probe failed",
            {{"probe", probe.name},
             {"reason", std::string(probe::FailureReasonName(
                            run.result.reason.value_or(probe::FailureReason::kUnknown)))},
             {"err", run.result.error}});
  }
}

void Exporter::OnSkip(const config::ProbeConfig& probe, SkipReason reason) {
  metrics_->RecordSkip(probe.name, reason);
  LogInfo("probe run skipped", {{"probe", probe.name}, {"reason", metrics::Label(reason)}});
}

void Exporter::OnStartLag(Duration lag) { metrics_->ObserveStartLag(lag); }

void Exporter::OnRequest(const std::string& handler_label, int code, double seconds) {
  metrics_->ObserveHttpRequest(handler_label, code, seconds);
}

void Exporter::OnAuthFailure(AuthFailure reason) { metrics_->RecordAuthFailure(reason); }

void Exporter::OnConnectionsChanged(int open) {
  metrics_->SetHttpConnections(open);
  // The TLS and HTTP buffers of a drained burst go back rather than stay resident
  // (common/memory.h).
  if (connection_burst_.Drained(open)) ReleaseFreeMemory();
}

void Exporter::OnConnectionRejected(ConnectionRejectReason reason) {
  metrics_->RecordConnectionRejected(reason);
}

std::vector<server::Route> Exporter::Routes() {
  auto text = [](const char* body) {
    return [body](const HttpRequest&) { return HttpResponse::Text(200, body); };
  };
  std::vector<server::Route> routes;
  routes.push_back(
      {flags_.telemetry_path, {"GET"}, "metrics", true, 0, [this](const HttpRequest& r) {
         return HandleMetrics(r);
       }});
  routes.push_back({"/", {"GET"}, "landing", true, 0, [this](const HttpRequest&) {
                      HttpResponse r = HttpResponse::Text(200, LandingPage(flags_.telemetry_path));
                      r.content_type = "text/html; charset=utf-8";
                      return r;
                    }});
  routes.push_back({"/-/healthy", {"GET"}, "healthy", false, 0, text("Healthy.\n")});
  routes.push_back({"/-/ready", {"GET"}, "ready", false, 0, [this](const HttpRequest&) {
                      return ready_ ? HttpResponse::Text(200, "Ready.\n")
                                    : HttpResponse::Text(503, "Not ready.\n");
                    }});
  routes.push_back({"/-/status", {"GET"}, "status", true, 0, [this](const HttpRequest& r) {
                      return HandleStatus(r);
                    }});
  routes.push_back({"/-/reload", {"POST"}, "reload", true, 0, [this](const HttpRequest& r) {
                      return HandleReload(r);
                    }});
  routes.push_back({"/-/trigger", {"POST"}, "trigger", true, 0, [this](const HttpRequest& r) {
                      return HandleTrigger(r);
                    }});
  return routes;
}

HttpResponse Exporter::HandleMetrics(const HttpRequest& req) {
  if (auto every = scheduler_->ObserveScrape(clock_.WallNow(), req.client_ip)) {
    const std::string expected = config::FormatDuration(CurrentConfig()->global.scrape_interval);
    LogWarn(
        "scrapes arrive at another interval than global.scrape_interval; set the scrape "
        "job's scrape_interval to it (probe runs are aligned to it)",
        {{"client", req.client_ip},
         {"interval", config::FormatDuration(*every)},
         {"scrape_interval", expected}});
  }
  return MetricsResponse(*metrics_, req);
}

HttpResponse Exporter::HandleStatus(const HttpRequest&) {
  HttpResponse r = HttpResponse::Text(200, StatusJson(*CurrentConfig(), scheduler_->Snapshot()));
  r.content_type = "application/json";
  return r;
}

namespace {
HttpResponse LifecycleDisabled() {
  return HttpResponse::Text(
      403, "Lifecycle API is not enabled; start hermes-exporter with --web.enable-lifecycle.\n");
}
}  // namespace

HttpResponse Exporter::HandleReload(const HttpRequest&) {
  if (!flags_.enable_lifecycle) return LifecycleDisabled();
  Status st = Reload();
  if (!st.ok()) return HttpResponse::Text(400, st.message() + "\n");
  return HttpResponse::Text(200, "Reloaded.\n");
}

HttpResponse Exporter::HandleTrigger(const HttpRequest& req) {
  if (!flags_.enable_lifecycle) return LifecycleDisabled();
  auto name = req.QueryParam("probe");
  if (!name || name->empty()) {
    return HttpResponse::Text(400, "missing query parameter probe=NAME\n");
  }
  switch (scheduler_->Trigger(*name)) {
    case scheduler::TriggerResult::kStarted:
      return HttpResponse::Text(202, "Started.\n");
    case scheduler::TriggerResult::kAlreadyRunning:
      return HttpResponse::Text(409, "Probe is already running.\n");
    case scheduler::TriggerResult::kUnknownProbe:
      return HttpResponse::Text(404, "No such probe.\n");
    case scheduler::TriggerResult::kTooSoon: {
      HttpResponse r =
          HttpResponse::Text(429, "Probe was triggered less than one scrape interval ago.\n");
      r.headers.emplace_back("Retry-After",
                             std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                                CurrentConfig()->global.scrape_interval)
                                                .count()));
      return r;
    }
  }
  return HttpResponse::Text(500, "unexpected trigger state\n");
}

}  // namespace hermes::app
