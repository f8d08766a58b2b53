// Tests for server/auth: the "should reject" list for bearer and basic auth,
// token file rotation, the per-IP rate limit and Create() validation.
#include "server/auth.h"

#include <crypt.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <spdlog/sinks/ostream_sink.h>
#include <time.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "common/log.h"
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

TEST_F(AuthTest, RejectsTokenFromRemovedFileAfterRotation) {
  std::string a = TokenFile("a", kToken);
  auto auth = MakeBearer({a, TokenFile("b", kToken2)});
  std::filesystem::remove(a);
  clock_.Advance(seconds(1));
  EXPECT_EQ(auth->Check(std::string("Bearer ") + kToken, kIp), AuthDecision::kInvalid);
  EXPECT_EQ(auth->Check(std::string("Bearer ") + kToken2, kIp), AuthDecision::kOk);
}

TEST_F(AuthTest, UpdatedFileContentTakesEffectAfterTheStatInterval) {
  std::string path = TokenFile("t", kToken);
  auto auth = MakeBearer({path});
  WriteFile(path, kToken2);
  // Files are stat()ed at most once per second: the change is not seen yet.
  EXPECT_EQ(auth->Check(std::string("Bearer ") + kToken, kIp), AuthDecision::kOk);
  clock_.Advance(seconds(1));
  EXPECT_EQ(auth->Check(std::string("Bearer ") + kToken2, kIp), AuthDecision::kOk);
  EXPECT_EQ(auth->Check(std::string("Bearer ") + kToken, kIp), AuthDecision::kInvalid);
}

TEST_F(AuthTest, InPlaceRewriteIsNoticed) {
  std::string path = TokenFile("t", kToken);
  auto auth = MakeBearer({path});
  {
    std::ofstream out(path, std::ios::trunc);  // same inode, same size
    out << kToken2;
  }
  clock_.Advance(seconds(1));
  EXPECT_EQ(auth->Check(std::string("Bearer ") + kToken2, kIp), AuthDecision::kOk);
}

TEST_F(AuthTest, EmptiedFileStopsBeingValidAndRecovers) {
  std::string path = TokenFile("t", kToken);
  auto auth = MakeBearer({path});
  WriteFile(path, " \n");
  clock_.Advance(seconds(1));
  EXPECT_EQ(auth->Check(std::string("Bearer ") + kToken, kIp), AuthDecision::kInvalid);
  WriteFile(path, kToken2);
  clock_.Advance(seconds(1));
  EXPECT_EQ(auth->Check(std::string("Bearer ") + kToken2, kIp), AuthDecision::kOk);
}

TEST_F(AuthTest, BrokenFileIsLoggedOnceWithoutItsContent) {
  std::ostringstream out;
  ASSERT_TRUE(
      InitLogging("info", "logfmt", std::make_shared<spdlog::sinks::ostream_sink_mt>(out, true))
          .ok());
  std::string path = TokenFile("t", kToken);
  auto auth = MakeBearer({path});
  WriteFile(path, std::string(kToken) + " " + kToken2);  // two tokens: not usable
  for (int i = 0; i < 3; ++i) {
    clock_.Advance(seconds(1));
    EXPECT_EQ(auth->Check(std::string("Bearer ") + kToken, kIp), AuthDecision::kInvalid);
  }
  std::string log = out.str();
  ASSERT_TRUE(InitLogging("info", "logfmt").ok());
  EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 1) << log;
  EXPECT_NE(log.find(path), std::string::npos) << log;
  EXPECT_EQ(log.find("s3cr3t"), std::string::npos) << log;
}

TEST_F(AuthTest, CreateFailsForMissingFile) {
  AuthOptions opts;
  opts.bearer_token_files = {dir_.File("nope")};
  Status st = CreateError(opts);
  EXPECT_NE(st.message().find(dir_.File("nope")), std::string::npos) << st.message();
}

TEST_F(AuthTest, CreateFailsForEmptyFile) {
  AuthOptions opts;
  opts.bearer_token_files = {TokenFile("t", kToken), TokenFile("empty", "  \n\t\n")};
  Status st = CreateError(opts);
  EXPECT_NE(st.message().find(dir_.File("empty")), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("empty"), std::string::npos) << st.message();
}

TEST_F(AuthTest, CreateErrorNeverContainsTheToken) {
  AuthOptions opts;
  opts.bearer_token_files = {TokenFile("t", std::string(kToken) + " " + kToken2)};
  Status st = CreateError(opts);
  EXPECT_NE(st.message().find(dir_.File("t")), std::string::npos) << st.message();
  EXPECT_EQ(st.message().find("s3cr3t"), std::string::npos) << st.message();
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
  const std::string good = std::string("Bearer ") + kToken;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(auth->Check("Bearer nope", kIp), AuthDecision::kInvalid);
  // Even correct credentials are not looked at while limited.
  EXPECT_EQ(auth->Check(good, kIp), AuthDecision::kRateLimited);
  EXPECT_EQ(auth->Check(good, "192.0.2.11"), AuthDecision::kOk);  // other clients unaffected
  clock_.Advance(seconds(59));
  EXPECT_EQ(auth->Check(good, kIp), AuthDecision::kRateLimited);
  clock_.Advance(seconds(1));
  EXPECT_EQ(auth->Check(good, kIp), AuthDecision::kOk);
}

TEST_F(AuthTest, RateLimitWindowStartsAtFirstFailure) {
  AuthOptions opts;
  opts.bearer_token_files = {TokenFile("t", kToken)};
  opts.max_failures = 2;
  auto auth = Make(opts);
  EXPECT_EQ(auth->Check("Bearer nope", kIp), AuthDecision::kInvalid);
  clock_.Advance(seconds(60));  // first failure has left the window
  EXPECT_EQ(auth->Check("Bearer nope", kIp), AuthDecision::kInvalid);
  EXPECT_EQ(auth->Check(std::string("Bearer ") + kToken, kIp), AuthDecision::kOk);
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
  EXPECT_EQ(auth->Check(good, kIp), AuthDecision::kRateLimited);
}

TEST_F(AuthTest, MissingHeaderDoesNotCountAsFailure) {
  AuthOptions opts;
  opts.bearer_token_files = {TokenFile("t", kToken)};
  opts.max_failures = 2;
  auto auth = Make(opts);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(auth->Check("", kIp), AuthDecision::kMissing);
  EXPECT_EQ(auth->Check(std::string("Bearer ") + kToken, kIp), AuthDecision::kOk);
}

TEST_F(AuthTest, TrackedClientTableIsBoundedAndEvictsOldest) {
  AuthOptions opts;
  opts.bearer_token_files = {TokenFile("t", kToken)};
  opts.max_failures = 2;
  opts.max_tracked_clients = 3;
  auto auth = Make(opts);
  const std::string good = std::string("Bearer ") + kToken;
  for (int i = 0; i < 2; ++i)
    EXPECT_EQ(auth->Check("Bearer nope", "10.0.0.1"), AuthDecision::kInvalid);
  for (int i = 0; i < 2; ++i)
    EXPECT_EQ(auth->Check("Bearer nope", "10.0.0.2"), AuthDecision::kInvalid);
  EXPECT_EQ(auth->Check(good, "10.0.0.1"), AuthDecision::kRateLimited);
  // Two more addresses fill the table: the oldest (10.0.0.1) is evicted.
  EXPECT_EQ(auth->Check("Bearer nope", "10.0.0.3"), AuthDecision::kInvalid);
  EXPECT_EQ(auth->Check("Bearer nope", "10.0.0.4"), AuthDecision::kInvalid);
  EXPECT_EQ(auth->Check(good, "10.0.0.1"), AuthDecision::kOk);
  EXPECT_EQ(auth->Check(good, "10.0.0.2"), AuthDecision::kRateLimited);
}

TEST_F(AuthTest, ConcurrentChecksDuringRotation) {
  std::string path = TokenFile("t", kToken);
  auto auth = MakeBearer({path, TokenFile("u", kToken2)});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        EXPECT_EQ(auth->Check(std::string("Bearer ") + kToken2, kIp), AuthDecision::kOk);
      }
    });
  }
  for (int i = 0; i < 50; ++i) {
    WriteFile(path, i % 2 ? kToken : "rotated");
    clock_.Advance(seconds(1));
  }
  for (auto& th : threads) th.join();
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

TEST(AuthFailureNameTest, NamesMatchMetricLabels) {
  EXPECT_STREQ(AuthFailureName(AuthFailure::kMissing), "missing");
  EXPECT_STREQ(AuthFailureName(AuthFailure::kMalformed), "malformed");
  EXPECT_STREQ(AuthFailureName(AuthFailure::kInvalid), "invalid");
}

}  // namespace
}  // namespace hermes::server
