// hermes-exporter: flags -> config -> Exporter -> signals. Nothing else lives here.
//
// Exit codes: 0 clean shutdown (or valid --config.check), 1 bad flags/config,
// 2 runtime failure (cannot bind, cannot start).
#include <cstdio>
#include <iostream>

#include "app/exporter.h"
#include "app/flags.h"
#include "app/loader.h"
#include "common/log.h"
#include "common/memory.h"
#include "common/signals.h"
#include "common/version.h"
#include "net/curl_easy.h"

namespace {

int CheckConfig(const hermes::app::Flags& flags) {
  auto cfg = hermes::app::LoadProbeConfig(flags.config_file);
  if (!cfg.ok()) {
    std::cerr << cfg.status().message() << "\n";
    return 1;
  }
  if (auto st = hermes::app::CheckProbers(*cfg.value()); !st.ok()) {
    std::cerr << flags.config_file << ": " << st.message() << "\n";
    return 1;
  }
  auto web = hermes::app::LoadWebConfig(flags);
  if (!web.ok()) {
    std::cerr << web.status().message() << "\n";
    return 1;
  }
  if (auto st = hermes::app::CheckServerMaterial(flags, web.value()); !st.ok()) {
    std::cerr << st.message() << "\n";
    return 1;
  }
  for (const auto& w : web->warnings) std::cerr << web->path << ": warning: " << w << "\n";
  std::cout << flags.config_file << ": OK (" << cfg.value()->probes.size() << " probes)\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Before any thread exists: two arenas for two io threads; the probe threads
  // mostly wait on the network (see common/memory.h).
  hermes::CapMallocArenas(2);
  auto flags = hermes::app::ParseFlags(std::vector<std::string>(argv + 1, argv + argc));
  if (!flags.ok()) {
    std::cerr << "hermes-exporter: " << flags.status().message() << "\n";
    return 1;
  }
  if (flags->help) {
    std::cout << hermes::app::FlagsUsage("hermes-exporter");
    return 0;
  }
  if (flags->version) {
    std::cout << "hermes-exporter, version " << hermes::kVersion
              << " (revision: " << hermes::kRevision << ")\n  build date: " << hermes::kBuildDate
              << "\n  compiler: " << hermes::kCompiler << "\n";
    return 0;
  }
  if (auto st = hermes::InitLogging(flags->log_level, flags->log_format); !st.ok()) {
    std::cerr << "hermes-exporter: " << st.message() << "\n";
    return 1;
  }
  if (flags->config_check) return CheckConfig(flags.value());

  // Signals are handled synchronously on this thread; every thread started
  // below inherits the blocked mask.
  hermes::SignalWaiter signals(/*handle_hangup=*/true);
  if (auto st = hermes::net::CurlGlobalInit(); !st.ok()) {
    hermes::LogError("cannot initialise libcurl", {{"err", st}});
    return 2;
  }

  hermes::SystemClock clock;
  auto exporter = hermes::app::Exporter::Create(flags.value(), clock);
  if (!exporter.ok()) {
    hermes::LogError("cannot load configuration", {{"err", exporter.status().message()}});
    return 1;
  }
  if (auto st = exporter.value()->Start(); !st.ok()) {
    hermes::LogError("cannot start", {{"err", st.message()}});
    return 2;
  }
  const std::string_view sig = signals.WaitForShutdown([&] {
    (void)exporter.value()->Reload();  // logged and counted by Reload()
  });
  hermes::LogInfo("shutting down", {{"signal", sig}});
  exporter.value()->Stop();
  return 0;
}
