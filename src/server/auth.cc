#include "server/auth.h"

#include <crypt.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <list>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "common/log.h"

namespace hermes::server {

const char* AuthFailureName(AuthFailure f) {
  switch (f) {
    case AuthFailure::kMissing:
      return "missing";
    case AuthFailure::kMalformed:
      return "malformed";
    case AuthFailure::kInvalid:
      return "invalid";
  }
  return "invalid";
}

namespace {

using Digest = std::array<unsigned char, 32>;

constexpr size_t kMaxTokenFileBytes = 64 * 1024;
constexpr size_t kSuccessCacheEntries = 256;
constexpr auto kStatInterval = std::chrono::seconds(1);

Digest Sha256(std::string_view s) {
  Digest d{};
  unsigned int len = 0;
  EVP_Digest(s.data(), s.size(), d.data(), &len, EVP_sha256(), nullptr);
  return d;
}

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}
bool IsCtlOrSpace(char c) { return static_cast<unsigned char>(c) <= ' ' || c == 0x7f; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x >= 'A' && x <= 'Z' ? x - 'A' + 'a' : x) ==
                  (y >= 'A' && y <= 'Z' ? y - 'A' + 'a' : y);
         });
}

// "$2a$", "$2b$" or "$2y$", a two-digit cost 04-31, '$', 53 characters of bcrypt's
// base64 (22 salt + 31 hash). Returns the cost, or nullopt.
std::optional<int> BcryptCost(std::string_view h) {
  if (h.size() != 60 || h[0] != '$' || h[1] != '2' || h[3] != '$' || h[6] != '$') {
    return std::nullopt;
  }
  if (h[2] != 'a' && h[2] != 'b' && h[2] != 'y') return std::nullopt;
  if (h[4] < '0' || h[4] > '9' || h[5] < '0' || h[5] > '9') return std::nullopt;
  int cost = (h[4] - '0') * 10 + (h[5] - '0');
  if (cost < 4 || cost > 31) return std::nullopt;
  for (char c : h.substr(7)) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '/';
    if (!ok) return std::nullopt;
  }
  return cost;
}

// Strict RFC 4648 base64 with padding; nullopt on anything else.
std::optional<std::string> DecodeBase64(std::string_view in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  if (in.empty() || in.size() % 4 != 0) return std::nullopt;
  size_t pad = in.ends_with("==") ? 2 : in.ends_with("=") ? 1 : 0;
  std::string out;
  out.reserve(in.size() / 4 * 3);
  for (size_t i = 0; i < in.size(); i += 4) {
    bool last = i + 4 == in.size();
    uint32_t acc = 0;
    for (size_t k = 0; k < 4; ++k) {
      int v = (last && k >= 4 - pad) ? 0 : value(in[i + k]);
      if (v < 0) return std::nullopt;
      acc = (acc << 6) | static_cast<uint32_t>(v);
    }
    size_t n = last ? 3 - pad : 3;
    for (size_t k = 0; k < n; ++k) out += static_cast<char>((acc >> (16 - 8 * k)) & 0xff);
  }
  return out;
}

struct FileIdentity {
  dev_t dev = 0;
  ino_t ino = 0;
  off_t size = -1;
  int64_t mtime_ns = 0;
  int64_t ctime_ns = 0;
  bool operator==(const FileIdentity&) const = default;
};

FileIdentity IdentityOf(const struct stat& st) {
  return {st.st_dev, st.st_ino, st.st_size,
          int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec,
          int64_t{st.st_ctim.tv_sec} * 1'000'000'000 + st.st_ctim.tv_nsec};
}

std::string Errno(int err) { return std::strerror(err); }

struct TokenRead {
  Digest digest{};
  FileIdentity id;
};

// Reads one token file. Error messages name the file, never its content.
Result<TokenRead> ReadTokenFile(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Status::Unavailable("cannot read bearer token file " + path + ": " + Errno(errno));
  }
  TokenRead r;
  std::string content;
  struct stat st {};
  Status err;
  if (fstat(fd, &st) != 0) {
    err = Status::Unavailable("cannot stat bearer token file " + path + ": " + Errno(errno));
  } else {
    r.id = IdentityOf(st);
    char buf[4096];
    while (content.size() <= kMaxTokenFileBytes) {
      ssize_t n = read(fd, buf, sizeof(buf));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        err = Status::Unavailable("cannot read bearer token file " + path + ": " + Errno(errno));
      }
      if (n <= 0) break;
      content.append(buf, static_cast<size_t>(n));
    }
  }
  close(fd);
  if (err.ok()) {
    std::string_view token = Trim(content);
    if (content.size() > kMaxTokenFileBytes) {
      err = Status::Invalid("bearer token file " + path + " is larger than 64 KiB");
    } else if (token.empty()) {
      err = Status::Invalid("bearer token file " + path + " is empty");
    } else if (std::any_of(token.begin(), token.end(), IsCtlOrSpace)) {
      err = Status::Invalid("bearer token file " + path +
                            " holds whitespace or control characters inside the token; "
                            "it must contain exactly one token");
    } else {
      r.digest = Sha256(token);
    }
  }
  OPENSSL_cleanse(content.data(), content.size());
  if (!err.ok()) return err;
  return r;
}

// Per-IP failure counters, oldest first failure at the front.
class FailureLimiter {
 public:
  FailureLimiter(int max_failures, Duration window, size_t capacity)
      : max_failures_(max_failures), window_(window), capacity_(std::max<size_t>(capacity, 1)) {}

  bool Limited(const std::string& ip, SteadyTime now) {
    if (max_failures_ <= 0) return false;
    Expire(now);
    auto it = by_ip_.find(ip);
    return it != by_ip_.end() && it->second->count >= max_failures_;
  }

  void RecordFailure(const std::string& ip, SteadyTime now) {
    if (max_failures_ <= 0) return;
    Expire(now);
    if (auto it = by_ip_.find(ip); it != by_ip_.end()) {
      ++it->second->count;
      return;
    }
    if (order_.size() >= capacity_) {
      by_ip_.erase(order_.front().ip);
      order_.pop_front();
    }
    order_.push_back({ip, now, 1});
    by_ip_.emplace(ip, std::prev(order_.end()));
  }

 private:
  struct Entry {
    std::string ip;
    SteadyTime first;
    int count;
  };
  // Entries are appended with the current time, so the list is sorted by `first`.
  void Expire(SteadyTime now) {
    while (!order_.empty() && now - order_.front().first >= window_) {
      by_ip_.erase(order_.front().ip);
      order_.pop_front();
    }
  }

  const int max_failures_;
  const Duration window_;
  const size_t capacity_;
  std::list<Entry> order_;
  std::unordered_map<std::string, std::list<Entry>::iterator> by_ip_;
};

struct TokenFile {
  std::string path;
  std::optional<Digest> digest;  // nullopt: not currently valid
  std::optional<FileIdentity> id;
  SteadyTime next_stat;
  uint64_t claimed = 0;  // refresh tickets, so a slow stale refresh cannot win
  uint64_t applied = 0;
  bool warned = false;
};

class AuthenticatorImpl final : public Authenticator {
 public:
  AuthenticatorImpl(AuthOptions options, Clock& clock, std::vector<TokenFile> files,
                    std::string dummy_hash, std::array<unsigned char, 32> cache_key)
      : options_(std::move(options)),
        clock_(clock),
        dummy_hash_(std::move(dummy_hash)),
        cache_key_(cache_key),
        files_(std::move(files)),
        limiter_(options_.max_failures, options_.window, options_.max_tracked_clients) {}

  bool Enabled() const override {
    return !options_.bearer_token_files.empty() || !options_.basic_auth_users.empty();
  }

  AuthDecision Check(std::string_view authorization, std::string_view client_ip) override {
    if (!Enabled()) return AuthDecision::kOk;
    const std::string ip(client_ip);
    {
      std::lock_guard<std::mutex> l(mu_);
      if (limiter_.Limited(ip, clock_.SteadyNow())) return AuthDecision::kRateLimited;
    }
    AuthDecision d = Evaluate(authorization);
    if (d == AuthDecision::kMalformed || d == AuthDecision::kInvalid) {
      std::lock_guard<std::mutex> l(mu_);
      limiter_.RecordFailure(ip, clock_.SteadyNow());
    }
    return d;
  }

 private:
  AuthDecision Evaluate(std::string_view header) {
    header = Trim(header);
    if (header.empty()) return AuthDecision::kMissing;
    size_t sp = header.find(' ');
    if (sp == std::string_view::npos) return AuthDecision::kMalformed;
    std::string_view scheme = header.substr(0, sp);
    std::string_view credentials = header.substr(sp);
    while (!credentials.empty() && credentials.front() == ' ') credentials.remove_prefix(1);
    if (credentials.empty() || std::any_of(credentials.begin(), credentials.end(), IsCtlOrSpace)) {
      return AuthDecision::kMalformed;
    }
    if (EqualsIgnoreCase(scheme, "Bearer") && !files_.empty()) return CheckBearer(credentials);
    if (EqualsIgnoreCase(scheme, "Basic") && !options_.basic_auth_users.empty()) {
      return CheckBasic(credentials);
    }
    return AuthDecision::kMalformed;
  }

  AuthDecision CheckBearer(std::string_view token) {
    for (size_t i = 0; i < files_.size(); ++i) MaybeRefresh(i);
    const Digest presented = Sha256(token);
    int match = 0;
    std::lock_guard<std::mutex> l(mu_);
    for (const TokenFile& f : files_) {
      if (!f.digest) continue;
      match |= static_cast<int>(
          CRYPTO_memcmp(presented.data(), f.digest->data(), presented.size()) == 0);
    }
    return match ? AuthDecision::kOk : AuthDecision::kInvalid;
  }

  // Stats file `i` if its second has passed; re-reads it when it changed. The
  // I/O runs without the lock; the ticket orders concurrent refreshes.
  void MaybeRefresh(size_t i) {
    const SteadyTime now = clock_.SteadyNow();
    std::string path;
    std::optional<FileIdentity> known;
    uint64_t ticket;
    {
      std::lock_guard<std::mutex> l(mu_);
      TokenFile& f = files_[i];
      if (now < f.next_stat) return;
      f.next_stat = now + kStatInterval;
      ticket = ++f.claimed;
      path = f.path;
      known = f.id;
    }
    struct stat st {};
    Status err;
    std::optional<TokenRead> read;
    if (stat(path.c_str(), &st) != 0) {
      err = Status::Unavailable("cannot stat bearer token file " + path + ": " + Errno(errno));
    } else if (known && *known == IdentityOf(st)) {
      return;  // unchanged
    } else if (Result<TokenRead> r = ReadTokenFile(path); r.ok()) {
      read = *r;
    } else {
      err = r.status();
    }
    bool log_warning = false, log_recovered = false;
    {
      std::lock_guard<std::mutex> l(mu_);
      TokenFile& f = files_[i];
      if (ticket <= f.applied) return;
      f.applied = ticket;
      if (read) {
        f.digest = read->digest;
        f.id = read->id;
        log_recovered = f.warned;
        f.warned = false;
      } else {
        f.digest.reset();
        // Remember a bad file's identity so it is not re-read (and re-logged) every
        // second; a missing file has none and is retried by stat alone.
        f.id = err.code() == StatusCode::kInvalidArgument ? std::optional(IdentityOf(st))
                                                          : std::nullopt;
        log_warning = !f.warned;
        f.warned = true;
      }
    }
    if (log_warning) {
      LogWarn("bearer token file is no longer usable; its token is rejected until it is fixed",
              {{"file", path}, {"err", err}});
    } else if (log_recovered) {
      LogInfo("bearer token file is usable again", {{"file", path}});
    }
  }

  AuthDecision CheckBasic(std::string_view encoded) {
    std::optional<std::string> decoded = DecodeBase64(encoded);
    if (!decoded) return AuthDecision::kMalformed;
    size_t colon = decoded->find(':');
    if (colon == std::string::npos || decoded->find('\0') != std::string::npos) {
      OPENSSL_cleanse(decoded->data(), decoded->size());
      return AuthDecision::kMalformed;
    }
    const std::string user = decoded->substr(0, colon);
    auto it = options_.basic_auth_users.find(user);
    const bool known = it != options_.basic_auth_users.end();
    const Digest key = CacheKey(*decoded);
    const SteadyTime now = clock_.SteadyNow();
    if (known) {
      std::lock_guard<std::mutex> l(mu_);
      auto hit = success_cache_.find(key);
      if (hit != success_cache_.end() && now < hit->second) return AuthDecision::kOk;
    }
    const std::string& hash = known ? it->second : dummy_hash_;
    bool ok = VerifyBcrypt(decoded->c_str() + colon + 1, hash) && known;
    OPENSSL_cleanse(decoded->data(), decoded->size());
    if (!ok) return AuthDecision::kInvalid;
    if (options_.success_cache_ttl.count() > 0) {
      std::lock_guard<std::mutex> l(mu_);
      if (success_cache_.size() >= kSuccessCacheEntries) EvictFromCache(now);
      success_cache_[key] = now + options_.success_cache_ttl;
    }
    return AuthDecision::kOk;
  }

  static bool VerifyBcrypt(const char* password, const std::string& hash) {
    auto data = std::make_unique<crypt_data>();  // ~32 KiB; zeroed as crypt_r requires
    const char* out = crypt_r(password, hash.c_str(), data.get());
    bool ok = out != nullptr && std::strlen(out) == hash.size() &&
              CRYPTO_memcmp(out, hash.data(), hash.size()) == 0;
    OPENSSL_cleanse(data.get(), sizeof(crypt_data));
    return ok;
  }

  Digest CacheKey(std::string_view user_pass) const {
    Digest d{};
    unsigned int len = 0;
    HMAC(EVP_sha256(), cache_key_.data(), static_cast<int>(cache_key_.size()),
         reinterpret_cast<const unsigned char*>(user_pass.data()), user_pass.size(), d.data(),
         &len);
    return d;
  }

  // Drops expired entries, or the one closest to expiry when none has expired.
  void EvictFromCache(SteadyTime now) {
    std::erase_if(success_cache_, [now](const auto& e) { return e.second <= now; });
    if (success_cache_.size() < kSuccessCacheEntries) return;
    auto oldest =
        std::min_element(success_cache_.begin(), success_cache_.end(),
                         [](const auto& a, const auto& b) { return a.second < b.second; });
    success_cache_.erase(oldest);
  }

  const AuthOptions options_;
  Clock& clock_;
  const std::string dummy_hash_;
  const std::array<unsigned char, 32> cache_key_;

  std::mutex mu_;
  std::vector<TokenFile> files_;                // guarded by mu_ (the vector itself is fixed)
  FailureLimiter limiter_;                      // guarded by mu_
  std::map<Digest, SteadyTime> success_cache_;  // guarded by mu_; value: expiry
};

// A bcrypt hash of a random password at `cost`, for unknown users.
Result<std::string> MakeDummyHash(int cost) {
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  if (crypt_gensalt_rn("$2b$", static_cast<unsigned long>(cost), nullptr, 0, setting,
                       sizeof(setting)) == nullptr) {
    return Status::Internal("cannot generate a bcrypt salt: " + Errno(errno));
  }
  std::array<unsigned char, 16> random{};
  if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) {
    return Status::Internal("cannot get random bytes for the dummy bcrypt hash");
  }
  std::string password;
  for (unsigned char b : random) password += static_cast<char>('a' + b % 26);
  auto data = std::make_unique<crypt_data>();
  const char* out = crypt_r(password.c_str(), setting, data.get());
  if (out == nullptr || out[0] == '*') {
    return Status::Internal("cannot compute a dummy bcrypt hash");
  }
  return std::string(out);
}

}  // namespace

Result<std::unique_ptr<Authenticator>> Authenticator::Create(AuthOptions options, Clock& clock) {
  std::vector<TokenFile> files;
  const SteadyTime now = clock.SteadyNow();
  for (const std::string& path : options.bearer_token_files) {
    Result<TokenRead> r = ReadTokenFile(path);
    if (!r.ok()) return r.status();
    TokenFile f;
    f.path = path;
    f.digest = r->digest;
    f.id = r->id;
    f.next_stat = now + kStatInterval;
    files.push_back(std::move(f));
  }
  int max_cost = 0;
  for (const auto& [user, hash] : options.basic_auth_users) {
    std::optional<int> cost = BcryptCost(hash);
    if (!cost) {
      return Status::Invalid("basic_auth_users." + user +
                             ": not a bcrypt hash (expected $2a$, $2b$ or $2y$ with cost 04-31, "
                             "e.g. from `htpasswd -nBC 10 USER`)");
    }
    max_cost = std::max(max_cost, *cost);
  }
  std::string dummy_hash;
  if (max_cost > 0) {
    Result<std::string> d = MakeDummyHash(max_cost);
    if (!d.ok()) return d.status();
    dummy_hash = std::move(d).value();
  }
  std::array<unsigned char, 32> cache_key{};
  if (RAND_bytes(cache_key.data(), static_cast<int>(cache_key.size())) != 1) {
    return Status::Internal("cannot get random bytes for the basic-auth cache key");
  }
  return std::unique_ptr<Authenticator>(std::make_unique<AuthenticatorImpl>(
      std::move(options), clock, std::move(files), std::move(dummy_hash), cache_key));
}

}  // namespace hermes::server
