// Tests for server/token_files: loading, constant-time matching and refresh of
// bearer token files while they rotate.
#include "server/token_files.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

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

class TokenFileSetTest : public ::testing::Test {
 protected:
  std::string TokenFile(const std::string& name, const std::string& content) {
    std::string path = dir_.File(name);
    WriteFile(path, content);
    return path;
  }

  std::unique_ptr<TokenFileSet> Load(const std::vector<std::string>& paths) {
    auto r = TokenFileSet::Load(paths, clock_);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? std::move(r).value() : nullptr;
  }

  Status LoadError(const std::vector<std::string>& paths) {
    auto r = TokenFileSet::Load(paths, clock_);
    EXPECT_FALSE(r.ok());
    return r.ok() ? Status::Ok() : r.status();
  }

  testing::TempDir dir_;
  FakeClock clock_;
};

TEST_F(TokenFileSetTest, MatchesTheTrimmedTokenExactly) {
  auto set = Load({TokenFile("t", std::string("  ") + kToken + "\n")});
  ASSERT_FALSE(set->empty());
  const std::string token(kToken);
  EXPECT_TRUE(set->Matches(token));
  EXPECT_FALSE(set->Matches(kToken2));
  EXPECT_FALSE(set->Matches(token + "x"));
  EXPECT_FALSE(set->Matches(token.substr(0, token.size() - 1)));
  EXPECT_FALSE(set->Matches(""));
}

TEST_F(TokenFileSetTest, EmptySetMatchesNothing) {
  auto set = Load({});
  EXPECT_TRUE(set->empty());
  EXPECT_FALSE(set->Matches(kToken));
}

TEST_F(TokenFileSetTest, TwoFilesValidAtOnce) {
  auto set = Load({TokenFile("a", kToken), TokenFile("b", kToken2)});
  EXPECT_TRUE(set->Matches(kToken));
  EXPECT_TRUE(set->Matches(kToken2));
}

TEST_F(TokenFileSetTest, RejectsTokenFromRemovedFileAfterRotation) {
  std::string a = TokenFile("a", kToken);
  auto set = Load({a, TokenFile("b", kToken2)});
  std::filesystem::remove(a);
  clock_.Advance(seconds(1));
  EXPECT_FALSE(set->Matches(kToken));
  EXPECT_TRUE(set->Matches(kToken2));
}

TEST_F(TokenFileSetTest, UpdatedFileContentTakesEffectAfterTheStatInterval) {
  std::string path = TokenFile("t", kToken);
  auto set = Load({path});
  WriteFile(path, kToken2);
  // Files are stat()ed at most once per second: the change is not seen yet.
  EXPECT_TRUE(set->Matches(kToken));
  clock_.Advance(seconds(1));
  EXPECT_TRUE(set->Matches(kToken2));
  EXPECT_FALSE(set->Matches(kToken));
}

TEST_F(TokenFileSetTest, InPlaceRewriteIsNoticed) {
  std::string path = TokenFile("t", kToken);
  auto set = Load({path});
  {
    std::ofstream out(path, std::ios::trunc);  // same inode, same size
    out << kToken2;
  }
  clock_.Advance(seconds(1));
  EXPECT_TRUE(set->Matches(kToken2));
}

TEST_F(TokenFileSetTest, EmptiedFileStopsBeingValidAndRecovers) {
  std::string path = TokenFile("t", kToken);
  auto set = Load({path});
  WriteFile(path, " \n");
  clock_.Advance(seconds(1));
  EXPECT_FALSE(set->Matches(kToken));
  WriteFile(path, kToken2);
  clock_.Advance(seconds(1));
  EXPECT_TRUE(set->Matches(kToken2));
}

TEST_F(TokenFileSetTest, BrokenFileIsLoggedOnceWithoutItsContent) {
  std::ostringstream out;
  ASSERT_TRUE(
      InitLogging("info", "logfmt", std::make_shared<spdlog::sinks::ostream_sink_mt>(out, true))
          .ok());
  std::string path = TokenFile("t", kToken);
  auto set = Load({path});
  WriteFile(path, std::string(kToken) + " " + kToken2);  // two tokens: not usable
  for (int i = 0; i < 3; ++i) {
    clock_.Advance(seconds(1));
    EXPECT_FALSE(set->Matches(kToken));
  }
  std::string log = out.str();
  ASSERT_TRUE(InitLogging("info", "logfmt").ok());
  EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 1) << log;
  EXPECT_NE(log.find(path), std::string::npos) << log;
  EXPECT_EQ(log.find("s3cr3t"), std::string::npos) << log;
}

TEST_F(TokenFileSetTest, LoadFailsForMissingFile) {
  Status st = LoadError({dir_.File("nope")});
  EXPECT_NE(st.message().find(dir_.File("nope")), std::string::npos) << st.message();
}

TEST_F(TokenFileSetTest, LoadFailsForEmptyFile) {
  Status st = LoadError({TokenFile("t", kToken), TokenFile("empty", "  \n\t\n")});
  EXPECT_NE(st.message().find(dir_.File("empty")), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("empty"), std::string::npos) << st.message();
}

TEST_F(TokenFileSetTest, LoadFailsForFileOver64KiB) {
  Status st = LoadError({TokenFile("big", std::string(64 * 1024 + 1, 'a'))});
  EXPECT_NE(st.message().find("64 KiB"), std::string::npos) << st.message();
}

TEST_F(TokenFileSetTest, LoadErrorNeverContainsTheToken) {
  Status st = LoadError({TokenFile("t", std::string(kToken) + " " + kToken2)});
  EXPECT_NE(st.message().find(dir_.File("t")), std::string::npos) << st.message();
  EXPECT_EQ(st.message().find("s3cr3t"), std::string::npos) << st.message();
}

TEST_F(TokenFileSetTest, ConcurrentMatchesDuringRotation) {
  std::string path = TokenFile("t", kToken);
  auto set = Load({path, TokenFile("u", kToken2)});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) EXPECT_TRUE(set->Matches(kToken2));
    });
  }
  for (int i = 0; i < 50; ++i) {
    WriteFile(path, i % 2 ? kToken : "rotated");
    clock_.Advance(seconds(1));
  }
  for (auto& th : threads) th.join();
}

TEST(TokenFileSyntaxTest, TrimSpaceAndIsCtlOrSpace) {
  EXPECT_EQ(TrimSpace(" \t\r\n\v\fa b\n"), "a b");
  EXPECT_EQ(TrimSpace("  "), "");
  EXPECT_TRUE(IsCtlOrSpace(' '));
  EXPECT_TRUE(IsCtlOrSpace('\0'));
  EXPECT_TRUE(IsCtlOrSpace('\x7f'));
  EXPECT_FALSE(IsCtlOrSpace('~'));
  EXPECT_FALSE(IsCtlOrSpace('\x80'));
}

}  // namespace
}  // namespace hermes::server
