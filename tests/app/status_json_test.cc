#include "app/status_json.h"

#include <gtest/gtest.h>

#include "app/flags.h"
#include "config/tcp_config.h"
#include "testing/probe_config.h"

namespace hermes::app {
namespace {

TEST(StatusJsonTest, ListsEveryProbeWithItsLastRun) {
  config::Config cfg;
  cfg.source_hash = "abc";
  cfg.probes.push_back(hermes::testing::MakeProbeConfig("gw", "tcp", config::TcpConfig{}));
  scheduler::ProbeStatus st;
  st.name = "gw";
  st.last_run = WallTime(std::chrono::seconds(1'700'000'000));
  st.last_duration = std::chrono::milliseconds(1500);
  st.last_success = false;
  st.last_failure_reason = "connect";
  st.last_error = "refused \"x\"";
  st.next_run = WallTime(std::chrono::seconds(1'700'000'015));
  const std::string json = StatusJson(cfg, {st});
  EXPECT_NE(json.find("\"config_hash\":\"abc\""), std::string::npos) << json;
  EXPECT_NE(json.find("{\"name\":\"gw\",\"kind\":\"tcp\",\"running\":false,"
                      "\"last_run\":\"2023-11-14T22:13:20.000Z\",\"last_duration_seconds\":1.5"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find("\"last_success\":false,\"failure_reason\":\"connect\","
                      "\"error\":\"refused \\\"x\\\"\",\"next_run\":\"2023-11-14T22:13:35.000Z\"}"),
            std::string::npos)
      << json;
}

TEST(StatusJsonTest, NeverRunProbeHasNullLastRunAndSuccess) {
  config::Config cfg;
  scheduler::ProbeStatus st;
  st.name = "new";
  const std::string json = StatusJson(cfg, {st});
  EXPECT_NE(json.find("\"last_run\":null"), std::string::npos) << json;
  EXPECT_NE(json.find("\"last_success\":null"), std::string::npos) << json;
}

TEST(FlagsTest, DefaultsFollowTheSpec) {
  auto f = ParseFlags({});
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->config_file, "config/hermes.yml");
  EXPECT_EQ(f->listen_addresses, std::vector<std::string>{":10516"});
  EXPECT_EQ(f->telemetry_path, "/metrics");
  EXPECT_EQ(f->max_connections, 64);
  EXPECT_EQ(f->max_connections_per_ip, 8);
  EXPECT_EQ(f->request_head_timeout, std::chrono::seconds(5));
  EXPECT_FALSE(f->enable_lifecycle);
  EXPECT_EQ(f->log_level, "info");
  EXPECT_EQ(f->log_format, "logfmt");
}

TEST(FlagsTest, RepeatableFlagsAccumulate) {
  auto f = ParseFlags({"--web.listen-address=:1", "--web.listen-address", ":2",
                       "--web.bearer-token-file=a", "--web.bearer-token-file=b"});
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->listen_addresses, (std::vector<std::string>{":1", ":2"}));
  EXPECT_EQ(f->bearer_token_files, (std::vector<std::string>{"a", "b"}));
}

TEST(FlagsTest, RejectsTelemetryPathWithoutSlash) {
  auto f = ParseFlags({"--web.telemetry-path=metrics"});
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().message(),
            "--web.telemetry-path: must be a path starting with '/', got \"metrics\"");
}

}  // namespace
}  // namespace hermes::app
