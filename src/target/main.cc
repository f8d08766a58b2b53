// hermes-target: flags -> Target -> signals. Nothing else lives here.
//
// Exit codes: 0 clean shutdown, 1 bad flags/config, 2 runtime failure (cannot bind).
#include <iostream>

#include "common/clock.h"
#include "common/log.h"
#include "common/signals.h"
#include "common/version.h"
#include "target/flags.h"
#include "target/target.h"

int main(int argc, char** argv) {
  auto flags = hermes::target::ParseFlags(std::vector<std::string>(argv + 1, argv + argc));
  if (!flags.ok()) {
    std::cerr << "hermes-target: " << flags.status().message() << "\n";
    return 1;
  }
  if (flags->help) {
    std::cout << hermes::target::FlagsUsage("hermes-target");
    return 0;
  }
  if (flags->version) {
    std::cout << "hermes-target, version " << hermes::kVersion
              << " (revision: " << hermes::kRevision << ")\n";
    return 0;
  }
  if (auto st = hermes::InitLogging(flags->log_level, flags->log_format); !st.ok()) {
    std::cerr << "hermes-target: " << st.message() << "\n";
    return 1;
  }

  // Before any thread starts: every thread inherits the blocked mask.
  hermes::SignalWaiter signals(/*handle_hangup=*/false);
  hermes::SystemClock clock;
  auto target = hermes::target::Target::Create(flags.value(), clock);
  if (!target.ok()) {
    std::cerr << "hermes-target: " << target.status().message() << "\n";
    return 1;
  }
  if (auto st = target.value()->Start(); !st.ok()) {
    hermes::LogError("cannot start", {{"err", st}});
    return 2;
  }
  hermes::LogInfo("shutting down", {{"signal", signals.WaitForShutdown()}});
  target.value()->Stop();
  return 0;
}
