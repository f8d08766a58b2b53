#include "app/loader.h"

#include "config/parse.h"
#include "metrics/metrics_hub.h"

namespace hermes::app {

Result<std::shared_ptr<const config::Config>> LoadProbeConfig(const std::string& path) {
  auto cfg = config::LoadConfigFile(path);
  if (!cfg.ok()) return cfg.status();
  HERMES_RETURN_IF_ERROR(metrics::CheckSeriesBudget(cfg.value()).WithContext(path));
  return std::shared_ptr<const config::Config>(
      std::make_shared<config::Config>(std::move(cfg).value()));
}

Status CheckProbers(const config::Config& config, const probe::ProbeRegistry& registry) {
  for (const auto& p : config.probes) {
    auto prober = registry.Create(p);
    if (!prober.ok()) return prober.status();
  }
  return Status::Ok();
}

Result<config::WebConfig> LoadWebConfig(const Flags& flags) {
  if (flags.web_config_file.empty()) return config::WebConfig{};
  return config::LoadWebConfigFile(flags.web_config_file);
}

}  // namespace hermes::app
