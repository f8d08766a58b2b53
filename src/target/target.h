// Target: hermes-target's long-lived objects, wired from its flags: the
// Authenticator (bearer tokens, basic auth) and the HTTP(S) listener serving the
// speed-test routes (target/routes.h). main() only parses flags, creates a Target,
// starts it and waits for a signal, as hermes-exporter's main does with
// app::Exporter.
//
// Each component follows the same three steps: Create() builds it from the flags
// (errors: bad flags or config, exit code 1), Start() binds and starts it (errors:
// exit code 2) and Stop() stops the components in reverse order. A new component
// with its own flag, socket and thread is one member and one step in each of the
// three.
//
// Thread-safety: Start() and Stop() from the owning thread; the listener runs on
// its own threads ("hermes-http-N").
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "server/auth.h"
#include "server/http_server.h"
#include "target/flags.h"

namespace hermes::target {

class Target {
 public:
  // Loads the web config and token files. `clock` must outlive the target.
  static Result<std::unique_ptr<Target>> Create(const Flags& flags, Clock& clock);
  ~Target();

  // Binds the listeners (Unavailable on failure) and starts serving.
  Status Start();
  // Closes listeners and connections, joins threads. Idempotent.
  void Stop();

  // Ports the HTTP listener bound, in --web.listen-address order (useful with port 0).
  std::vector<uint16_t> HttpPorts() const { return http_->BoundPorts(); }

 private:
  explicit Target(const Flags& flags) : flags_(flags) {}

  const Flags flags_;
  std::unique_ptr<server::Authenticator> auth_;
  std::unique_ptr<server::HttpServer> http_;
};

}  // namespace hermes::target
