// Tests for the unit parsers and formatters: durations, sizes, rates.
#include <gtest/gtest.h>

#include "config/parse.h"

namespace hermes::config {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

TEST(UnitsTest, ParsesPrometheusDurations) {
  EXPECT_EQ(*ParseDuration("500ms"), milliseconds(500));
  EXPECT_EQ(*ParseDuration("15s"), seconds(15));
  EXPECT_EQ(*ParseDuration("5m"), minutes(5));
  EXPECT_EQ(*ParseDuration("1h30m"), minutes(90));
  EXPECT_EQ(*ParseDuration("1d"), hours(24));
  EXPECT_EQ(*ParseDuration("1w"), hours(24 * 7));
  EXPECT_EQ(*ParseDuration("1y"), hours(24 * 365));
  EXPECT_EQ(*ParseDuration("1h0m5s10ms"), hours(1) + seconds(5) + milliseconds(10));
  EXPECT_EQ(*ParseDuration("0"), Duration::zero());
  EXPECT_EQ(*ParseDuration("0s"), Duration::zero());
}

TEST(UnitsTest, RejectsMalformedDurations) {
  for (const char* bad : {"", "5", "-5s", "+5s", "5 s", "1.5h", "5S", "30m1h", "1m1m", "s", "10sec",
                          "1h-5m", "5m30"}) {
    EXPECT_FALSE(ParseDuration(bad).ok()) << bad;
  }
  EXPECT_EQ(ParseDuration("5x").status().message(),
            "invalid duration \"5x\"; use Prometheus duration syntax such as 500ms, 15s, 5m, "
            "1h30m");
}

TEST(UnitsTest, RejectsDurationOverflow) {
  EXPECT_TRUE(ParseDuration("292y").ok());
  EXPECT_EQ(ParseDuration("300y").status().message(), "duration \"300y\" is too large");
  EXPECT_FALSE(ParseDuration("99999999999999999999999ms").ok());
  EXPECT_FALSE(ParseDuration("292y52w").ok());
}

TEST(UnitsTest, ParsesSizes) {
  EXPECT_EQ(*ParseSize("1024"), 1024u);
  EXPECT_EQ(*ParseSize("0"), 0u);
  EXPECT_EQ(*ParseSize("12B"), 12u);
  EXPECT_EQ(*ParseSize("500MB"), 500'000'000u);
  EXPECT_EQ(*ParseSize("2kB"), 2000u);
  EXPECT_EQ(*ParseSize("50GB"), 50'000'000'000u);
  EXPECT_EQ(*ParseSize("1KiB"), 1024u);
  EXPECT_EQ(*ParseSize("1MiB"), 1048576u);
  EXPECT_EQ(*ParseSize("1GiB"), 1073741824u);
  EXPECT_EQ(*ParseSize("1.5GB"), 1'500'000'000u);
  EXPECT_EQ(*ParseSize("18446744073709551615"), 18446744073709551615u);
}

TEST(UnitsTest, RejectsBadSizes) {
  for (const char* bad : {"", "MB", "-1MB", "1 MB", "1mb", "1XB", "1.MB", ".5MB", "1e3", "1Mi"}) {
    EXPECT_FALSE(ParseSize(bad).ok()) << bad;
  }
  EXPECT_EQ(ParseSize("18446744073709551616").status().message(),
            "size \"18446744073709551616\" is too large");
  EXPECT_FALSE(ParseSize("20000000000GB").ok());
  EXPECT_FALSE(ParseSize("20000000000.5GB").ok());
}

TEST(UnitsTest, ParsesRatesAsBytesPerSecond) {
  EXPECT_DOUBLE_EQ(*ParseRate("100Mbit"), 12.5e6);
  EXPECT_DOUBLE_EQ(*ParseRate("1Gbit"), 125e6);
  EXPECT_DOUBLE_EQ(*ParseRate("500kbit"), 62500);
  EXPECT_DOUBLE_EQ(*ParseRate("100Mbit/s"), 12.5e6);
  EXPECT_DOUBLE_EQ(*ParseRate("12.5MB/s"), 12.5e6);
  EXPECT_DOUBLE_EQ(*ParseRate("1MiB/s"), 1048576);
  EXPECT_DOUBLE_EQ(*ParseRate("8bit"), 1);
}

TEST(UnitsTest, RejectsBadRates) {
  for (const char* bad : {"", "100", "100Mbps", "100MB", "-1Mbit", "1 Mbit", "Mbit", "1mbit"}) {
    EXPECT_FALSE(ParseRate(bad).ok()) << bad;
  }
}

TEST(UnitsTest, FormatsDurationsInParseableSyntax) {
  EXPECT_EQ(FormatDuration(minutes(90)), "1h30m");
  EXPECT_EQ(FormatDuration(milliseconds(1500)), "1s500ms");
  EXPECT_EQ(FormatDuration(Duration::zero()), "0s");
  for (const char* text : {"15s", "1d2h", "1y1w", "250ms"}) {
    EXPECT_EQ(FormatDuration(*ParseDuration(text)), text);
  }
}

TEST(UnitsTest, FormatsBytesWithDecimalUnits) {
  EXPECT_EQ(FormatBytes(512), "512B");
  EXPECT_EQ(FormatBytes(50'000'000'000), "50GB");
  EXPECT_EQ(FormatBytes(86'400'000'000), "86.4GB");
  EXPECT_EQ(FormatBytes(999'999'999), "1GB");
}

}  // namespace
}  // namespace hermes::config
