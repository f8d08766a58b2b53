#include "testing/testing.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace hermes::testing {
namespace fs = std::filesystem;

TempDir::TempDir() {
  std::string tmpl = (fs::temp_directory_path() / "hermes-test-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) std::abort();
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

void WriteFile(const std::string& path, const std::string& content) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << content;
  }
  fs::rename(tmp, path);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool Eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return pred();
}

namespace {

void Run(const std::string& cmd) {
  std::string full = cmd + " >/dev/null 2>&1";
  int rc = std::system(full.c_str());
  if (rc != 0) {
    ADD_FAILURE() << "openssl failed (" << rc << "): " << cmd;
    std::abort();
  }
}

// Issues `name`.crt/.key signed by `ca` with the given SAN extension.
void Issue(const std::string& d, const std::string& name, const std::string& ca,
           const std::string& san, const std::string& eku, const std::string& days) {
  std::string ext = d + "/" + name + ".ext";
  WriteFile(
      ext, "subjectAltName=" + san + "\nextendedKeyUsage=" + eku + "\nbasicConstraints=CA:FALSE\n");
  Run("openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout " + d + "/" +
      name + ".key -out " + d + "/" + name + ".csr -subj /CN=" + name);
  Run("openssl x509 -req -in " + d + "/" + name + ".csr -CA " + d + "/" + ca + ".crt -CAkey " + d +
      "/" + ca + ".key -CAcreateserial -days " + days + " -extfile " + ext + " -out " + d + "/" +
      name + ".crt");
}

void MakeCa(const std::string& d, const std::string& name) {
  Run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 "
      "-keyout " +
      d + "/" + name + ".key -out " + d + "/" + name + ".crt -subj /CN=" + name +
      " -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign");
}

}  // namespace

TestPki::TestPki(const std::string& d) : dir(d) {
  MakeCa(d, "ca");
  MakeCa(d, "other-ca");
  Issue(d, "server", "ca", "DNS:localhost,IP:127.0.0.1", "serverAuth", "30");
  Issue(d, "server2", "ca", "DNS:localhost,IP:127.0.0.1", "serverAuth", "30");
  Issue(d, "wronghost", "ca", "DNS:wrong.example", "serverAuth", "30");
  Issue(d, "client", "ca", "DNS:scraper.example", "clientAuth", "30");
  Issue(d, "rogue-client", "other-ca", "DNS:scraper.example", "clientAuth", "30");
  // An already expired certificate: notAfter is one day before notBefore (now).
  std::string ext = d + "/expired.ext";
  WriteFile(ext, "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
  Run("openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout " + d +
      "/expired.key -out " + d + "/expired.csr -subj /CN=expired");
  Run("openssl x509 -req -in " + d + "/expired.csr -CA " + d + "/ca.crt -CAkey " + d +
      "/ca.key -CAcreateserial -days -1 -extfile " + ext + " -out " + d + "/expired.crt");
}

}  // namespace hermes::testing
