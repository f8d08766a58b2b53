// A real nginx (Debian's nginx-light) set up as a responsiveness (RPM) server on
// 127.0.0.1, for the responsiveness probe's tests: the draft's config resource at
// /.well-known/nq, /small (1 byte), /large (an 8 GB sparse file) and /upload.
//
// With a certificate it serves TLS with ALPN h2 and http/1.1 (HTTP/2 unless
// `http2` is off); without, clear text: HTTP/2 with prior knowledge only (nginx's
// h2c), or HTTP/1.1 with `http2` off. /upload is proxied to an
// HTTP/1.1 upload sink (`upload_upstream`, e.g. a SpeedFixture's POST /__up) with
// request buffering off, as the README's nginx example does; without one nginx
// reads and discards the body itself. `nq_json` replaces the config resource's
// body ("{origin}" becomes "https://localhost:<port>" or "http://127.0.0.1:<port>"),
// and `extra` adds server-level directives (more locations), to make it misbehave.
//
// nginx runs as a child process in a fresh temporary prefix, on a port picked free
// just before it starts (nginx cannot report a port 0 it was given); a start that
// loses that race is retried. The destructor stops it (SIGTERM to its pid) and
// waits for it. The nginx binary must be installed (scripts/deps.sh test).
#pragma once

#include <sys/types.h>

#include <string>

#include "testing/testing.h"

namespace hermes::testing {

struct NginxOptions {
  std::string cert_file;  // both set: TLS
  std::string key_file;
  bool http2 = true;            // TLS: offer h2 in ALPN; clear text: h2c only
  std::string upload_upstream;  // "127.0.0.1:<port>" serving POST /__up; "" discards
  std::string nq_json;          // "" : the standard config for /small, /large, /upload
  std::string extra;            // more directives inside the server block
  // Logs "<connection serial> <requests on it> <method> <uri> <status> <auth?>" per
  // request into access.log (auth? is "auth" when an Authorization or X-Secret header came).
  bool access_log = false;
  std::string large_rate;  // nginx limit_rate of /large per connection, e.g. "2m"
};

class NginxFixture {
 public:
  explicit NginxFixture(NginxOptions opts);
  ~NginxFixture();
  NginxFixture(const NginxFixture&) = delete;
  NginxFixture& operator=(const NginxFixture&) = delete;

  bool running() const { return pid_ > 0; }
  const std::string& error() const { return error_; }  // why it is not running
  int port() const { return port_; }
  std::string origin() const;
  std::string config_url() const { return origin() + "/.well-known/nq"; }
  // Stops nginx gracefully (a request is logged when its connection is done, so the
  // log is complete only then) and returns the access log.
  std::string AccessLog();
  void Stop();

 private:
  bool Start();

  NginxOptions opts_;
  TempDir dir_;
  pid_t pid_ = -1;
  int port_ = 0;
  std::string error_;
};

}  // namespace hermes::testing
