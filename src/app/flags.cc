#include "app/flags.h"

#include "common/flag_set.h"
#include "config/parse.h"

namespace hermes::app {
namespace {

FlagSet Define(Flags& f) {
  FlagSet s;
  s.AddString("config.file", "probe configuration file (default config/hermes.yml)",
              &f.config_file);
  s.AddBool("config.check", "validate the config and web config, then exit 0 (valid) or 1",
            &f.config_check);
  s.AddRepeated("web.listen-address", "address to listen on, repeatable (default :10516)",
                &f.listen_addresses);
  s.AddString("web.config.file", "exporter-toolkit web config (TLS, basic auth, headers)",
              &f.web_config_file);
  s.AddRepeated("web.bearer-token-file",
                "file holding one accepted bearer token, repeatable; re-read when it changes",
                &f.bearer_token_files);
  s.Add("web.telemetry-path", "path of the metrics endpoint (default /metrics)",
        [&f](const std::string& v) {
          if (v.empty() || v[0] != '/' || v.find_first_of("\"<>") != std::string::npos) {
            return Status::Invalid(
                "--web.telemetry-path: must be a path starting with '/', got \"" + v + "\"");
          }
          f.telemetry_path = v;
          return Status::Ok();
        });
  s.AddInt("web.max-connections", "total open connections (default 64)", 1, 100000,
           &f.max_connections);
  s.AddInt("web.max-connections-per-ip", "open connections per client IP (default 8)", 1, 100000,
           &f.max_connections_per_ip);
  s.AddDuration("web.request-head-timeout",
                "total time a client has to send a request head (default 5s)",
                config::ParseDuration, &f.request_head_timeout);
  s.AddDuration("web.idle-timeout", "keep-alive idle timeout between requests (default 2m)",
                config::ParseDuration, &f.idle_timeout);
  s.AddBool("web.enable-lifecycle", "enable POST /-/reload and POST /-/trigger",
            &f.enable_lifecycle);
  s.AddString("log.level", "debug, info, warn or error (default info)", &f.log_level);
  s.AddString("log.format", "logfmt or json (default logfmt)", &f.log_format);
  s.AddInt("scheduler.workers", "worker threads for light probes (default 4)", 1, 64,
           &f.probe_workers);
  s.AddBool("version", "print version information and exit", &f.version);
  s.AddBool("help", "print this help and exit", &f.help);
  return s;
}

}  // namespace

Result<Flags> ParseFlags(const std::vector<std::string>& args) {
  auto flags = FlagSet::ParseInto(Define, args);
  if (flags.ok() && flags->listen_addresses.empty()) flags->listen_addresses.push_back(":10516");
  return flags;
}

std::string FlagsUsage(const std::string& program) { return FlagSet::UsageOf(Define, program); }

}  // namespace hermes::app
