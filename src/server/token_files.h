// TokenFileSet: the bearer tokens of --web.bearer-token-file (repeatable), kept up
// to date while the files rotate.
//
// Each file holds one token (surrounding whitespace trimmed; no whitespace or
// control character inside; at most 64 KiB). Load() requires every file to be
// valid. Afterwards each file is stat()ed at most once per second (by the Clock)
// during Matches() and re-read when its inode/size/mtime/ctime changes, so several
// files may be valid at once during rotation, a rewritten file takes effect within
// a second, and a file that disappears, becomes empty or unreadable stops being
// valid (one warning naming the file, never its content) while the others keep
// working; it becomes valid again once fixed (one info line).
//
// Only SHA-256 digests of the tokens are kept. Matches() compares the digest of the
// presented token with every valid digest in constant time (CRYPTO_memcmp, no early
// exit), so neither the content nor the length of a configured token leaks through
// timing.
//
// Thread-safety: Matches() may be called concurrently. The file I/O it does (a stat
// per file per second, a read when a file changed) runs outside the internal mutex;
// refresh tickets make sure a slow refresh that started earlier cannot overwrite
// the result of a later one. The Clock passed to Load() must outlive the set.
//
// Also declares the small token-syntax helpers that auth.cc shares.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/mutex.h"
#include "common/status.h"

namespace hermes::server {

using Digest = std::array<unsigned char, 32>;

Digest Sha256(std::string_view s);
// Trims SP, HTAB, CR, LF, VT and FF from both ends.
std::string_view TrimSpace(std::string_view s);
// True for any byte <= 0x20 or DEL: not allowed inside a token or credentials.
bool IsCtlOrSpace(char c);

class TokenFileSet {
 public:
  // Reads every file in `paths` (an empty list gives an empty set). Fails on the
  // first file that cannot be read, is empty, too large or holds more than one
  // token; the message names the file, never its content.
  [[nodiscard]] static Result<std::unique_ptr<TokenFileSet>> Load(
      const std::vector<std::string>& paths, Clock& clock);
  ~TokenFileSet();

  TokenFileSet(const TokenFileSet&) = delete;
  TokenFileSet& operator=(const TokenFileSet&) = delete;

  bool empty() const;

  // True when `token` equals the token of a currently valid file. Refreshes the
  // files whose stat interval has passed first.
  bool Matches(std::string_view token) HERMES_EXCLUDES(mu_);

 private:
  struct File;
  TokenFileSet(Clock& clock, std::vector<File> files);
  void MaybeRefresh(size_t i) HERMES_EXCLUDES(mu_);

  Clock& clock_;
  const size_t count_;  // files_.size(), fixed at construction
  Mutex mu_;
  std::vector<File> files_ HERMES_GUARDED_BY(mu_);
};

}  // namespace hermes::server
