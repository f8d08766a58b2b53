// Table test: each tests/fixtures/config/invalid-*.yml breaks one rule and names
// the exact error message in its first line ("# want: <message>"); LoadConfigFile
// must fail with "<path>: <message>".
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "config/parse.h"
#include "probe/kind.h"
#include "testing/testing.h"

namespace hermes::config {
namespace {

const std::string kFixtureDir = HERMES_SOURCE_DIR "/tests/fixtures/config";

std::vector<std::string> InvalidFixtures() {
  std::vector<std::string> paths;
  for (const auto& entry : std::filesystem::directory_iterator(kFixtureDir)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with("invalid-") && name.ends_with(".yml")) {
      paths.push_back(entry.path().string());
    }
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

TEST(ConfigFixturesTest, EachInvalidFixtureFailsWithItsExactMessage) {
  const std::vector<std::string> paths = InvalidFixtures();
  EXPECT_GE(paths.size(), 30u);
  for (const std::string& path : paths) {
    SCOPED_TRACE(path);
    std::ifstream in(path);
    std::string first;
    std::getline(in, first);
    const std::string kWant = "# want: ";
    ASSERT_TRUE(first.starts_with(kWant)) << "first line must be '# want: <message>'";
    auto config = LoadConfigFile(path, probe::BuiltinKinds());
    ASSERT_FALSE(config.ok()) << "fixture parsed, but should fail";
    EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument);
    const std::string& message = config.status().message();
    ASSERT_TRUE(message.starts_with(path + ": ")) << message;
    EXPECT_EQ(message.substr(path.size() + 2), first.substr(kWant.size()));
  }
}

TEST(ConfigFixturesTest, RejectsFileOverOneMebibyte) {
  testing::TempDir dir;
  const std::string path = dir.File("big.yml");
  std::string text = "probes:\n  - {name: gw, kind: tcp, address: \"192.0.2.1:443\"}\n";
  testing::WriteFile(path, text + "#" + std::string(kMaxConfigBytes - text.size(), 'x') + "\n");
  auto config = LoadConfigFile(path, probe::BuiltinKinds());
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().message(),
            path + ": file is larger than the 1048576-byte limit; split or trim it");
}

TEST(ConfigFixturesTest, AcceptsFileOfExactlyOneMebibyte) {
  testing::TempDir dir;
  const std::string path = dir.File("max.yml");
  std::string text = "probes:\n  - {name: gw, kind: tcp, address: \"192.0.2.1:443\"}\n#";
  text += std::string(kMaxConfigBytes - text.size() - 1, 'x') + "\n";
  ASSERT_EQ(text.size(), kMaxConfigBytes);
  testing::WriteFile(path, text);
  EXPECT_TRUE(LoadConfigFile(path, probe::BuiltinKinds()).ok());
}

TEST(ConfigFixturesTest, ParseConfigRejectsOversizedText) {
  const std::string text(kMaxConfigBytes + 1, '#');
  EXPECT_EQ(ParseConfig(text, probe::BuiltinKinds(), "host").status().message(),
            "file is 1048577 bytes, over the 1048576-byte limit; split or trim it");
}

TEST(ConfigFixturesTest, MissingFileIsUnavailable) {
  auto config = LoadConfigFile("/nonexistent/hermes.yml", probe::BuiltinKinds());
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(config.status().message(),
            "/nonexistent/hermes.yml: cannot open file: No such file or directory");
}

}  // namespace
}  // namespace hermes::config
