// SignalWaiter: how the mains of hermes-exporter and hermes-target handle process
// signals, synchronously on the main thread instead of in signal handlers.
//
// The constructor blocks SIGTERM and SIGINT (and SIGHUP when asked) in the calling
// thread and ignores SIGPIPE (a peer closing a socket mid-write must cost an error
// value, not the process). Construct it before any thread starts: threads inherit
// the blocked mask, so these signals reach only the thread that waits for them.
// The destructor restores the previous mask.
//
// Thread-safety: one waiter per process, used from the thread that created it.
#pragma once

#include <signal.h>

#include <functional>
#include <string_view>

namespace hermes {

class SignalWaiter {
 public:
  explicit SignalWaiter(bool handle_hangup);
  ~SignalWaiter();
  SignalWaiter(const SignalWaiter&) = delete;
  SignalWaiter& operator=(const SignalWaiter&) = delete;

  // Blocks until SIGTERM or SIGINT arrives and returns its name ("SIGTERM",
  // "SIGINT"). Each SIGHUP received meanwhile calls `on_hangup` (when set).
  std::string_view WaitForShutdown(const std::function<void()>& on_hangup = {});

 private:
  sigset_t signals_;
  sigset_t previous_;
};

}  // namespace hermes
