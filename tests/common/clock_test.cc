// Tests for common/clock's wall-time formatting.
#include "common/clock.h"

#include <gtest/gtest.h>

namespace hermes {
namespace {

TEST(Rfc3339Test, FormatsTimesAsRfc3339Utc) {
  EXPECT_EQ(Rfc3339(WallTime(std::chrono::milliseconds(1'700'000'000'123))),
            "2023-11-14T22:13:20.123Z");
}

TEST(Rfc3339Test, CutsOffSubMilliseconds) {
  EXPECT_EQ(Rfc3339(WallTime(std::chrono::microseconds(1'700'000'000'123'999))),
            "2023-11-14T22:13:20.123Z");
}

TEST(Rfc3339Test, BeforeTheEpoch) {
  EXPECT_EQ(Rfc3339(WallTime(std::chrono::milliseconds(-1))), "1969-12-31T23:59:59.999Z");
}

}  // namespace
}  // namespace hermes
