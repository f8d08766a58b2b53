// Authenticator: bearer tokens and bcrypt basic-auth users for the listener.
//
// Header parsing follows RFC 7235: "<scheme> 1*SP <credentials>", scheme
// case-insensitive, surrounding OWS ignored. No header is kMissing; any other shape
// (unknown scheme, scheme alone, whitespace inside the credentials, bad base64, no
// ':' in basic credentials, a scheme for which nothing is configured) is
// kMalformed; well-formed but wrong credentials are kInvalid. When both token files
// and basic users are configured, either is accepted.
//
// Bearer: token files (--web.bearer-token-file, repeatable) each hold one token
// (surrounding whitespace trimmed). Each file is stat()ed at most once per second
// (by the Clock) during Check() and re-read when its inode/size/mtime/ctime
// changes, so several files may be valid at once during rotation, a rewritten file
// takes effect within a second, and a file that disappears, becomes empty or
// unreadable stops being valid (one warning, without content) while the others
// keep working. The presented token is compared against every valid token in
// constant time (SHA-256 digests of both, CRYPTO_memcmp), so neither the content
// nor the length of a configured token leaks through timing.
//
// Basic: the password is checked with crypt_r() against the user's bcrypt hash
// ($2a$, $2b$, $2y$; like every bcrypt implementation only the first 72 bytes of
// the password count). An unknown user is checked against a dummy hash of the
// highest configured cost, so it costs the same time as a known user. Because a
// bcrypt check costs ~50-100 ms at cost 10 and Prometheus scrapes every ~15 s,
// successful checks are cached for `success_cache_ttl` (at most 256 entries, keyed
// by an HMAC of "user:password" under a per-process random key, so the cache
// holds no password-equivalent that is cheap to brute-force). Failures are never
// cached.
//
// Rate limit: failures (kMalformed, kInvalid; not kMissing, which leaks nothing
// and is what browsers send first) are counted per client IP from the first
// failure in a window. After `max_failures` within `window`, that client gets
// kRateLimited (HTTP 429) until the window since its first failure has passed,
// before any credential is checked. A success does not reset the counter (a
// legitimate scraper behind the same NAT must not unlock guessing for others).
// At most `max_tracked_clients` IPs are tracked; beyond that the oldest entry is
// evicted, so memory stays bounded whatever the number of source addresses.
//
// Secrets never appear in returned messages or logs.
//
// Thread-safety: Check() may be called concurrently. It does small file I/O (a
// stat per file per second, a read when a file changed) and, for basic auth, a
// bcrypt computation, both outside any lock.
#pragma once

#include <chrono>
#include <cstddef>
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
  int max_failures = 10;                                // <= 0 disables rate limiting
  std::chrono::seconds window{60};
  size_t max_tracked_clients = 4096;
  std::chrono::seconds success_cache_ttl{60};  // 0 disables the basic-auth cache
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
