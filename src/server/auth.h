// Authenticator: bearer tokens and bcrypt basic-auth users for the listener.
//
// Token files (--web.bearer-token-file, repeatable) each hold one token (surrounding
// whitespace trimmed); they are re-read when their mtime/size changes, so several
// files may be valid at once during rotation and a removed file stops being valid.
// Tokens compare in constant time. Repeated failures from one client IP are
// rate-limited: after `max_failures` within `window`, that client gets kRateLimited
// (HTTP 429) until the window has passed, before any credential is checked.
// Secrets never appear in returned messages or logs.
//
// Thread-safety: Check() may be called concurrently.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace hermes::server {

enum class AuthFailure { kMissing, kMalformed, kInvalid };
const char* AuthFailureName(AuthFailure f);

enum class AuthDecision { kOk, kMissing, kMalformed, kInvalid, kRateLimited };

struct AuthOptions {
  std::vector<std::string> bearer_token_files;
  std::map<std::string, std::string> basic_auth_users;  // user -> bcrypt hash
  int max_failures = 10;
  std::chrono::seconds window{60};
};

class Authenticator {
 public:
  // Fails when a token file cannot be read or is empty, or a hash is not bcrypt.
  static Result<std::unique_ptr<Authenticator>> Create(AuthOptions options, Clock& clock);
  virtual ~Authenticator() = default;

  // True when any token file or user is configured.
  virtual bool Enabled() const = 0;
  // `authorization` is the Authorization header value ("" when absent).
  virtual AuthDecision Check(std::string_view authorization, std::string_view client_ip) = 0;
};

}  // namespace hermes::server
