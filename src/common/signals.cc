#include "common/signals.h"

#include <pthread.h>

namespace hermes {

SignalWaiter::SignalWaiter(bool handle_hangup) {
  sigemptyset(&signals_);
  sigaddset(&signals_, SIGTERM);
  sigaddset(&signals_, SIGINT);
  if (handle_hangup) sigaddset(&signals_, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals_, &previous_);
  signal(SIGPIPE, SIG_IGN);
}

SignalWaiter::~SignalWaiter() { pthread_sigmask(SIG_SETMASK, &previous_, nullptr); }

std::string_view SignalWaiter::WaitForShutdown(const std::function<void()>& on_hangup) {
  for (;;) {
    int sig = 0;
    if (sigwait(&signals_, &sig) != 0) continue;
    if (sig == SIGHUP) {
      if (on_hangup) on_hangup();
      continue;
    }
    return sig == SIGTERM ? "SIGTERM" : "SIGINT";
  }
}

}  // namespace hermes
