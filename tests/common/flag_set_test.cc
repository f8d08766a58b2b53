#include "common/flag_set.h"

#include <gtest/gtest.h>

namespace hermes {
namespace {

struct Opts {
  bool b = false;
  std::string s;
  std::vector<std::string> r;
  int n = 0;
  std::chrono::milliseconds d{0};
};

// Stands in for config::ParseDuration: "<n>s" or "<n>ms".
Result<Duration> ParseTestDuration(std::string_view v) {
  const bool ms = v.ends_with("ms");
  if (!ms && !v.ends_with("s")) return Status::Invalid("no unit");
  v.remove_suffix(ms ? 2 : 1);
  if (v.empty() || v.find_first_not_of("0123456789-") != std::string_view::npos) {
    return Status::Invalid("not a number");
  }
  const int n = std::stoi(std::string(v));
  return ms ? Duration(std::chrono::milliseconds(n)) : Duration(std::chrono::seconds(n));
}

FlagSet Make(Opts& o) {
  FlagSet f;
  f.AddBool("b", "", &o.b);
  f.AddString("s", "", &o.s);
  f.AddRepeated("r", "", &o.r);
  f.AddInt("n", "", 1, 10, &o.n);
  f.AddDuration("d", "", ParseTestDuration, &o.d);
  return f;
}

TEST(FlagSetTest, AcceptsBothValueForms) {
  Opts o;
  ASSERT_TRUE(Make(o).Parse({"--s=x", "--r", "a", "--r=b", "--n", "3", "--b", "--d=90s"}).ok());
  EXPECT_EQ(o.s, "x");
  EXPECT_EQ(o.r, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(o.n, 3);
  EXPECT_TRUE(o.b);
  EXPECT_EQ(o.d, std::chrono::seconds(90));
}

TEST(FlagSetTest, ShortHIsHelpWhenHelpIsDefined) {
  Opts o;
  bool help = false;
  FlagSet f = Make(o);
  EXPECT_FALSE(f.Parse({"-h"}).ok());  // no help flag yet: a stray argument
  f.AddBool("help", "print this help", &help);
  ASSERT_TRUE(f.Parse({"--s=x", "-h"}).ok());
  EXPECT_TRUE(help);
  EXPECT_NE(f.Usage("prog").find("  -h, --help\n"), std::string::npos);
  EXPECT_FALSE(f.Parse({"-x"}).ok());
}

TEST(FlagSetTest, RejectsUnknownFlagNamingIt) {
  Opts o;
  EXPECT_EQ(Make(o).Parse({"--nope=1"}).message(), "unknown flag --nope (see --help)");
}

TEST(FlagSetTest, RejectsMissingValueAndOutOfRange) {
  Opts o;
  EXPECT_EQ(Make(o).Parse({"--s"}).message(), "--s: missing value");
  EXPECT_EQ(Make(o).Parse({"--n=11"}).message(),
            "--n: must be an integer between 1 and 10, got \"11\"");
  EXPECT_FALSE(Make(o).Parse({"--b=maybe"}).ok());
  EXPECT_FALSE(Make(o).Parse({"stray"}).ok());
}

TEST(FlagSetTest, RejectsBadDurations) {
  Opts o;
  for (const char* bad : {"--d=0s", "--d=5", "--d=-1s", "--d=1x", "--d="}) {
    EXPECT_FALSE(Make(o).Parse({bad}).ok()) << bad;
  }
  ASSERT_TRUE(Make(o).Parse({"--d=250ms"}).ok());
  EXPECT_EQ(o.d, std::chrono::milliseconds(250));
}

}  // namespace
}  // namespace hermes
