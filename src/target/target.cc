#include "target/target.h"

#include "common/log.h"
#include "common/version.h"
#include "config/web_config.h"

namespace hermes::target {

Result<std::unique_ptr<Target>> Target::Create(const Flags& flags, Clock& clock) {
  std::unique_ptr<Target> t(new Target(flags));
  server::ServerOptions opts;
  opts.listen_addresses = flags.listen_addresses;
  if (!flags.web_config_file.empty()) {
    auto web = config::LoadWebConfigFile(flags.web_config_file);
    if (!web.ok()) return web.status();
    opts.web = std::move(web).value();
  }
  opts.limits.max_connections = flags.max_connections;
  opts.limits.max_connections_per_ip = flags.max_connections_per_ip;
  opts.io_threads = 2;
  // HTTP/2 (ALPN h2) for RPM clients; only over TLS, where ALPN exists.
  opts.http2.enabled = opts.web.tls_enabled;

  server::AuthOptions auth_opts;
  auth_opts.bearer_token_files = flags.bearer_token_files;
  auth_opts.basic_auth_users = opts.web.basic_auth_users;
  auto auth = server::Authenticator::Create(auth_opts, clock);
  if (!auth.ok()) return auth.status();
  t->auth_ = std::move(auth).value();

  RouteOptions routes{flags.max_bytes_per_request, flags.rpm, flags.faults, flags.cors_origin};
  t->http_ = std::make_unique<server::HttpServer>(std::move(opts), TargetRoutes(routes),
                                                  t->auth_.get(), nullptr);
  if (!flags.stamp.listen_address.empty()) {
    auto stamp = StampReflector::Create(flags.stamp, clock);
    if (!stamp.ok()) return stamp.status().WithContext("--stamp.listen-address");
    t->stamp_ = std::move(stamp).value();
  }
  return t;
}

Target::~Target() { Stop(); }

Status Target::Start() {
  HERMES_RETURN_IF_ERROR(http_->Start());
  http_->Run();
  const auto ports = http_->BoundPorts();
  for (size_t i = 0; i < ports.size(); ++i) {
    LogInfo("listening", {{"address", flags_.listen_addresses[i]}, {"port", ports[i]}});
  }
  if (stamp_) {
    HERMES_RETURN_IF_ERROR(stamp_->Start());
    LogInfo("STAMP reflector listening",
            {{"address", flags_.stamp.listen_address},
             {"port", stamp_->port()},
             {"mode", flags_.stamp.limits.stateless ? "stateless" : "stateful"}});
  }
  const TestFaults& f = flags_.faults;
  if (f.response_delay.count() || f.stall || f.reset_after_bytes || f.short_body || f.status) {
    LogWarn(
        "TEST-ONLY fault injection is enabled; do not use this target for real "
        "measurements");
  }
  LogInfo("started", {{"version", kVersion}});
  return Status::Ok();
}

void Target::Stop() {
  if (stamp_) stamp_->Stop();
  if (http_) http_->Stop();
}

}  // namespace hermes::target
