// Fuzzes what reaches the /metrics exposition from outside the config. Probe names
// are validated at config load, so instead a fixed valid config (one probe of every
// kind) is applied and the fuzz input becomes a program of MetricsHub calls with
// arbitrary strings (handler, unknown probe names), arbitrary status codes, the values
// of the closed skip/auth/reject enums, arbitrary doubles (NaN, +-Inf, negatives,
// denormals) and sample vectors, and arbitrary ProbeResults (error text, status
// codes, counters). Then Render() must hold the SPEC section 7/8 invariants:
//   - one sample line per series: the count equals SeriesCount();
//   - every line is valid text format 0.0.4 (HELP/TYPE comments, name{labels} value,
//     no timestamps);
//   - the set of series is exactly the one the config defines (no call creates a
//     series), so no fuzzed string ever appears as a label value.
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "config/parse.h"
#include "fuzz_check.h"
#include "fuzz_input.h"
#include "metrics/metrics_hub.h"
#include "metrics/metrics_test_util.h"
#include "metrics/proto_decoder.h"
#include "probe/kind.h"

namespace {

using hermes::fuzz::FuzzInput;

constexpr char kConfigYaml[] = R"(
global:
  scrape_interval: 15s
  instance: fuzz
  max_series: 5000
probes:
  - name: cloudflare
    kind: speedtest
    url: https://speed.example.com
    interval: 15m
    timeout: 60s
    expect: {download: 100Mbit, upload: 20Mbit, latency: 30ms}
  - {name: api, kind: http, url: "https://api.example.com/healthz", interval: 30s, timeout: 5s}
  - {name: gateway, kind: tcp, address: "192.0.2.1:443", interval: 15s, samples: 5}
  - {name: resolver, kind: dns, query: example.com, type: A, server: "192.0.2.53:53", interval: 30s}
  - {name: upstream, kind: icmp, host: 192.0.2.1, interval: 15s, samples: 10, expect: {latency: 20ms}}
)";
const char* const kProbes[] = {"cloudflare", "api", "gateway", "resolver", "upstream"};
constexpr size_t kMaxSamples = 48;  // per vector: keeps one input fast (~5 vectors per run)

// ---- A small checker of the text exposition format 0.0.4 ----

bool IsNameStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}
bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }

// Reads a metric or label name at `i`; false if there is none.
bool ReadName(std::string_view line, size_t& i, bool allow_colon) {
  const size_t start = i;
  if (i >= line.size() || !IsNameStart(line[i]) || (!allow_colon && line[i] == ':')) return false;
  ++i;
  while (i < line.size() && IsNameChar(line[i]) && (allow_colon || line[i] != ':')) ++i;
  return i > start;
}

// Go's strconv.ParseFloat, which Prometheus uses, accepts these spellings.
bool IsValidValue(std::string_view v) {
  if (v.empty()) return false;
  std::string s(v);
  for (const char* special : {"nan", "+inf", "-inf", "inf"}) {
    if (s.size() == std::char_traits<char>::length(special)) {
      bool eq = true;
      for (size_t k = 0; k < s.size(); ++k) {
        if (std::tolower(static_cast<unsigned char>(s[k])) != special[k]) eq = false;
      }
      if (eq) return true;
    }
  }
  char* end = nullptr;
  (void)std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size() && s.find_first_of("xXnN") == std::string::npos;
}

struct Sample {
  std::string series;  // name{labels}
  std::vector<std::string> label_values;
};

// Parses one sample line; aborts (FUZZ_CHECK) when it is not valid exposition.
Sample CheckSampleLine(std::string_view line) {
  Sample s;
  size_t i = 0;
  FUZZ_CHECK(ReadName(line, i, true), "bad metric name in line: %.*s", (int)line.size(),
             line.data());
  if (i < line.size() && line[i] == '{') {
    ++i;
    while (i < line.size() && line[i] != '}') {
      FUZZ_CHECK(ReadName(line, i, false), "bad label name in line: %.*s", (int)line.size(),
                 line.data());
      FUZZ_CHECK(i + 1 < line.size() && line[i] == '=' && line[i + 1] == '"',
                 "expected =\" in line: %.*s", (int)line.size(), line.data());
      i += 2;
      std::string value;
      while (true) {
        FUZZ_CHECK(i < line.size(), "unterminated label value: %.*s", (int)line.size(),
                   line.data());
        const char c = line[i++];
        if (c == '"') break;
        FUZZ_CHECK(c != '\n', "raw newline in label value");
        if (c == '\\') {
          FUZZ_CHECK(i < line.size() && (line[i] == '\\' || line[i] == '"' || line[i] == 'n'),
                     "bad escape in line: %.*s", (int)line.size(), line.data());
          value.push_back(line[i] == 'n' ? '\n' : line[i]);
          ++i;
        } else {
          value.push_back(c);
        }
      }
      s.label_values.push_back(value);
      if (i < line.size() && line[i] == ',') ++i;
    }
    FUZZ_CHECK(i < line.size() && line[i] == '}', "unterminated labels: %.*s", (int)line.size(),
               line.data());
    ++i;
  }
  s.series = std::string(line.substr(0, i));
  FUZZ_CHECK(i < line.size() && line[i] == ' ', "no value in line: %.*s", (int)line.size(),
             line.data());
  const std::string_view value = line.substr(i + 1);
  // Exactly one value: SPEC section 7 forbids timestamps.
  FUZZ_CHECK(value.find(' ') == std::string_view::npos, "timestamp or junk after value: %.*s",
             (int)line.size(), line.data());
  FUZZ_CHECK(IsValidValue(value), "bad sample value in line: %.*s", (int)line.size(), line.data());
  return s;
}

void CheckCommentLine(std::string_view line) {
  const bool help = line.rfind("# HELP ", 0) == 0;
  const bool type = line.rfind("# TYPE ", 0) == 0;
  FUZZ_CHECK(help || type, "unexpected comment: %.*s", (int)line.size(), line.data());
  size_t i = 7;
  FUZZ_CHECK(ReadName(line, i, true), "bad name in comment: %.*s", (int)line.size(), line.data());
  FUZZ_CHECK(i < line.size() && line[i] == ' ', "comment without text: %.*s", (int)line.size(),
             line.data());
  if (type) {
    const std::string_view t = line.substr(i + 1);
    FUZZ_CHECK(
        t == "counter" || t == "gauge" || t == "histogram" || t == "summary" || t == "untyped",
        "bad TYPE: %.*s", (int)line.size(), line.data());
  }
}

struct Exposition {
  std::vector<Sample> samples;
};

Exposition CheckExposition(const std::string& text) {
  Exposition e;
  FUZZ_CHECK(text.empty() || text.back() == '\n', "exposition does not end with a newline");
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    const std::string_view line(text.data() + pos, nl - pos);
    pos = nl + 1;
    FUZZ_CHECK(!line.empty(), "empty line in exposition");
    if (line[0] == '#') {
      CheckCommentLine(line);
    } else {
      e.samples.push_back(CheckSampleLine(line));
    }
  }
  return e;
}

// ---- Fuzz state ----

std::shared_ptr<const hermes::config::Config> TheConfig() {
  static const auto config = [] {
    auto c = hermes::config::ParseConfig(kConfigYaml, hermes::probe::BuiltinKinds(), "fuzz");
    FUZZ_CHECK(c.ok(), "fixed config rejected: %s", c.status().message().c_str());
    return std::make_shared<const hermes::config::Config>(std::move(*c));
  }();
  return config;
}

// Series and label values of a freshly applied hub: what every render must match.
struct Baseline {
  std::set<std::string> series;
  std::set<std::string> label_values;
};
const Baseline& TheBaseline() {
  static const Baseline b = [] {
    hermes::FakeClock clock;
    hermes::metrics::MetricsHub hub(clock);
    hub.Apply(TheConfig());
    Baseline out;
    for (const auto& s : CheckExposition(hub.Render()).samples) {
      out.series.insert(s.series);
      out.label_values.insert(s.label_values.begin(), s.label_values.end());
    }
    FUZZ_CHECK(static_cast<int>(out.series.size()) == hub.SeriesCount(),
               "baseline has %zu series, SeriesCount() %d", out.series.size(), hub.SeriesCount());
    return out;
  }();
  return b;
}

// A closed-set value or an arbitrary string (remembered in `fuzzed`).
template <typename Set>
std::string Label(FuzzInput& in, const Set& set, std::set<std::string>& fuzzed) {
  const uint8_t b = in.Byte();
  if (b < 0x80) return std::string(set[b % std::size(set)]);
  std::string s = in.String();
  fuzzed.insert(s);
  return s;
}

// One value of a closed enum (the only values a caller can pass).
template <typename T, size_t N>
T OneOf(FuzzInput& in, const std::array<T, N>& all) {
  return all[in.Byte() % N];
}

double Double(FuzzInput& in) {
  switch (in.Byte() % 8) {
    case 0:
      return std::nan("");
    case 1:
      return INFINITY;
    case 2:
      return -INFINITY;
    case 3:
      return -0.0;
    case 4:
      return static_cast<double>(in.Raw<int32_t>()) / 1000.0;
    default:
      return in.Raw<double>();  // any bit pattern, incl. NaN payloads, denormals
  }
}

std::optional<double> MaybeDouble(FuzzInput& in) {
  if (in.Bool()) return std::nullopt;
  return Double(in);
}

std::vector<double> Doubles(FuzzInput& in) {
  std::vector<double> v(in.Byte() % (kMaxSamples + 1));
  for (double& d : v) d = Double(in);
  return v;
}

hermes::probe::ProbeResult Result(FuzzInput& in) {
  hermes::probe::ProbeResult r;
  const uint8_t flags = in.Byte();
  r.success = flags & 1;
  if (flags & 2) {
    r.reason =
        hermes::probe::kAllFailureReasons[in.Byte() % hermes::probe::kAllFailureReasons.size()];
  }
  r.error = in.String();
  if (flags & 4) r.retry_after = hermes::Duration(in.Raw<int64_t>());
  for (auto& p : r.phase_seconds) p = MaybeDouble(in);
  for (auto& l : r.latency) {
    l.samples_seconds = Doubles(in);
    l.median_seconds = MaybeDouble(in);
    l.jitter_seconds = MaybeDouble(in);
  }
  for (auto& p : r.packets) {
    p.sent = in.Raw<uint64_t>();
    p.lost = in.Raw<uint64_t>();
    p.loss_ratio = MaybeDouble(in);
    for (auto& n : p.lost_one_way) n = in.Raw<uint64_t>();
    for (auto& j : p.jitter_one_way_seconds) j = MaybeDouble(in);
    p.duplicated = in.Raw<uint64_t>();
    p.reordered = in.Raw<uint64_t>();
  }
  for (auto& t : r.throughput_bytes_per_second) t = MaybeDouble(in);
  for (auto& t : r.throughput_samples) t = Doubles(in);
  for (auto& t : r.transferred_bytes) t = in.Raw<uint64_t>();
  if (flags & 8) r.http_status_code = in.Raw<int32_t>();
  r.tls_cert_expiry_unix_seconds = MaybeDouble(in);
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Baseline& baseline = TheBaseline();
  FuzzInput in(data, size);
  std::set<std::string> fuzzed;  // strings the input made up

  hermes::FakeClock clock;
  hermes::metrics::MetricsHub hub(clock);
  hub.Apply(TheConfig());

  for (int ops = 0; !in.empty() && ops < 32; ++ops) {
    switch (in.Byte() % 8) {
      case 0: {
        std::string handler = Label(in, hermes::metrics::kHttpHandlers, fuzzed);
        hub.ObserveHttpRequest(handler, in.Raw<int32_t>(), Double(in));
        break;
      }
      case 1: {
        std::string probe = Label(in, kProbes, fuzzed);
        hub.RecordSkip(probe, OneOf(in, hermes::kAllSkipReasons));
        break;
      }
      case 2:
        hub.RecordAuthFailure(OneOf(in, hermes::kAllAuthFailures));
        break;
      case 3:
      case 4: {
        std::string probe = Label(in, kProbes, fuzzed);
        const hermes::WallTime started{std::chrono::duration_cast<hermes::WallTime::duration>(
            std::chrono::nanoseconds(in.Raw<int64_t>()))};
        const hermes::Duration duration(in.Raw<int64_t>());
        hub.PublishRun(probe, started, duration, Result(in));
        break;
      }
      case 5:
        hub.RecordConnectionRejected(OneOf(in, hermes::kAllConnectionRejectReasons));
        hub.SetHttpConnections(in.Raw<int32_t>());
        break;
      case 6:
        hub.ObserveStartLag(hermes::Duration(in.Raw<int64_t>()));
        hub.RecordReload(in.Bool());
        clock.Advance(std::chrono::seconds(in.Byte()));
        break;
      case 7:
        hub.Apply(TheConfig());  // a reload: counters carry over
        break;
    }
  }

  const std::string text = hub.Render();
  const Exposition e = CheckExposition(text);
  FUZZ_CHECK(static_cast<int>(e.samples.size()) == hub.SeriesCount(),
             "%zu sample lines, SeriesCount() %d", e.samples.size(), hub.SeriesCount());
  std::set<std::string> label_values;
  std::set<std::string> seen;
  for (const auto& s : e.samples) {
    FUZZ_CHECK(baseline.series.count(s.series) == 1, "series not defined by the config: %s",
               s.series.c_str());
    FUZZ_CHECK(seen.insert(s.series).second, "duplicate series: %s", s.series.c_str());
    label_values.insert(s.label_values.begin(), s.label_values.end());
  }
  FUZZ_CHECK(e.samples.size() == baseline.series.size(), "%zu series, config defines %zu",
             e.samples.size(), baseline.series.size());
  for (const auto& f : fuzzed) {
    if (baseline.label_values.count(f) != 0) continue;  // happens to equal a legit value
    FUZZ_CHECK(label_values.count(f) == 0, "fuzzed string became a label value: \"%s\"", f.c_str());
  }

  // The gzip page decodes to the same series; the protobuf page is well-formed and
  // has one sample per series too.
  const hermes::metrics::Exposition gz = hub.Expose(hermes::metrics::Format::kText, true);
  FUZZ_CHECK(gz.gzip, "gzip not applied");
  const Exposition unzipped = CheckExposition(hermes::metrics::testutil::Gunzip(gz.body));
  FUZZ_CHECK(unzipped.samples.size() == e.samples.size(), "gzip page: %zu samples, text %zu",
             unzipped.samples.size(), e.samples.size());
  size_t proto_samples = 0;
  try {
    for (const auto& f : hermes::metrics::testutil::DecodeExposition(
             hub.Expose(hermes::metrics::Format::kProtobuf, false).body)) {
      for (const auto& m : f.metrics) {
        proto_samples += m.histogram ? m.histogram->buckets.size() + 3 : 1;
      }
    }
  } catch (const std::exception& ex) {
    FUZZ_CHECK(false, "malformed protobuf exposition: %s", ex.what());
  }
  FUZZ_CHECK(proto_samples == e.samples.size(), "protobuf page: %zu samples, text %zu",
             proto_samples, e.samples.size());
  return 0;
}
