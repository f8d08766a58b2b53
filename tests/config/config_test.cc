// Tests for hermes.yml parsing: defaults, every kind's values, derived values and
// the shipped example config.
#include "config/config.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include "config/dns_config.h"
#include "config/http_config.h"
#include "config/icmp_config.h"
#include "config/parse.h"
#include "config/responsiveness_config.h"
#include "config/speedtest_config.h"
#include "config/stamp_config.h"
#include "config/tcp_config.h"
#include "probe/kind.h"
#include "testing/testing.h"

namespace hermes::config {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

const std::string kFixtureDir = HERMES_SOURCE_DIR "/tests/fixtures/config";

Config MustParse(const std::string& yaml) {
  auto config = ParseConfig(yaml, probe::BuiltinKinds(), "test-host");
  EXPECT_TRUE(config.ok()) << config.status().message();
  return config.ok() ? *config : Config{};
}

std::string ErrorOf(const std::string& yaml) {
  auto config = ParseConfig(yaml, probe::BuiltinKinds(), "test-host");
  return config.ok() ? "<parsed>" : config.status().message();
}

TEST(ConfigTest, MinimalFixtureGetsDefaults) {
  auto config = LoadConfigFile(kFixtureDir + "/valid-minimal.yml", probe::BuiltinKinds());
  ASSERT_TRUE(config.ok()) << config.status().message();
  const GlobalConfig& g = config->global;
  EXPECT_EQ(g.scrape_interval, seconds(15));
  EXPECT_FALSE(g.instance.empty());  // the host name
  EXPECT_EQ(g.max_series, 2000);
  EXPECT_EQ(g.monthly_data_budget, 0u);
  ASSERT_EQ(config->probes.size(), 1u);
  const ProbeConfig& p = config->probes[0];
  EXPECT_EQ(p.name, "gw");
  EXPECT_EQ(p.kind->name, "tcp");
  EXPECT_EQ(p.Settings<TcpConfig>().address, "192.0.2.1:443");
  EXPECT_EQ(p.interval, seconds(60));
  EXPECT_EQ(p.timeout, seconds(10));
  EXPECT_EQ(p.Settings<TcpConfig>().samples, 5);
  EXPECT_EQ(p.line, 3);
  EXPECT_EQ(config->source_hash.size(), 64u);
}

TEST(ConfigTest, AllKindsFixtureKeepsEveryValue) {
  const std::string path = kFixtureDir + "/valid-all-kinds.yml";
  auto config = LoadConfigFile(path, probe::BuiltinKinds());
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->global.scrape_interval, seconds(30));
  EXPECT_EQ(config->global.instance, "edge-1");
  EXPECT_EQ(config->global.max_series, 5000);
  EXPECT_EQ(config->global.monthly_data_budget, 2'000'000'000'000u);
  EXPECT_EQ(LatencyBuckets(*config), (std::vector<double>{0.001, 0.01, 0.1, 1}));
  EXPECT_EQ(ThroughputBuckets(*config), (std::vector<double>{1e6, 1e7, 1e8}));
  ASSERT_EQ(config->probes.size(), 7u);

  const ProbeConfig& speed = *config->FindProbe("cloudflare");
  const auto& st = speed.Settings<SpeedtestConfig>();
  EXPECT_EQ(speed.kind->name, "speedtest");
  EXPECT_EQ(speed.interval, minutes(15));
  EXPECT_EQ(speed.timeout, seconds(60));
  EXPECT_EQ(st.latency.samples, 20);
  EXPECT_EQ(st.download.streams, 4);
  EXPECT_EQ(st.download.max_bytes, 500'000'000u);
  EXPECT_FALSE(st.upload.enabled);
  EXPECT_EQ(st.upload.streams, 2);
  EXPECT_DOUBLE_EQ(*speed.expect.download_bytes_per_second, 12.5e6);
  EXPECT_DOUBLE_EQ(*speed.expect.upload_bytes_per_second, 2.5e6);
  EXPECT_DOUBLE_EQ(*speed.expect.latency_seconds, 0.03);
  ASSERT_TRUE(st.loaded_stamp.has_value());
  EXPECT_EQ(st.loaded_stamp->address, "192.0.2.9:8620");
  EXPECT_EQ(st.loaded_stamp->interval, std::chrono::milliseconds(50));
  EXPECT_EQ(st.loaded_stamp->max_packets, 1201u);  // the most 60 s can send

  const std::string dir = kFixtureDir;
  const auto& http = config->FindProbe("api")->Settings<HttpConfig>();
  EXPECT_EQ(http.target.url, "https://api.example.com/healthz");
  EXPECT_EQ(http.valid_status_codes, (std::vector<int>{200, 204}));
  EXPECT_FALSE(http.follow_redirects);
  EXPECT_EQ(http.max_redirects, 3);
  EXPECT_EQ(http.max_body_bytes, 1048576u);
  EXPECT_EQ(http.method, "HEAD");
  EXPECT_EQ(http.target.headers.at("X-Probe"), "hermes");
  EXPECT_EQ(http.target.bearer_token_file, dir + "/secrets/api-token");
  ASSERT_TRUE(http.target.tls_config.has_value());
  EXPECT_EQ(http.target.tls_config->ca_file, "/etc/hermes/ca.crt");
  EXPECT_EQ(http.target.tls_config->cert_file, dir + "/client.crt");
  EXPECT_EQ(http.target.tls_config->key_file, dir + "/client.key");
  EXPECT_EQ(http.target.tls_config->server_name, "api.example.com");
  EXPECT_EQ(http.target.tls_config->min_version, "TLS13");

  const auto& tcp = config->FindProbe("gateway")->Settings<TcpConfig>();
  EXPECT_EQ(tcp.address, "[2001:db8::1]:443");
  EXPECT_EQ(tcp.samples, 7);

  const ProbeConfig& resolver = *config->FindProbe("resolver");
  const auto& dns = resolver.Settings<DnsConfig>();
  EXPECT_EQ(dns.query, "example.com");
  EXPECT_EQ(dns.query_type, "AAAA");
  EXPECT_EQ(dns.server, "192.0.2.53:53");
  EXPECT_EQ(dns.transport, "tcp");
  EXPECT_EQ(dns.valid_rcodes, (std::vector<std::string>{"NOERROR", "NXDOMAIN"}));
  EXPECT_EQ(resolver.interval, seconds(60));

  const ProbeConfig& upstream = *config->FindProbe("upstream");
  EXPECT_EQ(upstream.Settings<IcmpConfig>().host, "192.0.2.1");
  EXPECT_EQ(upstream.Settings<IcmpConfig>().samples, 10);
  EXPECT_DOUBLE_EQ(*upstream.expect.latency_seconds, 0.02);

  const ProbeConfig& rpm = *config->FindProbe("rpm");
  const auto& rs = rpm.Settings<ResponsivenessConfig>();
  EXPECT_EQ(rs.target.url, "https://rpm.example.com:8443/.well-known/nq");
  EXPECT_FALSE(rs.download);
  EXPECT_TRUE(rs.upload);
  EXPECT_EQ(rs.max_duration, seconds(15));
  EXPECT_EQ(rs.max_bytes, 100'000'000u);
  EXPECT_EQ(rs.target.bearer_token_file, dir + "/secrets/rpm-token");
  EXPECT_EQ(rs.target.tls_config->ca_file, dir + "/rpm-ca.crt");
  EXPECT_DOUBLE_EQ(*rpm.expect.rpm, 800);
  EXPECT_DOUBLE_EQ(*rpm.expect.upload_bytes_per_second, 2.5e6);

  const ProbeConfig& reflector = *config->FindProbe("reflector");
  const auto& stamp = reflector.Settings<StampConfig>();
  EXPECT_EQ(stamp.address, "192.0.2.9:862");
  EXPECT_EQ(stamp.count, 50);
  EXPECT_EQ(stamp.packet_interval, std::chrono::milliseconds(10));
  EXPECT_EQ(stamp.packet_size, 100);
  EXPECT_EQ(reflector.timeout, seconds(20));
  EXPECT_EQ(config->FindProbe("nope"), nullptr);
}

TEST(ConfigTest, ResponsivenessDefaultsAndConfigResourcePath) {
  Config c = MustParse(R"(
probes:
  - {name: a, kind: responsiveness, url: "https://rpm.example.com", interval: 1h}
  - {name: b, kind: responsiveness, url: "https://rpm.example.com/", interval: 1h}
  - {name: c, kind: responsiveness, url: "http://rpm.example.com:8080/api/v1/config", interval: 1h}
)");
  const auto& a = c.probes[0].Settings<ResponsivenessConfig>();
  EXPECT_EQ(a.target.url, "https://rpm.example.com/.well-known/nq");
  EXPECT_TRUE(a.download && a.upload);
  EXPECT_EQ(a.max_duration, seconds(20));
  EXPECT_EQ(a.max_bytes, 500'000'000u);
  EXPECT_EQ(c.probes[0].timeout, seconds(60));
  EXPECT_EQ(c.probes[1].Settings<ResponsivenessConfig>().target.url,
            "https://rpm.example.com/.well-known/nq");
  EXPECT_EQ(c.probes[2].Settings<ResponsivenessConfig>().target.url,
            "http://rpm.example.com:8080/api/v1/config");
  // The data budget's worst case: the config resource and the protocol check (twice
  // each in clear text), then per direction max_bytes,
  // a read block per connection, and 2 x 100 probes/s x 20 s at their body cap (plus
  // one answer per upload request) with a read block for each probe in flight.
  const uint64_t per_direction = 500'000'000 + 16 * kTransferReadBlockBytes +
                                 (4000 + 16 + 500) * kMaxPingBodyBytes + 48 * kPingReadBlockBytes;
  const uint64_t setup = 2 * (kMaxNqConfigBytes + kMaxPingBodyBytes + 2 * kPingReadBlockBytes);
  EXPECT_EQ(a.MaxBytesPerRun(), setup + 2 * per_direction);
}

TEST(ConfigTest, SpeedtestStopWhenStable) {
  Config c = MustParse(R"(
probes:
  - {name: s, kind: speedtest, url: "https://s.example.com", interval: 1h,
     download: {stop: stable, duration: 10s}, upload: {stop: duration}}
)");
  const auto& s = c.probes[0].Settings<SpeedtestConfig>();
  EXPECT_TRUE(s.download.stop_when_stable);
  EXPECT_FALSE(s.upload.stop_when_stable);
}

TEST(ConfigTest, ExampleConfigParsesAndShowsEveryKey) {
  const std::string path = HERMES_SOURCE_DIR "/config/hermes.example.yml";
  auto config = LoadConfigFile(path, probe::BuiltinKinds());
  ASSERT_TRUE(config.ok()) << config.status().message();
  const std::string text = hermes::testing::ReadFile(path);
  for (const KindSpec* kind : probe::BuiltinKinds()) {
    EXPECT_TRUE(std::any_of(config->probes.begin(), config->probes.end(),
                            [&](const ProbeConfig& p) { return p.kind == kind; }))
        << kind->name;
    for (std::string_view key : kind->keys) {
      EXPECT_NE(text.find(" " + std::string(key) + ":"), std::string::npos)
          << kind->name << "." << key << " is not shown in " << path;
    }
  }
  for (const char* key :
       {"source_ip_address", "interface", "preferred_ip_protocol", "ip_protocol_fallback"}) {
    EXPECT_NE(text.find(std::string(" ") + key + ":"), std::string::npos) << key;
  }
}

TEST(ConfigTest, SpeedtestApiDefaultsToCloudflareAndLibreSpeedTakesPaths) {
  Config c = MustParse(R"(
probes:
  - {name: cf, kind: speedtest, url: "http://h/"}
  - {name: php, kind: speedtest, api: librespeed, url: "http://h/backend"}
  - {name: rust, kind: speedtest, api: librespeed, url: "http://h/",
     paths: {download: backend/garbage, upload: backend/empty, ping: backend/empty}}
)");
  const auto& cf = c.probes[0].Settings<SpeedtestConfig>();
  EXPECT_EQ(cf.api, "cloudflare");
  const auto& php = c.probes[1].Settings<SpeedtestConfig>();
  EXPECT_EQ(php.api, "librespeed");
  EXPECT_EQ(php.paths, (LibreSpeedPaths{"garbage.php", "empty.php", "empty.php"}));
  EXPECT_EQ(c.probes[2].Settings<SpeedtestConfig>().paths,
            (LibreSpeedPaths{"backend/garbage", "backend/empty", "backend/empty"}));
  EXPECT_FALSE(c.probes[1] == c.probes[2]);  // a reload with new paths restarts the probe
}

TEST(ConfigTest, LibreSpeedPathsMustBeRelativeUrlPaths) {
  const std::string head =
      "probes: [{name: s, kind: speedtest, api: librespeed, url: 'http://h/', paths: {ping: ";
  for (const char* bad :
       {"'/empty.php'", "'../empty.php'", "'a/../../b'", "'empty php'", "'empty.php#x'", "''"}) {
    EXPECT_NE(ErrorOf(head + bad + "}}]").find("probes[0].paths.ping (line 1): "),
              std::string::npos)
        << bad;
  }
  EXPECT_EQ(ErrorOf(head + "'backend/empty.php'}}]"), "<parsed>");
}

TEST(ConfigTest, PathKeysAreCommonToEveryKind) {
  Config c = MustParse(R"(
probes:
  - {name: s, kind: speedtest, url: "http://h/", interface: wan2}
  - {name: h, kind: http, url: "http://h/", source_ip_address: "2001:db8::10"}
  - {name: t, kind: tcp, address: "h:1", preferred_ip_protocol: ip4, ip_protocol_fallback: false}
  - {name: d, kind: dns, query: example.com, preferred_ip_protocol: ip6}
  - {name: i, kind: icmp, host: h, source_ip_address: 192.0.2.10, interface: eth1}
)");
  EXPECT_EQ(c.probes[0].path.interface, "wan2");
  EXPECT_EQ(c.probes[0].path.preferred_ip_protocol, "auto");
  EXPECT_TRUE(c.probes[0].path.ip_protocol_fallback);
  EXPECT_EQ(c.probes[0].path.OnlyFamily(), AF_UNSPEC);
  EXPECT_EQ(c.probes[1].path.OnlyFamily(), AF_INET6);  // its source address's
  EXPECT_EQ(c.probes[2].path.OnlyFamily(), AF_INET);
  EXPECT_EQ(c.probes[3].path.OnlyFamily(), AF_UNSPEC);  // ip6 preferred, ip4 allowed
  EXPECT_EQ(c.probes[4].path, (PathConfig{"192.0.2.10", "eth1", "auto", true}));
  ProbeConfig moved = c.probes[4];
  moved.path.interface = "eth2";
  EXPECT_FALSE(moved == c.probes[4]);  // a reload with a new path restarts the probe
}

TEST(ConfigTest, DefaultTimeoutIsKindDefaultCappedAtEightyPercentOfInterval) {
  Config c = MustParse(R"(
global: {scrape_interval: 5s}
probes:
  - {name: a, kind: tcp, address: "h:1", interval: 5s}
  - {name: b, kind: tcp, address: "h:1", interval: 1h}
  - {name: c, kind: speedtest, url: "http://h/", interval: 30s,
     download: {duration: 5s}, upload: {enabled: false}}
  - {name: d, kind: speedtest, url: "http://h/", interval: 1h}
)");
  EXPECT_EQ(c.probes[0].timeout, seconds(4));
  EXPECT_EQ(c.probes[1].timeout, seconds(10));
  EXPECT_EQ(c.probes[2].timeout, seconds(24));
  EXPECT_EQ(c.probes[3].timeout, seconds(60));
}

TEST(ConfigTest, DefaultIntervalIsFirstScrapeMultipleOfAtLeastAMinute) {
  Config c = MustParse("global: {scrape_interval: 45s}\nprobes: [{name: a, kind: icmp, host: h}]");
  EXPECT_EQ(c.probes[0].interval, seconds(90));
}

TEST(ConfigTest, InstanceDefaultsToGivenHostName) {
  EXPECT_EQ(MustParse("probes: []").global.instance, "test-host");
  EXPECT_EQ(MustParse("global: {instance: pod-7}\nprobes: []").global.instance, "pod-7");
}

TEST(ConfigTest, SourceHashIsSha256OfText) {
  EXPECT_EQ(MustParse("probes: []").source_hash, Sha256Hex("probes: []"));
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(ConfigTest, RelativePathsStayRelativeWithoutBaseDir) {
  Config c = MustParse("probes: [{name: a, kind: http, url: 'http://h/', bearer_token_file: tok}]");
  EXPECT_EQ(c.probes[0].Settings<HttpConfig>().target.bearer_token_file, "tok");
  auto with_dir =
      ParseConfig("probes: [{name: a, kind: http, url: 'http://h/', bearer_token_file: ../tok}]",
                  probe::BuiltinKinds(), "h", "/etc/hermes/conf");
  ASSERT_TRUE(with_dir.ok());
  EXPECT_EQ(with_dir->probes[0].Settings<HttpConfig>().target.bearer_token_file, "/etc/hermes/tok");
}

TEST(ConfigTest, DefaultBuckets) {
  const std::vector<double> latency = DefaultLatencyBuckets();
  ASSERT_EQ(latency.size(), 15u);
  EXPECT_DOUBLE_EQ(latency.front(), 0.0005);
  EXPECT_DOUBLE_EQ(latency.back(), 8.192);
  const std::vector<double> throughput = DefaultThroughputBuckets();
  EXPECT_LE(throughput.size(), 30u);
  EXPECT_DOUBLE_EQ(throughput.front(), 1e5);
  EXPECT_DOUBLE_EQ(throughput.back(), 1e10);
  for (const auto* b : {&latency, &throughput}) {
    EXPECT_TRUE(std::is_sorted(b->begin(), b->end()));
    EXPECT_EQ(std::adjacent_find(b->begin(), b->end()), b->end());
  }
  Config empty;
  EXPECT_EQ(LatencyBuckets(empty), latency);
  EXPECT_EQ(ThroughputBuckets(empty), throughput);
}

TEST(ConfigTest, ProjectedMonthlyBytesCountsEnabledSpeedtestTransfers) {
  Config c = MustParse(R"(
probes:
  - {name: a, kind: speedtest, url: "http://h/", interval: 1h,
     download: {max_bytes: 100MB}, upload: {max_bytes: 50MB}}
  - {name: b, kind: speedtest, url: "http://h/", interval: 1d, upload: {enabled: false}}
  - {name: c, kind: tcp, address: "h:1"}
)");
  // Per run: max_bytes, one read block per stream, every latency request's capped
  // body (21 idle, 10 s / 200 ms + 3 per direction) and every upload request's
  // capped answer (requests of at least 1 MB but the last: 50 + 1).
  constexpr uint64_t kPing = kMaxPingBodyBytes + kPingReadBlockBytes;
  constexpr uint64_t kBlock = kTransferReadBlockBytes;
  const uint64_t a = 21 * kPing + (100'000'000 + 4 * kBlock + 53 * kPing) +
                     (50'000'000 + 2 * kBlock + 53 * kPing) + 51 * kMaxPingBodyBytes;
  const uint64_t b = 21 * kPing + 500'000'000 + 4 * kBlock + 53 * kPing;
  EXPECT_EQ(ProbeMonthlyBytes(c.probes[0]), a * 720);
  EXPECT_EQ(ProbeMonthlyBytes(c.probes[1]), b * 30);
  EXPECT_EQ(ProbeMonthlyBytes(c.probes[2]), 0u);  // handshakes only
  EXPECT_EQ(ProjectedMonthlyBytes(c), a * 720 + b * 30);
}

TEST(ConfigTest, ProjectedMonthlyBytesBoundsEveryKind) {
  Config c = MustParse(R"(
global: {scrape_interval: 60s}
probes:
  - {name: h, kind: http, url: "http://h/", interval: 1h, max_body_bytes: 1MB}
  - {name: d, kind: dns, query: example.com, interval: 1h}
  - {name: i, kind: icmp, host: h, interval: 1h, samples: 5}
  - {name: s, kind: stamp, address: h, interval: 1h, count: 200, packet_size: 100}
  - {name: l, kind: speedtest, url: "http://h/", interval: 1h, timeout: 30s,
     loaded_stamp: {address: h, interval: 50ms}}
)");
  EXPECT_EQ(ProbeMonthlyBytes(c.probes[0]), (1'000'000 + kHttpMaxReadAheadBytes) * 720);
  EXPECT_EQ(ProbeMonthlyBytes(c.probes[1]), kDnsMaxBytesPerRun * 720);
  EXPECT_EQ(ProbeMonthlyBytes(c.probes[2]), 5 * 2 * kIcmpEchoBytes * 720);
  // stamp: each packet, and per packet at most 2 datagrams read back of its size.
  EXPECT_EQ(ProbeMonthlyBytes(c.probes[3]), 200 * 3 * 100 * 720);
  // loaded_stamp: at most 30 s / 50 ms + 1 packets of 44 bytes, each with 2 datagrams
  // read back (the reply and a duplicate or stray).
  SpeedtestConfig without = c.probes[4].Settings<SpeedtestConfig>();
  without.loaded_stamp.reset();
  EXPECT_EQ(c.probes[4].Settings<SpeedtestConfig>().MaxBytesPerRun(),
            without.MaxBytesPerRun() + 601 * 3 * 44);
}

TEST(ConfigTest, DataBudgetAtExactlyTheProjectionIsAccepted) {
  const std::string probes =
      "\nprobes: [{name: b, kind: speedtest, url: 'http://h/', interval: 1d, "
      "upload: {enabled: false}}]";
  const uint64_t projected = ProjectedMonthlyBytes(MustParse(probes));
  EXPECT_EQ(ErrorOf("global: {monthly_data_budget: " + std::to_string(projected) + "}" + probes),
            "<parsed>");
  EXPECT_NE(
      ErrorOf("global: {monthly_data_budget: " + std::to_string(projected - 1) + "}" + probes),
      "<parsed>");
}

TEST(ConfigTest, NamesTheKeyPathOfNestedErrors) {
  EXPECT_EQ(ErrorOf("probes:\n  - {name: a, kind: tcp, address: 'h:1'}\n"
                    "  - {name: b, kind: tcp, address: 'h:1'}\n"
                    "  - name: c\n    kind: speedtest\n    url: http://h/\n"
                    "    download:\n      streams: 0\n"),
            "probes[2].download.streams (line 8): must be between 1 and 32, got 0");
}

TEST(ConfigTest, RejectsQuotedNumbersAndNullValues) {
  EXPECT_EQ(ErrorOf("probes: [{name: a, kind: tcp, address: 'h:1', samples: \"4\"}]"),
            "probes[0].samples (line 1): must be an integer between 1 and 100, got \"4\"");
  EXPECT_EQ(ErrorOf("probes:\n  - name: a\n    kind: http\n    url:\n"),
            "probes[0].url (line 4): must be a string, got null");
  EXPECT_EQ(ErrorOf("hello"), "line 1: must be a map, got \"hello\"");
}

TEST(ConfigTest, RejectsAbsurdlyLongStrings) {
  const std::string url = "http://h/" + std::string(100 * 1024, 'a');
  EXPECT_EQ(ErrorOf("probes: [{name: a, kind: http, url: '" + url + "'}]"),
            "probes[0].url (line 1): is 102409 characters long; at most 8192 are allowed");
}

TEST(ConfigTest, AcceptsEmptyProbeList) { EXPECT_TRUE(MustParse("probes: []").probes.empty()); }

TEST(ConfigTest, AcceptsIpv6AndDefaultPortsForDnsServers) {
  Config c = MustParse(R"(
probes:
  - {name: a, kind: dns, query: example.com., server: "2001:db8::53"}
  - {name: b, kind: dns, query: _sip._tcp.example.com, type: SRV, server: "[2001:db8::53]:5353"}
)");
  EXPECT_EQ(c.probes[0].Settings<DnsConfig>().server, "[2001:db8::53]:53");
  EXPECT_EQ(c.probes[1].Settings<DnsConfig>().server, "[2001:db8::53]:5353");
}

}  // namespace
}  // namespace hermes::config
