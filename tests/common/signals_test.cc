#include "common/signals.h"

#include <gtest/gtest.h>
#include <pthread.h>

namespace hermes {
namespace {

// Signals raised while blocked stay pending for this thread; WaitForShutdown
// collects them in signal-number order (SIGHUP=1 before SIGINT=2 and SIGTERM=15).
TEST(SignalWaiterTest, HangupCallsBackThenTermEndsTheWait) {
  SignalWaiter waiter(true);
  ASSERT_EQ(pthread_kill(pthread_self(), SIGHUP), 0);
  ASSERT_EQ(pthread_kill(pthread_self(), SIGTERM), 0);
  int hangups = 0;
  EXPECT_EQ(waiter.WaitForShutdown([&] { ++hangups; }), "SIGTERM");
  EXPECT_EQ(hangups, 1);
}

TEST(SignalWaiterTest, InterruptEndsTheWait) {
  SignalWaiter waiter(false);
  ASSERT_EQ(pthread_kill(pthread_self(), SIGINT), 0);
  EXPECT_EQ(waiter.WaitForShutdown(), "SIGINT");
}

TEST(SignalWaiterTest, BlocksWhileAliveAndRestoresTheMask) {
  sigset_t before;
  pthread_sigmask(SIG_SETMASK, nullptr, &before);
  {
    SignalWaiter waiter(true);
    sigset_t during;
    pthread_sigmask(SIG_SETMASK, nullptr, &during);
    EXPECT_TRUE(sigismember(&during, SIGTERM));
    EXPECT_TRUE(sigismember(&during, SIGINT));
    EXPECT_TRUE(sigismember(&during, SIGHUP));
  }
  sigset_t after;
  pthread_sigmask(SIG_SETMASK, nullptr, &after);
  EXPECT_EQ(sigismember(&after, SIGTERM), sigismember(&before, SIGTERM));
  EXPECT_EQ(sigismember(&after, SIGHUP), sigismember(&before, SIGHUP));
}

TEST(SignalWaiterTest, HangupNotHandledStaysUnblocked) {
  SignalWaiter waiter(false);
  sigset_t during;
  pthread_sigmask(SIG_SETMASK, nullptr, &during);
  EXPECT_TRUE(sigismember(&during, SIGTERM));
  EXPECT_FALSE(sigismember(&during, SIGHUP));
}

}  // namespace
}  // namespace hermes
