// hermes-target: flags -> routes -> HttpServer -> wait for SIGTERM/SIGINT.
// Exit codes: 0 clean shutdown, 1 bad flags/config, 2 cannot bind.
#include <pthread.h>
#include <signal.h>

#include <iostream>

#include "common/clock.h"
#include "common/flag_set.h"
#include "common/log.h"
#include "common/version.h"
#include "config/parse.h"
#include "config/web_config.h"
#include "server/auth.h"
#include "server/http_server.h"
#include "target/target.h"

namespace {

struct TargetFlags {
  std::vector<std::string> listen_addresses;
  std::string web_config_file;
  std::vector<std::string> bearer_token_files;
  int max_connections = 256;
  int max_connections_per_ip = 64;
  std::string max_bytes = "1GiB";
  std::string log_level = "info";
  std::string log_format = "logfmt";
  bool version = false;
  bool help = false;
  // TEST-ONLY
  std::chrono::milliseconds delay{0};
  bool stall = false;
  std::string reset_after;
  bool short_body = false;
  int status = 0;
  int retry_after = 0;
};

hermes::FlagSet Define(TargetFlags& f) {
  hermes::FlagSet s;
  s.AddRepeated("web.listen-address", "address to listen on, repeatable (default :9517)",
                &f.listen_addresses);
  s.AddString("web.config.file", "exporter-toolkit web config (TLS, basic auth)",
              &f.web_config_file);
  s.AddRepeated("web.bearer-token-file", "accepted bearer token file, repeatable (optional)",
                &f.bearer_token_files);
  s.AddInt("web.max-connections", "total open connections (default 256)", 1, 100000,
           &f.max_connections);
  s.AddInt("web.max-connections-per-ip", "open connections per client IP (default 64)", 1, 100000,
           &f.max_connections_per_ip);
  s.AddString("max-bytes-per-request", "largest __down/__up transfer (default 1GiB)", &f.max_bytes);
  s.AddString("log.level", "debug, info, warn or error (default info)", &f.log_level);
  s.AddString("log.format", "logfmt or json (default logfmt)", &f.log_format);
  s.AddBool("version", "print version information and exit", &f.version);
  s.AddBool("help", "print this help and exit", &f.help);
  s.AddDuration("test.response-delay", "TEST ONLY: delay every __down/__up answer by this duration",
                hermes::config::ParseDuration, &f.delay);
  s.AddBool("test.stall", "TEST ONLY: send __down headers, then never the body", &f.stall);
  s.AddString("test.reset-after-bytes", "TEST ONLY: reset __down connections after N bytes",
              &f.reset_after);
  s.AddBool("test.short-body", "TEST ONLY: declare a longer Content-Length than sent",
            &f.short_body);
  s.AddInt("test.status", "TEST ONLY: answer __down/__up with this HTTP status", 0, 599, &f.status);
  s.AddInt("test.retry-after", "TEST ONLY: Retry-After seconds with --test.status", 0, 86400,
           &f.retry_after);
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  TargetFlags f;
  hermes::FlagSet flags = Define(f);
  if (auto st = flags.Parse(std::vector<std::string>(argv + 1, argv + argc)); !st.ok()) {
    std::cerr << "hermes-target: " << st.message() << "\n";
    return 1;
  }
  if (f.help) {
    std::cout << flags.Usage("hermes-target");
    return 0;
  }
  if (f.version) {
    std::cout << "hermes-target, version " << hermes::kVersion
              << " (revision: " << hermes::kRevision << ")\n";
    return 0;
  }
  if (auto st = hermes::InitLogging(f.log_level, f.log_format); !st.ok()) {
    std::cerr << "hermes-target: " << st.message() << "\n";
    return 1;
  }
  hermes::target::TargetOptions opts;
  auto max_bytes = hermes::config::ParseSize(f.max_bytes);
  if (!max_bytes.ok() || max_bytes.value() == 0) {
    std::cerr << "hermes-target: --max-bytes-per-request: must be a size like 1GiB, got \""
              << f.max_bytes << "\"\n";
    return 1;
  }
  opts.max_bytes_per_request = max_bytes.value();
  opts.faults = {f.delay, f.stall, std::nullopt, f.short_body, f.status, f.retry_after};
  if (!f.reset_after.empty()) {
    auto n = hermes::config::ParseSize(f.reset_after);
    if (!n.ok()) {
      std::cerr << "hermes-target: --test.reset-after-bytes: " << n.status().message() << "\n";
      return 1;
    }
    opts.faults.reset_after_bytes = n.value();
  }

  hermes::server::ServerOptions server_opts;
  server_opts.listen_addresses = f.listen_addresses;
  if (server_opts.listen_addresses.empty()) server_opts.listen_addresses.push_back(":9517");
  if (!f.web_config_file.empty()) {
    auto web = hermes::config::LoadWebConfigFile(f.web_config_file);
    if (!web.ok()) {
      std::cerr << "hermes-target: " << web.status().message() << "\n";
      return 1;
    }
    server_opts.web = std::move(web).value();
  }
  server_opts.limits.max_connections = f.max_connections;
  server_opts.limits.max_connections_per_ip = f.max_connections_per_ip;
  server_opts.io_threads = 2;

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  hermes::SystemClock clock;
  hermes::server::AuthOptions auth_opts;
  auth_opts.bearer_token_files = f.bearer_token_files;
  auth_opts.basic_auth_users = server_opts.web.basic_auth_users;
  auto auth = hermes::server::Authenticator::Create(auth_opts, clock);
  if (!auth.ok()) {
    std::cerr << "hermes-target: " << auth.status().message() << "\n";
    return 1;
  }
  hermes::server::HttpServer server(std::move(server_opts), hermes::target::TargetRoutes(opts),
                                    auth.value().get(), nullptr);
  if (auto st = server.Start(); !st.ok()) {
    hermes::LogError("cannot start", {{"err", st}});
    return 2;
  }
  server.Run();
  for (uint16_t port : server.BoundPorts()) hermes::LogInfo("listening", {{"port", port}});
  if (f.delay.count() || f.stall || opts.faults.reset_after_bytes || f.short_body || f.status) {
    hermes::LogWarn(
        "TEST-ONLY fault injection is enabled; do not use this target for real "
        "measurements");
  }
  int sig = 0;
  sigwait(&signals, &sig);
  server.Stop();
  return 0;
}
