// Authenticator: bearer tokens and bcrypt basic-auth users for the listener.
//
// Header parsing follows RFC 7235: "<scheme> 1*SP <credentials>", scheme
// case-insensitive, surrounding OWS ignored. No header is kMissing; any other shape
// (unknown scheme, scheme alone, whitespace inside the credentials, bad base64, no
// ':' in basic credentials, a scheme for which nothing is configured) is
// kMalformed; well-formed but wrong credentials are kInvalid. When both token files
// and basic users are configured, either is accepted.
//
// Bearer: token files (--web.bearer-token-file, repeatable) each hold one token;
// they are re-read when they change and compared in constant time, see
// TokenFileSet (token_files.h).
//
// Basic: the password is checked with crypt_r() against the user's bcrypt hash
// ($2a$, $2b$, $2y$; like every bcrypt implementation only the first 72 bytes of
// the password count). An unknown user is checked against a dummy bcrypt setting of
// the highest configured cost, so it costs the same time as a known user; nothing is
// computed at Create(), whatever the costs. Because a
// bcrypt check costs ~50-100 ms at cost 10 and Prometheus scrapes every ~15 s,
// successful checks are cached for `success_cache_ttl` (at most 256 entries, keyed
// by an HMAC of "user:password" under a per-process random key, so the cache
// holds no password-equivalent that is cheap to brute-force). Failures are never
// cached.
//
// Rate limit: failures (kMalformed, kInvalid; not kMissing, which leaks nothing
// and is what browsers send first) are counted per client IP from the first
// failure in a window (FailureLimiter, failure_limiter.h). After `max_failures`
// within `window`, that client is limited until the window since its first failure
// has passed. A success does not reset the counter (a legitimate scraper behind the
// same NAT must not unlock guessing for others). At most `max_tracked_clients` IPs
// are tracked; beyond that the oldest entry is evicted.
//
// While an IP is limited its requests are still evaluated, but only as far as that
// is cheap, so one misconfigured client (say a Prometheus job with a stale token)
// does not lock out a correct one behind the same address:
//   - a valid bearer token (a digest compare) is kOk;
//   - a basic credential found, unexpired, in the success cache is kOk;
//   - everything else is kRateLimited (HTTP 429): a wrong or malformed credential,
//     a missing header, and any basic credential that would need a bcrypt check,
//     which is not run, so a bcrypt flood from a limited IP costs no bcrypt CPU.
// Failures while limited still count (kMalformed, kInvalid, and an unchecked basic
// credential; not kMissing); as the window runs from the first failure, this does
// not prolong the limit. A correct basic credential that is not (or no longer)
// cached is refused until the limit ends. (Before this rule, a limited IP got
// kRateLimited before any credential was looked at.)
//
// Secrets never appear in returned messages or logs.
//
// Thread-safety: Check() may be called concurrently. It does small file I/O (a
// stat per file per second, a read when a file changed) and, for basic auth, a
// bcrypt computation, both outside any lock.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/listener_events.h"
#include "common/status.h"

namespace hermes::server {

enum class AuthDecision { kOk, kMissing, kMalformed, kInvalid, kRateLimited };

struct AuthOptions {
  std::vector<std::string> bearer_token_files;
  std::map<std::string, std::string> basic_auth_users;  // user -> bcrypt hash
  int max_failures = 10;                                // <= 0 disables rate limiting
  std::chrono::seconds window{60};
  size_t max_tracked_clients = 4096;
  std::chrono::seconds success_cache_ttl{60};  // 0 disables the basic-auth cache

  // TEST ONLY: when set, replaces the bcrypt verification of a basic-auth password
  // (crypt_r against `hash`), so tests can see whether bcrypt ran. Never set it in
  // production code.
  std::function<bool(const char* password, const std::string& hash)> bcrypt_verify_for_test;
};

class Authenticator {
 public:
  // Fails when a token file cannot be read, is empty or holds whitespace inside the
  // token, or a hash is not bcrypt. Messages name the file or user, never a secret.
  // `clock` must outlive the Authenticator.
  static Result<std::unique_ptr<Authenticator>> Create(AuthOptions options, Clock& clock);
  virtual ~Authenticator() = default;

  // True when any token file or user is configured.
  virtual bool Enabled() const = 0;
  // `authorization` is the Authorization header value ("" when absent). Always
  // kOk when !Enabled().
  virtual AuthDecision Check(std::string_view authorization, std::string_view client_ip) = 0;
};

}  // namespace hermes::server
