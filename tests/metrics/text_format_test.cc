// The text format's value and escaping rules.
#include "metrics/text_format.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <random>

namespace hermes::metrics {
namespace {

std::string V(double v) {
  std::string s;
  AppendValue(s, v);
  return s;
}

TEST(TextFormatTest, IntegersWithoutExponent) {
  EXPECT_EQ(V(0), "0");
  EXPECT_EQ(V(-0.0), "0");
  EXPECT_EQ(V(1), "1");
  EXPECT_EQ(V(-42), "-42");
  EXPECT_EQ(V(1e6), "1000000");
  EXPECT_EQ(V(12.5e6), "12500000");
  EXPECT_EQ(V(1700000120), "1700000120");
  EXPECT_EQ(V(9007199254740993.0), "9007199254740992");  // the double's exact value
  EXPECT_EQ(V(0x1p62), "4611686018427387904");
  EXPECT_EQ(V(0x1p63), "9.223372036854776e+18");  // beyond int64: shortest form
}

TEST(TextFormatTest, FractionsAreShortestRoundTrip) {
  EXPECT_EQ(V(0.1), "0.1");
  EXPECT_EQ(V(2.5), "2.5");
  EXPECT_EQ(V(0.0001), "0.0001");
  EXPECT_EQ(V(0.0005), "0.0005");
  EXPECT_EQ(V(1e-05), "1e-05");
  EXPECT_EQ(V(1700000120.5), "1700000120.5");
  EXPECT_EQ(V(0.0015 * 3), "0.0045000000000000005");
  EXPECT_EQ(V(1.5e300), "1.5e+300");
  EXPECT_EQ(V(5e-324), "5e-324");
  std::mt19937_64 rng(1);
  for (int i = 0; i < 20000; ++i) {
    uint64_t bits = rng();
    double d;
    std::memcpy(&d, &bits, sizeof(d));
    if (!std::isfinite(d)) continue;
    const std::string s = V(d);
    EXPECT_EQ(std::strtod(s.c_str(), nullptr), d) << s;
  }
}

TEST(TextFormatTest, SpecialValues) {
  EXPECT_EQ(V(NAN), "NaN");
  EXPECT_EQ(V(INFINITY), "+Inf");
  EXPECT_EQ(V(-INFINITY), "-Inf");
}

TEST(TextFormatTest, Escaping) {
  std::string label, help;
  AppendLabelValue(label, "a\\b\"c\nd");
  AppendHelp(help, "a\\b\"c\nd");
  EXPECT_EQ(label, "a\\\\b\\\"c\\nd");
  EXPECT_EQ(help, "a\\\\b\"c\\nd");
}

}  // namespace
}  // namespace hermes::metrics
