// Shared test support: temporary directories, a generated PKI, file helpers.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <utility>

namespace hermes::testing {

// Polls `pred` until it holds (true) or `timeout` passes (false). For waiting on
// events in other threads; the timeout only bounds a failing test, so it is long
// enough for a loaded machine and never a speed assertion.
bool Eventually(const std::function<bool()>& pred,
                std::chrono::milliseconds timeout = std::chrono::seconds(30));

// A fresh directory under $TMPDIR, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// A 127.0.0.1 TCP port the kernel just handed out and nothing listens on (bound,
// read and closed): for "connection refused" tests, and for servers that cannot
// report a port 0 they were given (they must retry if another process took it).
int UnusedLoopbackPort();

// Writes `content` to `path` atomically (write to temp file, rename).
void WriteFile(const std::string& path, const std::string& content);
std::string ReadFile(const std::string& path);

// The test PKI, generated once per build (tests/testing/make_test_pki.sh); read only:
//   ca.crt ca.key                 a self-signed CA
//   server.crt server.key         signed by ca, SAN DNS:localhost, IP:127.0.0.1
//   server2.crt server2.key       a second server cert (for rotation tests)
//   client.crt client.key         client cert signed by ca, SAN DNS:scraper.example
//   other-ca.crt other-ca.key     an unrelated CA
//   rogue-client.crt/.key         client cert signed by other-ca
//   wronghost.crt wronghost.key   signed by ca, SAN DNS:wrong.example only
//   expired.crt expired.key       signed by ca, expired
class TestPki {
 public:
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }
  const std::string& dir() const { return dir_; }

 private:
  explicit TestPki(std::string dir) : dir_(std::move(dir)) {}
  friend const TestPki& SharedPki();
  std::string dir_;
};
const TestPki& SharedPki();

}  // namespace hermes::testing
