// Target: hermes-target's long-lived objects, wired from its flags: the
// Authenticator (bearer tokens, basic auth), the HTTP(S) listener serving the
// speed-test routes (target/routes.h) and, with --stamp.listen-address, the STAMP
// session-reflector (target/stamp_reflector.h). main() only parses flags, creates a Target,
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
// its own threads ("hermes-http-N"), the reflector on "hermes-stamp".
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "server/auth.h"
#include "server/http_server.h"
#include "target/flags.h"
#include "target/stamp_reflector.h"

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
  // The STAMP reflector's bound port, or 0 when it is off.
  uint16_t StampPort() const { return stamp_ ? stamp_->port() : 0; }

 private:
  explicit Target(const Flags& flags) : flags_(flags) {}

  const Flags flags_;
  std::unique_ptr<server::Authenticator> auth_;
  std::unique_ptr<server::HttpServer> http_;
  std::unique_ptr<StampReflector> stamp_;  // null: --stamp.listen-address not given
};

}  // namespace hermes::target
