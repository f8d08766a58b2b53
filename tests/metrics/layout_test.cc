// The kind table's result layouts against publication: for every built-in kind, a
// run that fills exactly the fields its layout declares shows up in every series
// the layout stands for, so nothing a probe measures is dropped. (The probe tests
// check the other half: each kind's real run fills exactly its layout.)
#include <gtest/gtest.h>

#include <string>

#include "metrics/metrics_hub.h"
#include "metrics/metrics_test_util.h"
#include "probe/kind.h"

namespace hermes::metrics {
namespace {

using namespace std::chrono_literals;
using probe::Direction;
using probe::Load;
using probe::Phase;
using testutil::ParseSamples;
using testutil::Value;

// A successful result filling every field of `l` with recognisable values.
probe::ProbeResult FillLayout(const probe::ResultLayout& l) {
  probe::ProbeResult r;
  r.success = true;
  for (Phase p : l.phases) r.phase_seconds[static_cast<size_t>(p)] = 0.25;
  for (Load load : l.loads) {
    auto& lat = r.latency[static_cast<size_t>(load)];
    lat.samples_seconds = {0.004, 0.006};
    probe::Summarize(lat);
  }
  for (Load load : l.packets) {
    auto& p = r.packets[static_cast<size_t>(load)];
    p.sent = 4;
    p.lost = 1;
    p.loss_ratio = 0.25;
  }
  for (Load load : l.stamp) {
    auto& p = r.packets[static_cast<size_t>(load)];
    p.lost_one_way = {2, 3};
    p.jitter_one_way_seconds = {0.0125, 0.5};
    p.duplicated = 6;
    p.reordered = 7;
  }
  for (Direction d : l.throughput) {
    r.throughput_bytes_per_second[static_cast<size_t>(d)] = 5e6;
    r.throughput_samples[static_cast<size_t>(d)] = {4e6, 6e6};
  }
  for (Direction d : l.transferred) r.transferred_bytes[static_cast<size_t>(d)] = 777;
  if (l.http) {
    r.http_status_code = 204;
    r.tls_cert_expiry_unix_seconds = 1.9e9;
  }
  for (Direction d : l.responsiveness) {
    auto& rr = r.responsiveness[static_cast<size_t>(d)];
    rr.rpm = {300, 500, 400};
    rr.component_seconds = {0.1, 0.2, 0.3, 0.12};
    rr.confidence = 2;
  }
  return r;
}

std::string Labels(const std::string& probe, const char* key = nullptr,
                   std::string_view value = {}) {
  if (key == nullptr) return "{probe=\"" + probe + "\"}";
  return "{" + std::string(key) + "=\"" + std::string(value) + "\",probe=\"" + probe + "\"}";
}

// {component="c",direction="d",probe="p"}: labels sort by name in the exposition.
std::string ComponentLabels(const std::string& probe, Direction d, std::string_view component) {
  return "{component=\"" + std::string(component) + "\",direction=\"" +
         std::string(probe::DirectionName(d)) + "\",probe=\"" + probe + "\"}";
}

TEST(LayoutTest, EveryDeclaredFieldOfEveryKindIsPublished) {
  config::Config c;
  for (const config::KindSpec* kind : probe::BuiltinKinds()) {
    c.probes.push_back(testutil::MakeProbe(std::string(kind->name), kind->name));
  }
  FakeClock clock;
  MetricsHub hub(clock);
  hub.Apply(testutil::Share(c));
  for (const auto& p : c.probes) {
    hub.PublishRun(p.name, WallTime(1'700'000'000s), 1s, FillLayout(probe::KindOf(p).layout(p)));
  }
  const auto s = ParseSamples(hub.Render());
  for (const auto& p : c.probes) {
    SCOPED_TRACE(p.name);
    const probe::ResultLayout l = probe::KindOf(p).layout(p);
    for (Phase ph : l.phases) {
      EXPECT_EQ(Value(s, "hermes_probe_phase_duration_seconds" +
                             Labels(p.name, "phase", probe::PhaseName(ph))),
                0.25);
    }
    for (Load load : l.loads) {
      const std::string lab = Labels(p.name, "load", probe::LoadName(load));
      EXPECT_EQ(Value(s, "hermes_latency_seconds" + lab), 0.005);
      EXPECT_EQ(Value(s, "hermes_jitter_seconds" + lab), 0.002);
      EXPECT_EQ(Value(s, "hermes_rtt_seconds_count" + lab), 2);
    }
    for (Load load : l.packets) {
      const std::string lab = Labels(p.name, "load", probe::LoadName(load));
      EXPECT_EQ(Value(s, "hermes_packets_sent_total" + lab), 4);
      EXPECT_EQ(Value(s, "hermes_packets_lost_total" + lab), 1);
      EXPECT_EQ(Value(s, "hermes_packet_loss_ratio" + lab), 0.25);
    }
    for (Load load : l.stamp) {
      const std::string lab = Labels(p.name, "load", probe::LoadName(load));
      for (Direction d : probe::kAllDirections) {
        const std::string dl = "{direction=\"" + std::string(probe::DirectionName(d)) +
                               "\",load=\"" + std::string(probe::LoadName(load)) + "\",probe=\"" +
                               p.name + "\"}";
        const bool down = d == Direction::kDownload;
        EXPECT_EQ(Value(s, "hermes_packets_lost_one_way_total" + dl), down ? 2 : 3);
        EXPECT_EQ(Value(s, "hermes_jitter_one_way_seconds" + dl), down ? 0.0125 : 0.5);
      }
      EXPECT_EQ(Value(s, "hermes_packets_duplicated_total" + lab), 6);
      EXPECT_EQ(Value(s, "hermes_packets_reordered_total" + lab), 7);
    }
    for (Direction d : l.throughput) {
      const std::string lab = Labels(p.name, "direction", probe::DirectionName(d));
      EXPECT_EQ(Value(s, "hermes_throughput_bytes_per_second" + lab), 5e6);
      EXPECT_EQ(Value(s, "hermes_throughput_sample_bytes_per_second_count" + lab), 2);
    }
    for (Direction d : l.transferred) {
      EXPECT_EQ(Value(s, "hermes_transferred_bytes_total" +
                             Labels(p.name, "direction", probe::DirectionName(d))),
                777);
    }
    if (l.http) {
      EXPECT_EQ(Value(s, "hermes_http_status_code" + Labels(p.name)), 204);
      EXPECT_EQ(Value(s, "hermes_tls_cert_expiry_timestamp_seconds" + Labels(p.name)), 1.9e9);
    }
    for (Direction d : l.responsiveness) {
      const double rpm[] = {300, 500, 400};
      for (size_t c = 0; c < probe::kAllRpmComponents.size(); ++c) {
        EXPECT_EQ(
            Value(s, "hermes_responsiveness_rpm" +
                         ComponentLabels(p.name, d,
                                         probe::RpmComponentName(probe::kAllRpmComponents[c]))),
            rpm[c]);
      }
      const double seconds[] = {0.1, 0.2, 0.3, 0.12};
      for (size_t c = 0; c < probe::kAllRttComponents.size(); ++c) {
        EXPECT_EQ(
            Value(s, "hermes_responsiveness_component_seconds" +
                         ComponentLabels(p.name, d,
                                         probe::RttComponentName(probe::kAllRttComponents[c]))),
            seconds[c]);
      }
      EXPECT_EQ(Value(s, "hermes_responsiveness_confidence" +
                             Labels(p.name, "direction", probe::DirectionName(d))),
                2);
    }
  }
}

}  // namespace
}  // namespace hermes::metrics
