#include "app/loader.h"

#include "config/parse.h"
#include "metrics/metrics_hub.h"
#include "probe/kind.h"

namespace hermes::app {

Result<std::shared_ptr<const config::Config>> LoadProbeConfig(const std::string& path) {
  auto cfg = config::LoadConfigFile(path, probe::BuiltinKinds());
  if (!cfg.ok()) return cfg.status();
  HERMES_RETURN_IF_ERROR(metrics::CheckSeriesBudget(cfg.value()).WithContext(path));
  return std::shared_ptr<const config::Config>(
      std::make_shared<config::Config>(std::move(cfg).value()));
}

Status CheckProbers(const config::Config& config) {
  for (const auto& p : config.probes) {
    auto prober = probe::CreateProbe(p);
    if (!prober.ok()) return prober.status().WithContext("probes[name=" + p.name + "]");
  }
  return Status::Ok();
}

Result<config::WebConfig> LoadWebConfig(const Flags& flags) {
  if (flags.web_config_file.empty()) return config::WebConfig{};
  return config::LoadWebConfigFile(flags.web_config_file);
}

}  // namespace hermes::app
