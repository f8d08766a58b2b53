// The LibreSpeed fixture (testing/librespeed_fixture.h) as a program, for end-to-end
// tests that run it inside a network namespace:
//
//   librespeed_fixture IP PORT [php|go|rust]
//
// Prints "listening <port>" once bound, serves until SIGTERM or SIGINT.
#include "testing/librespeed_fixture.h"

#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char** argv) {
  using Backend = hermes::testing::LibreSpeedFixture::Backend;
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s IP PORT [php|go|rust]\n", argv[0]);
    return 2;
  }
  const std::string name = argc > 3 ? argv[3] : "php";
  const Backend backend = name == "go"     ? Backend::kGo
                          : name == "rust" ? Backend::kRust
                                           : Backend::kPhp;
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // before the fixture's threads start
  signal(SIGPIPE, SIG_IGN);
  hermes::testing::LibreSpeedFixture fixture(backend, argv[1], std::atoi(argv[2]));
  std::printf("listening %s\n", fixture.url().c_str());
  std::fflush(stdout);
  int sig = 0;
  sigwait(&signals, &sig);
  return 0;
}
