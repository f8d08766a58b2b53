// Tests for server/auth: the "should reject" list for bearer and basic auth, the
// per-IP rate limit (FailureLimiter and what a limited client may still do) and
// Create() validation. Token file rotation is tested in token_files_test.cc.
#include "server/auth.h"

#include <crypt.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <time.h>

#include <algorithm>

#include "server/failure_limiter.h"
#include "testing/testing.h"

namespace hermes::server {
namespace {

using std::chrono::seconds;
using testing::WriteFile;

constexpr char kToken[] = "s3cr3t-t0ken-AAAA";
constexpr char kToken2[] = "s3cr3t-t0ken-BBBB";
constexpr char kIp[] = "192.0.2.10";

std::string Bcrypt(const std::string& password, int cost) {
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  EXPECT_NE(crypt_gensalt_rn("$2b$", cost, nullptr, 0, setting, sizeof(setting)), nullptr);
  crypt_data data{};
  const char* out = crypt_r(password.c_str(), setting, &data);
  EXPECT_NE(out, nullptr);
  return out;
}

std::string BasicHeader(const std::string& user_pass) {
  std::string out(4 * ((user_pass.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(user_pass.data()),
                          static_cast<int>(user_pass.size()));
  out.resize(static_cast<size_t>(n));
  return "Basic " + out;
}

class AuthTest : public ::testing::Test {
 protected:
  std::string TokenFile(const std::string& name, const std::string& content) {
    std::string path = dir_.File(name);
    WriteFile(path, content);
    return path;
  }

  std::unique_ptr<Authenticator> Make(AuthOptions opts) {
    auto r = Authenticator::Create(std::move(opts), clock_);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? std::move(r).value() : nullptr;
  }

  std::unique_ptr<Authenticator> MakeBearer(std::vector<std::string> files) {
    AuthOptions opts;
    opts.bearer_token_files = std::move(files);
    return Make(std::move(opts));
  }

  Status CreateError(AuthOptions opts) {
    auto r = Authenticator::Create(std::move(opts), clock_);
    EXPECT_FALSE(r.ok());
    return r.ok() ? Status::Ok() : r.status();
  }

  testing::TempDir dir_;
  FakeClock clock_;
};

TEST_F(AuthTest, AcceptsConfiguredToken) {
  auto auth = MakeBearer({TokenFile("t", std::string(kToken) + "\n")});
  EXPECT_TRUE(auth->Enabled());
  EXPECT_EQ(auth->Check(std::string("Bearer ") + kToken, kIp), AuthDecision::kOk);
}

TEST_F(AuthTest, SchemeIsCaseInsensitiveAndAllowsSeveralSpaces) {
  auto auth = MakeBearer({TokenFile("t", kToken)});
  EXPECT_EQ(auth->Check(std::string("bearer ") + kToken, kIp), AuthDecision::kOk);
  EXPECT_EQ(auth->Check(std::string("BEARER   ") + kToken, kIp), AuthDecision::kOk);
}

TEST_F(AuthTest, RejectsMissingHeader) {
  auto auth = MakeBearer({TokenFile("t", kToken)});
  EXPECT_EQ(auth->Check("", kIp), AuthDecision::kMissing);
}

TEST_F(AuthTest, RejectsWrongScheme) {
  auto auth = MakeBearer({TokenFile("t", kToken)});
  EXPECT_EQ(auth->Check(std::string("Token ") + kToken, kIp), AuthDecision::kMalformed);
  EXPECT_EQ(auth->Check(std::string("Bearer-") + kToken, kIp), AuthDecision::kMalformed);
  EXPECT_EQ(auth->Check(kToken, kIp), AuthDecision::kMalformed);
}

TEST_F(AuthTest, RejectsBearerWithoutToken) {
  auto auth = MakeBearer({TokenFile("t", kToken)});
  EXPECT_EQ(auth->Check("Bearer", kIp), AuthDecision::kMalformed);
  EXPECT_EQ(auth->Check("Bearer ", kIp), AuthDecision::kMalformed);
  EXPECT_EQ(auth->Check("Bearer    ", kIp), AuthDecision::kMalformed);
}

TEST_F(AuthTest, RejectsTabAfterScheme) {
  auto auth = MakeBearer({TokenFile("t", kToken)});
  EXPECT_EQ(auth->Check(std::string("Bearer\t") + kToken, kIp), AuthDecision::kMalformed);
}

TEST_F(AuthTest, RejectsWrongToken) {
  auto auth = MakeBearer({TokenFile("t", kToken)});
  EXPECT_EQ(auth->Check(std::string("Bearer ") + kToken2, kIp), AuthDecision::kInvalid);
}

TEST_F(AuthTest, RejectsTokenWithTrailingJunk) {
  auto auth = MakeBearer({TokenFile("t", kToken)});
  EXPECT_EQ(auth->Check(std::string("Bearer ") + kToken + "x", kIp), AuthDecision::kInvalid);
  EXPECT_EQ(auth->Check(std::string("Bearer ") + kToken + " x", kIp), AuthDecision::kMalformed);
  EXPECT_EQ(auth->Check(std::string("Bearer ") + kToken + std::string(1, '\0'), kIp),
            AuthDecision::kMalformed);
}

TEST_F(AuthTest, RejectsTokenPrefix) {
  auto auth = MakeBearer({TokenFile("t", kToken)});
  std::string token(kToken);
  EXPECT_EQ(auth->Check("Bearer " + token.substr(0, token.size() - 1), kIp),
            AuthDecision::kInvalid);
  EXPECT_EQ(auth->Check("Bearer " + token.substr(0, 1), kIp), AuthDecision::kInvalid);
}

TEST_F(AuthTest, TwoFilesValidAtOnce) {
  auto auth = MakeBearer({TokenFile("a", kToken), TokenFile("b", kToken2)});
  EXPECT_EQ(auth->Check(std::string("Bearer ") + kToken, kIp), AuthDecision::kOk);
  EXPECT_EQ(auth->Check(std::string("Bearer ") + kToken2, kIp), AuthDecision::kOk);
}

TEST_F(AuthTest, CreateFailsForMissingFile) {
  AuthOptions opts;
  opts.bearer_token_files = {dir_.File("nope")};
  Status st = CreateError(opts);
  EXPECT_NE(st.message().find(dir_.File("nope")), std::string::npos) << st.message();
}

TEST_F(AuthTest, CreateFailsForNonBcryptHash) {
  const std::vector<std::string> hashes = {
      "$1$abc$def", "plaintext-password", "$2x$05$" + std::string(53, 'a'),
      "$2b$03$" + std::string(53, 'a'), "$2b$05$" + std::string(52, 'a')};
  for (const std::string& hash : hashes) {
    AuthOptions opts;
    opts.basic_auth_users = {{"alice", hash}};
    Status st = CreateError(opts);
    EXPECT_NE(st.message().find("alice"), std::string::npos) << st.message();
    EXPECT_EQ(st.message().find(hash), std::string::npos) << st.message();
  }
}

TEST_F(AuthTest, AcceptsBcryptVariants) {
  std::string hash = Bcrypt("pw", 4);  // $2b$
  AuthOptions opts;
  opts.basic_auth_users = {
      {"a", hash}, {"b", "$2y$" + hash.substr(4)}, {"c", "$2a$" + hash.substr(4)}};
  auto auth = Make(opts);
  EXPECT_EQ(auth->Check(BasicHeader("a:pw"), kIp), AuthDecision::kOk);
  EXPECT_EQ(auth->Check(BasicHeader("b:pw"), kIp), AuthDecision::kOk);
  EXPECT_EQ(auth->Check(BasicHeader("c:pw"), kIp), AuthDecision::kOk);
}

class BasicAuthTest : public AuthTest {
 protected:
  void SetUp() override {
    AuthOptions opts;
    opts.basic_auth_users = {{"alice", Bcrypt("correct horse", 4)}};
    auth_ = Make(opts);
  }
  std::unique_ptr<Authenticator> auth_;
};

TEST_F(BasicAuthTest, AcceptsGoodPassword) {
  EXPECT_EQ(auth_->Check(BasicHeader("alice:correct horse"), kIp), AuthDecision::kOk);
  EXPECT_EQ(auth_->Check(BasicHeader("alice:correct horse"), kIp), AuthDecision::kOk);  // cached
  clock_.Advance(seconds(61));
  EXPECT_EQ(auth_->Check(BasicHeader("alice:correct horse"), kIp), AuthDecision::kOk);
}

TEST_F(BasicAuthTest, RejectsWrongPassword) {
  EXPECT_EQ(auth_->Check(BasicHeader("alice:correct horse"), kIp), AuthDecision::kOk);
  EXPECT_EQ(auth_->Check(BasicHeader("alice:wrong"), kIp), AuthDecision::kInvalid);
  EXPECT_EQ(auth_->Check(BasicHeader("alice:correct horsE"), kIp), AuthDecision::kInvalid);
  EXPECT_EQ(auth_->Check(BasicHeader("alice:"), kIp), AuthDecision::kInvalid);
}

TEST_F(BasicAuthTest, RejectsUnknownUser) {
  EXPECT_EQ(auth_->Check(BasicHeader("bob:correct horse"), kIp), AuthDecision::kInvalid);
  EXPECT_EQ(auth_->Check(BasicHeader(":correct horse"), kIp), AuthDecision::kInvalid);
}

TEST_F(BasicAuthTest, RejectsMalformedBase64) {
  EXPECT_EQ(auth_->Check("Basic !!!!", kIp), AuthDecision::kMalformed);
  EXPECT_EQ(auth_->Check("Basic YWxpY2U6eA", kIp), AuthDecision::kMalformed);  // no padding
  EXPECT_EQ(auth_->Check("Basic YW=xpY2U", kIp), AuthDecision::kMalformed);    // '=' inside
  EXPECT_EQ(auth_->Check("Basic", kIp), AuthDecision::kMalformed);
}

TEST_F(BasicAuthTest, RejectsCredentialsWithoutColonOrWithNul) {
  EXPECT_EQ(auth_->Check(BasicHeader("alice"), kIp), AuthDecision::kMalformed);
  EXPECT_EQ(auth_->Check(BasicHeader(std::string("alice:correct horse\0x", 21)), kIp),
            AuthDecision::kMalformed);
}

TEST_F(BasicAuthTest, RejectsBearerWhenOnlyBasicIsConfigured) {
  EXPECT_EQ(auth_->Check("Bearer abc", kIp), AuthDecision::kMalformed);
}

TEST_F(AuthTest, BothConfiguredAcceptsEither) {
  AuthOptions opts;
  opts.bearer_token_files = {TokenFile("t", kToken)};
  opts.basic_auth_users = {{"alice", Bcrypt("pw", 4)}};
  auto auth = Make(opts);
  EXPECT_EQ(auth->Check(std::string("Bearer ") + kToken, kIp), AuthDecision::kOk);
  EXPECT_EQ(auth->Check(BasicHeader("alice:pw"), kIp), AuthDecision::kOk);
  EXPECT_EQ(auth->Check(BasicHeader("alice:" + std::string(kToken)), kIp), AuthDecision::kInvalid);
}

TEST_F(AuthTest, DisabledWhenNothingConfigured) {
  auto auth = Make(AuthOptions{});
  EXPECT_FALSE(auth->Enabled());
  EXPECT_EQ(auth->Check("", kIp), AuthDecision::kOk);
}

TEST_F(AuthTest, RateLimitKicksInAfterMaxFailuresAndExpiresAfterWindow) {
  AuthOptions opts;
  opts.bearer_token_files = {TokenFile("t", kToken)};
  opts.max_failures = 3;
  opts.window = seconds(60);
  auto auth = Make(opts);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(auth->Check("Bearer nope", kIp), AuthDecision::kInvalid);
  EXPECT_EQ(auth->Check("Bearer nope", kIp), AuthDecision::kRateLimited);
  EXPECT_EQ(auth->Check("Bearer nope", "192.0.2.11"), AuthDecision::kInvalid);  // others unaffected
  clock_.Advance(seconds(59));
  EXPECT_EQ(auth->Check("Bearer nope", kIp), AuthDecision::kRateLimited);
  clock_.Advance(seconds(1));
  EXPECT_EQ(auth->Check("Bearer nope", kIp), AuthDecision::kInvalid);
}

TEST_F(AuthTest, RateLimitWindowStartsAtFirstFailure) {
  AuthOptions opts;
  opts.bearer_token_files = {TokenFile("t", kToken)};
  opts.max_failures = 2;
  auto auth = Make(opts);
  EXPECT_EQ(auth->Check("Bearer nope", kIp), AuthDecision::kInvalid);
  clock_.Advance(seconds(60));  // first failure has left the window
  EXPECT_EQ(auth->Check("Bearer nope", kIp), AuthDecision::kInvalid);
  EXPECT_EQ(auth->Check("Bearer nope", kIp), AuthDecision::kInvalid);
  EXPECT_EQ(auth->Check("Bearer nope", kIp), AuthDecision::kRateLimited);
}

TEST_F(AuthTest, SuccessDoesNotResetFailureCount) {
  AuthOptions opts;
  opts.bearer_token_files = {TokenFile("t", kToken)};
  opts.max_failures = 3;
  auto auth = Make(opts);
  const std::string good = std::string("Bearer ") + kToken;
  EXPECT_EQ(auth->Check("Bearer nope", kIp), AuthDecision::kInvalid);
  EXPECT_EQ(auth->Check("Token x", kIp), AuthDecision::kMalformed);
  EXPECT_EQ(auth->Check(good, kIp), AuthDecision::kOk);
  EXPECT_EQ(auth->Check("Bearer nope", kIp), AuthDecision::kInvalid);
  EXPECT_EQ(auth->Check("Bearer nope", kIp), AuthDecision::kRateLimited);
}

TEST_F(AuthTest, MissingHeaderDoesNotCountAsFailure) {
  AuthOptions opts;
  opts.bearer_token_files = {TokenFile("t", kToken)};
  opts.max_failures = 2;
  auto auth = Make(opts);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(auth->Check("", kIp), AuthDecision::kMissing);
  EXPECT_EQ(auth->Check("Bearer nope", kIp), AuthDecision::kInvalid);
}

TEST_F(AuthTest, TrackedClientTableIsBoundedAndEvictsOldest) {
  AuthOptions opts;
  opts.bearer_token_files = {TokenFile("t", kToken)};
  opts.max_failures = 2;
  opts.max_tracked_clients = 3;
  auto auth = Make(opts);
  for (int i = 0; i < 2; ++i)
    EXPECT_EQ(auth->Check("Bearer nope", "10.0.0.1"), AuthDecision::kInvalid);
  for (int i = 0; i < 2; ++i)
    EXPECT_EQ(auth->Check("Bearer nope", "10.0.0.2"), AuthDecision::kInvalid);
  EXPECT_EQ(auth->Check("Bearer nope", "10.0.0.1"), AuthDecision::kRateLimited);
  // Two more addresses fill the table: the oldest (10.0.0.1) is evicted.
  EXPECT_EQ(auth->Check("Bearer nope", "10.0.0.3"), AuthDecision::kInvalid);
  EXPECT_EQ(auth->Check("Bearer nope", "10.0.0.4"), AuthDecision::kInvalid);
  EXPECT_EQ(auth->Check("Bearer nope", "10.0.0.2"), AuthDecision::kRateLimited);
  EXPECT_EQ(auth->Check("Bearer nope", "10.0.0.1"), AuthDecision::kInvalid);
}

// A limited IP: what may still pass (cheap checks) and what may not (bcrypt).
class AuthLimitedIpTest : public AuthTest {
 protected:
  void SetUp() override {
    AuthOptions opts;
    opts.bearer_token_files = {TokenFile("t", kToken)};
    opts.basic_auth_users = {{"alice", Bcrypt("pw", 4)}};
    opts.max_failures = 2;
    opts.success_cache_ttl = seconds(30);
    opts.bcrypt_verify_for_test = [this](const char* password, const std::string& hash) {
      ++bcrypt_runs_;
      crypt_data data{};
      const char* out = crypt_r(password, hash.c_str(), &data);
      return out != nullptr && hash == out;
    };
    auth_ = Make(opts);
  }
  void LimitIp() {
    for (int i = 0; i < 2; ++i) ASSERT_EQ(auth_->Check("Bearer nope", kIp), AuthDecision::kInvalid);
    ASSERT_EQ(auth_->Check("Bearer nope", kIp), AuthDecision::kRateLimited);
  }
  std::unique_ptr<Authenticator> auth_;
  int bcrypt_runs_ = 0;
};

TEST_F(AuthLimitedIpTest, ValidBearerTokenIsAccepted) {
  LimitIp();
  EXPECT_EQ(auth_->Check(std::string("Bearer ") + kToken, kIp), AuthDecision::kOk);
}

TEST_F(AuthLimitedIpTest, WrongMalformedOrMissingCredentialIsRateLimited) {
  LimitIp();
  EXPECT_EQ(auth_->Check(std::string("Bearer ") + kToken2, kIp), AuthDecision::kRateLimited);
  EXPECT_EQ(auth_->Check("Token x", kIp), AuthDecision::kRateLimited);
  EXPECT_EQ(auth_->Check("", kIp), AuthDecision::kRateLimited);
}

TEST_F(AuthLimitedIpTest, UncachedBasicCredentialIsRateLimitedWithoutBcrypt) {
  LimitIp();
  EXPECT_EQ(auth_->Check(BasicHeader("alice:pw"), kIp), AuthDecision::kRateLimited);
  EXPECT_EQ(auth_->Check(BasicHeader("alice:wrong"), kIp), AuthDecision::kRateLimited);
  EXPECT_EQ(auth_->Check(BasicHeader("mallory:pw"), kIp), AuthDecision::kRateLimited);
  EXPECT_EQ(bcrypt_runs_, 0);
  EXPECT_EQ(auth_->Check(BasicHeader("alice:pw"), "192.0.2.11"), AuthDecision::kOk);
  EXPECT_EQ(bcrypt_runs_, 1);  // the hook is what runs bcrypt for an unlimited IP
}

TEST_F(AuthLimitedIpTest, CachedBasicCredentialIsAcceptedUntilItExpires) {
  EXPECT_EQ(auth_->Check(BasicHeader("alice:pw"), kIp), AuthDecision::kOk);
  ASSERT_EQ(bcrypt_runs_, 1);
  LimitIp();
  EXPECT_EQ(auth_->Check(BasicHeader("alice:pw"), kIp), AuthDecision::kOk);
  clock_.Advance(seconds(30));  // cache entry expired, IP still limited
  EXPECT_EQ(auth_->Check(BasicHeader("alice:pw"), kIp), AuthDecision::kRateLimited);
  EXPECT_EQ(bcrypt_runs_, 1);
}

TEST_F(AuthLimitedIpTest, FailuresWhileLimitedDoNotProlongTheLimit) {
  LimitIp();
  clock_.Advance(seconds(59));
  EXPECT_EQ(auth_->Check("Bearer nope", kIp), AuthDecision::kRateLimited);
  clock_.Advance(seconds(1));
  EXPECT_EQ(auth_->Check("Bearer nope", kIp), AuthDecision::kInvalid);
}

TEST(FailureLimiterTest, LimitsFromMaxFailuresUntilWindowSinceFirstFailure) {
  FailureLimiter limiter(2, seconds(60), 10);
  const SteadyTime t0{};
  limiter.RecordFailure("a", t0);
  EXPECT_FALSE(limiter.Limited("a", t0));
  limiter.RecordFailure("a", t0 + seconds(30));
  limiter.RecordFailure("a", t0 + seconds(50));  // counted, window unchanged
  EXPECT_TRUE(limiter.Limited("a", t0 + seconds(59)));
  EXPECT_FALSE(limiter.Limited("b", t0 + seconds(59)));
  EXPECT_FALSE(limiter.Limited("a", t0 + seconds(60)));
}

TEST(FailureLimiterTest, DisabledWhenMaxFailuresIsNotPositive) {
  FailureLimiter limiter(0, seconds(60), 10);
  for (int i = 0; i < 5; ++i) limiter.RecordFailure("a", SteadyTime{});
  EXPECT_FALSE(limiter.Limited("a", SteadyTime{}));
}

TEST(FailureLimiterTest, EvictsOldestBeyondCapacity) {
  FailureLimiter limiter(1, seconds(60), 2);
  const SteadyTime t0{};
  limiter.RecordFailure("a", t0);
  limiter.RecordFailure("b", t0 + seconds(1));
  limiter.RecordFailure("c", t0 + seconds(2));
  EXPECT_FALSE(limiter.Limited("a", t0 + seconds(2)));
  EXPECT_TRUE(limiter.Limited("b", t0 + seconds(2)));
  EXPECT_TRUE(limiter.Limited("c", t0 + seconds(2)));
}

TEST_F(AuthTest, UnknownUserTakesAsLongAsKnownUserWithWrongPassword) {
  AuthOptions opts;
  opts.basic_auth_users = {{"alice", Bcrypt("pw", 7)}};
  opts.max_failures = 0;  // no rate limit for this measurement
  auto auth = Make(opts);
  // Thread CPU time: the work done is what leaks, and unlike wall time it does not
  // depend on how busy the machine is. Interleaved, minimum of each.
  auto seconds_for = [&](const std::string& header) {
    auto cpu_now = [] {
      timespec ts{};
      clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
      return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
    };
    double start = cpu_now();
    EXPECT_EQ(auth->Check(header, kIp), AuthDecision::kInvalid);
    return cpu_now() - start;
  };
  double known = 1e9, unknown = 1e9;
  for (int i = 0; i < 10; ++i) {
    known = std::min(known, seconds_for(BasicHeader("alice:wrong")));
    unknown = std::min(unknown, seconds_for(BasicHeader("mallory:wrong")));
  }
  EXPECT_GE(unknown, 0.5 * known) << "known " << known << "s, unknown " << unknown << "s";
  EXPECT_LE(unknown, 2.0 * known) << "known " << known << "s, unknown " << unknown << "s";
}

TEST_F(AuthTest, CreateComputesNoBcryptWhateverTheCost) {
  // Cost 31 (2^31 rounds) would take days to hash: Create() returning at all shows
  // that no dummy hash is computed at startup. (A cost-18 dummy once delayed the
  // listener by 82 s.)
  auto cpu_now = [] {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
  };
  AuthOptions opts;
  opts.basic_auth_users = {{"slow", "$2b$31$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234"},
                           {"fast", Bcrypt("pw", 4)}};
  double start = cpu_now();
  auto auth = Make(opts);
  ASSERT_NE(auth, nullptr);
  EXPECT_LT(cpu_now() - start, 1.0);
  EXPECT_EQ(auth->Check(BasicHeader("fast:pw"), kIp), AuthDecision::kOk);
}

}  // namespace
}  // namespace hermes::server
