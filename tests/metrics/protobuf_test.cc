// The protobuf exposition: decoded independently (tests/metrics/proto_decoder.h) it
// carries exactly the text page's families, series and values, and every histogram
// also as a native histogram whose buckets hold what was observed.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <optional>
#include <sstream>

#include "metrics/metrics_hub.h"
#include "metrics/metrics_test_util.h"
#include "metrics/proto_decoder.h"

namespace hermes::metrics {
namespace {

using testutil::AllKindsConfig;
using testutil::DecodeExposition;
using testutil::ProtoFamily;
using testutil::Share;

std::string CanonicalLe(double v) {
  if (std::isinf(v)) return "+Inf";
  std::ostringstream s;
  s.precision(17);
  s << v;
  return s.str();
}

// "name{a="x",b="y"}" with labels sorted by name, as the text page writes them;
// `le` (a bucket bound, in canonical spelling) last.
std::string Key(const std::string& name, const std::map<std::string, std::string>& labels,
                std::optional<double> le = std::nullopt) {
  std::string out = name;
  if (labels.empty() && !le) return out;
  out += '{';
  for (const auto& [k, v] : labels) out += k + "=\"" + v + "\",";
  if (le) out += "le=\"" + CanonicalLe(*le) + "\",";
  out.back() = '}';
  return out;
}

// Text samples with every le="..." respelled canonically.
std::map<std::string, double> CanonicalText(const std::map<std::string, double>& text) {
  std::map<std::string, double> out;
  for (const auto& [k, v] : text) {
    const size_t le = k.find("le=\"");
    if (le == std::string::npos) {
      out[k] = v;
      continue;
    }
    const size_t end = k.find('"', le + 4);
    const std::string bound = k.substr(le + 4, end - le - 4);
    out[k.substr(0, le + 4) + CanonicalLe(bound == "+Inf" ? INFINITY : std::stod(bound)) +
        k.substr(end)] = v;
  }
  return out;
}

// The samples the text format would show for the decoded families.
std::map<std::string, double> SamplesOf(const std::vector<ProtoFamily>& families) {
  std::map<std::string, double> out;
  for (const ProtoFamily& f : families) {
    for (const auto& m : f.metrics) {
      if (m.counter) out[Key(f.name, m.labels)] = *m.counter;
      if (m.gauge) out[Key(f.name, m.labels)] = *m.gauge;
      if (!m.histogram) continue;
      const auto& h = *m.histogram;
      out[Key(f.name + "_count", m.labels)] = static_cast<double>(h.count);
      out[Key(f.name + "_sum", m.labels)] = h.sum;
      out[Key(f.name + "_bucket", m.labels, INFINITY)] = static_cast<double>(h.count);
      for (const auto& [bound, cumulative] : h.buckets) {
        out[Key(f.name + "_bucket", m.labels, bound)] = static_cast<double>(cumulative);
      }
    }
  }
  return out;
}

// process_* values change between two renders; everything else is fixed.
std::map<std::string, double> WithoutProcess(std::map<std::string, double> m) {
  for (auto it = m.begin(); it != m.end();) {
    it = it->first.rfind("process_", 0) == 0 ? m.erase(it) : std::next(it);
  }
  return m;
}

TEST(ProtobufTest, CarriesTheTextPageExactly) {
  FakeClock clock;
  MetricsHub hub(clock);
  hub.Apply(Share(AllKindsConfig()));
  testutil::PublishFixedResults(hub);
  const std::string text = hub.Render();
  const Exposition e = hub.Expose(Format::kProtobuf, false);
  EXPECT_FALSE(e.gzip);
  const auto families = DecodeExposition(e.body);
  // Same families in the same order, with the same HELP and TYPE.
  std::vector<std::string> text_heads, proto_heads;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("# ", 0) == 0) text_heads.push_back(line);
  }
  const char* kTypes[] = {"counter", "gauge", "summary", "untyped", "histogram"};
  for (const auto& f : families) {
    proto_heads.push_back("# HELP " + f.name + " " + f.help);
    proto_heads.push_back("# TYPE " + f.name + " " + kTypes[f.type]);
  }
  EXPECT_EQ(proto_heads, text_heads);
  const auto text_samples = CanonicalText(testutil::ParseSamples(text));
  EXPECT_EQ(WithoutProcess(SamplesOf(families)), WithoutProcess(text_samples));
  EXPECT_EQ(static_cast<int>(SamplesOf(families).size()), hub.SeriesCount());
}

TEST(ProtobufTest, EveryHistogramIsAlsoNative) {
  FakeClock clock;
  MetricsHub hub(clock);
  hub.Apply(Share(AllKindsConfig()));
  testutil::PublishFixedResults(hub);
  int histograms = 0;
  for (const auto& f : DecodeExposition(hub.Expose(Format::kProtobuf, false).body)) {
    for (const auto& m : f.metrics) {
      if (!m.histogram) continue;
      ++histograms;
      const auto& h = *m.histogram;
      ASSERT_TRUE(h.schema.has_value()) << f.name;
      EXPECT_EQ(*h.schema, 3) << f.name;
      EXPECT_GT(h.zero_threshold, 0) << f.name;  // marks it native even when empty
      uint64_t native = h.zero_count;
      for (const auto& [index, count] : h.Positive()) native += count;
      for (const auto& [index, count] : h.Negative()) native += count;
      EXPECT_EQ(native, h.count) << f.name;
    }
  }
  EXPECT_GT(histograms, 20);
}

TEST(ProtobufTest, NativeBucketsHoldTheSamples) {
  FakeClock clock;
  MetricsHub hub(clock);
  hub.Apply(Share(AllKindsConfig()));
  testutil::PublishFixedResults(hub);
  // upstream's idle RTT samples (metrics_test_util.h), bucketed independently:
  // bucket i at schema 3 holds (2^((i-1)/8), 2^(i/8)].
  const std::vector<double> samples = {0.0011, 0.0012, 0.0013, 0.0011, 0.0019,
                                       0.0012, 0.0011, 0.0014, 0.0012};
  std::map<int64_t, uint64_t> want;
  for (double v : samples) ++want[static_cast<int64_t>(std::ceil(std::log2(v) * 8))];
  bool found = false;
  for (const auto& f : DecodeExposition(hub.Expose(Format::kProtobuf, false).body)) {
    if (f.name != "hermes_rtt_seconds") continue;
    for (const auto& m : f.metrics) {
      if (m.labels.at("probe") != "upstream") continue;
      found = true;
      EXPECT_EQ(m.histogram->Positive(), want);
      EXPECT_EQ(m.histogram->zero_count, 0u);
    }
  }
  EXPECT_TRUE(found);
}

TEST(ProtobufTest, GzipOfEitherFormatDecodesToThePlainBody) {
  FakeClock clock;
  MetricsHub hub(clock);
  hub.Apply(Share(AllKindsConfig()));
  testutil::PublishFixedResults(hub);
  for (Format f : {Format::kText, Format::kProtobuf}) {
    const Exposition gz = hub.Expose(f, true);
    ASSERT_TRUE(gz.gzip);
    const std::string plain = testutil::Gunzip(gz.body);
    if (f == Format::kText) {
      EXPECT_EQ(WithoutProcess(testutil::ParseSamples(plain)),
                WithoutProcess(testutil::ParseSamples(hub.Render())));
      EXPECT_LT(gz.body.size() * 5, plain.size());
    } else {
      EXPECT_EQ(DecodeExposition(plain).size(), DecodeExposition(hub.Expose(f, false).body).size());
    }
  }
}

}  // namespace
}  // namespace hermes::metrics
