#include "target/flags.h"

#include "common/flag_set.h"
#include "config/parse.h"

namespace hermes::target {
namespace {

FlagSet Define(Flags& f) {
  FlagSet s;
  s.AddRepeated("web.listen-address", "address to listen on, repeatable (default :10517)",
                &f.listen_addresses);
  s.AddString("web.config.file", "exporter-toolkit web config (TLS, basic auth)",
              &f.web_config_file);
  s.AddRepeated("web.bearer-token-file", "accepted bearer token file, repeatable (optional)",
                &f.bearer_token_files);
  s.AddInt("web.max-connections", "total open connections (default 256)", 1, 100000,
           &f.max_connections);
  s.AddInt("web.max-connections-per-ip", "open connections per client IP (default 64)", 1, 100000,
           &f.max_connections_per_ip);
  s.Add("max-bytes-per-request", "largest __down/__up transfer (default 1GiB)",
        [&f](const std::string& v) {
          auto n = config::ParseSize(v);
          if (!n.ok() || n.value() == 0) {
            return Status::Invalid("--max-bytes-per-request: must be a size like 1GiB, got \"" + v +
                                   "\"");
          }
          f.max_bytes_per_request = n.value();
          return Status::Ok();
        });
  s.Add("web.cors.origin",
        "browser origins allowed to run speed tests (CORS on __down/__up): a fully anchored "
        "regular expression, e.g. 'https://speed\\.example\\.net'; default none",
        [&f](const std::string& v) {
          if (Status st = CheckCorsOrigin(v); !st.ok()) {
            return Status::Invalid("--web.cors.origin: " + st.message());
          }
          f.cors_origin = v;
          return Status::Ok();
        });
  s.AddBool("rpm.anonymous",
            "serve the responsiveness (RPM) resources without auth, for stock RPM clients",
            &f.rpm.anonymous);
  s.Add("rpm.test-endpoint", "host announced as test_endpoint in /.well-known/nq",
        [&f](const std::string& v) {
          auto host = TestEndpoint(v);
          if (!host) {
            return Status::Invalid(
                "--rpm.test-endpoint: must be a host name or address without a port, got \"" + v +
                "\"");
          }
          f.rpm.test_endpoint = *host;
          return Status::Ok();
        });
  s.AddString("stamp.listen-address",
              "UDP address of the STAMP (RFC 8762) session-reflector, e.g. :862 (default off)",
              &f.stamp.listen_address);
  s.AddBool("stamp.stateless",
            "reflect the sender's sequence numbers (senders then see round-trip loss only)",
            &f.stamp.limits.stateless);
  s.AddInt("stamp.max-rate", "STAMP packets per second reflected per client address (default 1000)",
           1, 1000000, &f.stamp.limits.packets_per_second);
  s.AddInt("stamp.max-clients",
           "client addresses the STAMP reflector tracks at once (default 1024)", 1, 1000000,
           &f.stamp.limits.max_clients);
  s.AddString("log.level", "debug, info, warn or error (default info)", &f.log_level);
  s.AddString("log.format", "logfmt or json (default logfmt)", &f.log_format);
  s.AddBool("version", "print version information and exit", &f.version);
  s.AddBool("help", "print this help and exit", &f.help);
  TestFaults& t = f.faults;
  s.AddDuration("test.response-delay", "TEST ONLY: delay every __down/__up answer by this duration",
                config::ParseDuration, &t.response_delay);
  s.AddBool("test.stall", "TEST ONLY: send __down headers, then never the body", &t.stall);
  s.Add("test.reset-after-bytes", "TEST ONLY: reset __down connections after N bytes",
        [&t](const std::string& v) {
          auto n = config::ParseSize(v);
          if (!n.ok()) return Status::Invalid("--test.reset-after-bytes: " + n.status().message());
          t.reset_after_bytes = n.value();
          return Status::Ok();
        });
  s.AddBool("test.short-body", "TEST ONLY: declare a longer Content-Length than sent",
            &t.short_body);
  s.AddInt("test.status", "TEST ONLY: answer __down/__up with this HTTP status", 0, 599, &t.status);
  s.AddInt("test.retry-after", "TEST ONLY: Retry-After seconds with --test.status", 0, 86400,
           &t.retry_after_seconds);
  return s;
}

}  // namespace

Result<Flags> ParseFlags(const std::vector<std::string>& args) {
  auto flags = FlagSet::ParseInto(Define, args);
  if (flags.ok() && flags->listen_addresses.empty()) flags->listen_addresses.push_back(":10517");
  return flags;
}

std::string FlagsUsage(const std::string& program) { return FlagSet::UsageOf(Define, program); }

}  // namespace hermes::target
