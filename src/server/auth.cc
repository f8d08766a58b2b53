#include "server/auth.h"

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <boost/algorithm/string/predicate.hpp>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <optional>

#include "common/mutex.h"
#include "server/failure_limiter.h"
#include "server/token_files.h"

namespace hermes::server {

namespace {

constexpr size_t kSuccessCacheEntries = 256;

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

class AuthenticatorImpl final : public Authenticator {
 public:
  AuthenticatorImpl(AuthOptions options, Clock& clock, std::unique_ptr<TokenFileSet> tokens,
                    std::string dummy_hash, std::array<unsigned char, 32> cache_key)
      : options_(std::move(options)),
        clock_(clock),
        dummy_hash_(std::move(dummy_hash)),
        cache_key_(cache_key),
        tokens_(std::move(tokens)),
        limiter_(options_.max_failures, options_.window, options_.max_tracked_clients) {}

  bool Enabled() const override {
    return !options_.bearer_token_files.empty() || !options_.basic_auth_users.empty();
  }

  AuthDecision Check(std::string_view authorization, std::string_view client_ip) override {
    if (!Enabled()) return AuthDecision::kOk;
    const std::string ip(client_ip);
    bool limited;
    {
      MutexLock l(mu_);
      limited = limiter_.Limited(ip, clock_.SteadyNow());
    }
    // A limited client is still evaluated, but only as far as it is cheap (see
    // auth.h), so a legitimate scraper behind the same address keeps working.
    AuthDecision d = Evaluate(authorization, limited);
    if (d == AuthDecision::kMalformed || d == AuthDecision::kInvalid ||
        d == AuthDecision::kRateLimited) {
      MutexLock l(mu_);
      limiter_.RecordFailure(ip, clock_.SteadyNow());
    }
    if (limited && d != AuthDecision::kOk) return AuthDecision::kRateLimited;
    return d;
  }

 private:
  // Returns kRateLimited only when `limited` and the credential would need bcrypt.
  AuthDecision Evaluate(std::string_view header, bool limited) {
    header = TrimSpace(header);
    if (header.empty()) return AuthDecision::kMissing;
    size_t sp = header.find(' ');
    if (sp == std::string_view::npos) return AuthDecision::kMalformed;
    std::string_view scheme = header.substr(0, sp);
    std::string_view credentials = header.substr(sp);
    while (!credentials.empty() && credentials.front() == ' ') credentials.remove_prefix(1);
    if (credentials.empty() || std::any_of(credentials.begin(), credentials.end(), IsCtlOrSpace)) {
      return AuthDecision::kMalformed;
    }
    if (boost::algorithm::iequals(scheme, "Bearer") && !tokens_->empty()) {
      return tokens_->Matches(credentials) ? AuthDecision::kOk : AuthDecision::kInvalid;
    }
    if (boost::algorithm::iequals(scheme, "Basic") && !options_.basic_auth_users.empty()) {
      return CheckBasic(credentials, limited);
    }
    return AuthDecision::kMalformed;
  }

  AuthDecision CheckBasic(std::string_view encoded, bool limited) {
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
    {
      // Looked up for unknown users too (they are never cached), so a limited
      // client's answer takes the same time whether the user exists or not.
      MutexLock l(mu_);
      auto hit = success_cache_.find(key);
      if (known && hit != success_cache_.end() && now < hit->second) return AuthDecision::kOk;
    }
    if (limited) {
      OPENSSL_cleanse(decoded->data(), decoded->size());
      return AuthDecision::kRateLimited;
    }
    const std::string& hash = known ? it->second : dummy_hash_;
    bool ok = VerifyBcrypt(decoded->c_str() + colon + 1, hash) && known;
    OPENSSL_cleanse(decoded->data(), decoded->size());
    if (!ok) return AuthDecision::kInvalid;
    if (options_.success_cache_ttl.count() > 0) {
      MutexLock l(mu_);
      if (success_cache_.size() >= kSuccessCacheEntries) EvictFromCache(now);
      success_cache_[key] = now + options_.success_cache_ttl;
    }
    return AuthDecision::kOk;
  }

  bool VerifyBcrypt(const char* password, const std::string& hash) const {
    if (options_.bcrypt_verify_for_test) return options_.bcrypt_verify_for_test(password, hash);
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
  void EvictFromCache(SteadyTime now) HERMES_REQUIRES(mu_) {
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
  const std::unique_ptr<TokenFileSet> tokens_;  // thread-safe by itself

  Mutex mu_;
  FailureLimiter limiter_ HERMES_GUARDED_BY(mu_);
  std::map<Digest, SteadyTime> success_cache_ HERMES_GUARDED_BY(mu_);  // value: expiry
};

// What an unknown user's password is checked against: a bcrypt setting (prefix,
// `cost`, random salt) without a hash. crypt_r() spends the full cost on it like on
// a real hash, and its 60-character output can never equal the 29-character
// setting. Nothing is computed here, so no cost delays startup (a cost-18 dummy
// hash took 82 s before the listener came up).
Result<std::string> MakeDummyHash(int cost) {
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  if (crypt_gensalt_rn("$2b$", static_cast<unsigned long>(cost), nullptr, 0, setting,
                       sizeof(setting)) == nullptr) {
    return Status::Internal("cannot generate a bcrypt salt: " + std::string(std::strerror(errno)));
  }
  return std::string(setting);
}

}  // namespace

Result<std::unique_ptr<Authenticator>> Authenticator::Create(AuthOptions options, Clock& clock) {
  Result<std::unique_ptr<TokenFileSet>> tokens =
      TokenFileSet::Load(options.bearer_token_files, clock);
  if (!tokens.ok()) return tokens.status();
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
      std::move(options), clock, std::move(tokens).value(), std::move(dummy_hash), cache_key));
}

}  // namespace hermes::server
