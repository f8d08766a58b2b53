#include "app/loader.h"

#include "common/clock.h"
#include "config/parse.h"
#include "metrics/metrics_hub.h"
#include "probe/kind.h"
#include "server/auth.h"
#include "server/tls_context.h"

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

Status CheckServerMaterial(const Flags& flags, const config::WebConfig& web) {
  if (web.tls_enabled) {
    auto ctx = server::BuildServerTlsContext(web.tls);
    if (!ctx.ok()) return ctx.status().WithContext(web.path);
  }
  server::AuthOptions auth;
  auth.bearer_token_files = flags.bearer_token_files;
  auth.basic_auth_users = web.basic_auth_users;
  SystemClock clock;
  auto a = server::Authenticator::Create(std::move(auth), clock);
  return a.ok() ? Status::Ok() : a.status();
}

}  // namespace hermes::app
