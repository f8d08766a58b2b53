#include "metrics/render.h"

#include "metrics/proto_format.h"
#include "metrics/text_format.h"

namespace hermes::metrics::internal {
namespace {

// io.prometheus.client.MetricType
int ProtoType(MetricType t) {
  switch (t) {
    case MetricType::kCounter:
      return 0;
    case MetricType::kGauge:
      return 1;
    case MetricType::kHistogram:
      return 4;
  }
  return 3;  // UNTYPED
}

void AppendSampleName(std::string& out, std::string_view name, std::string_view suffix) {
  out += name;
  out += suffix;
}

void AppendTextSeries(const FamilyDef& f, const Series& s, std::string& out) {
  if (f.type != MetricType::kHistogram) {
    out += f.name;
    if (!s.labels_text.empty()) {
      out += '{';
      out += s.labels_text;
      out += '}';
    }
    out += ' ';
    AppendValue(out, s.value);
    out += '\n';
    return;
  }
  const Histogram& h = *s.histogram;
  const auto& counts = h.bucket_counts();
  const auto& le = h.buckets().le;
  uint64_t cumulative = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    cumulative += counts[i];
    AppendSampleName(out, f.name, "_bucket{");
    if (!s.labels_text.empty()) {
      out += s.labels_text;
      out += ',';
    }
    out += "le=\"";
    out += i < le.size() ? std::string_view(le[i]) : std::string_view("+Inf");
    out += "\"} ";
    AppendUint(out, cumulative);
    out += '\n';
  }
  for (const std::string_view suffix : {"_sum", "_count"}) {
    AppendSampleName(out, f.name, suffix);
    if (!s.labels_text.empty()) {
      out += '{';
      out += s.labels_text;
      out += '}';
    }
    out += ' ';
    if (suffix == "_sum") {
      AppendValue(out, h.sum());
    } else {
      AppendUint(out, h.count());
    }
    out += '\n';
  }
}

// Spans and deltas of dense native buckets. Up to two empty buckets stay inside a
// span (cheaper than a new span); longer gaps start a new one.
void AppendNativeBuckets(const NativeBuckets& b, int span_field, int delta_field,
                         std::string& out) {
  constexpr size_t kMaxInlineGap = 2;
  const auto& c = b.counts;
  size_t i = 0;
  int64_t previous_end = 0;  // index after the previous span
  bool first_span = true;
  std::string deltas;
  int64_t previous_count = 0;
  while (i < c.size()) {
    if (c[i] == 0) {
      ++i;
      continue;
    }
    // A span starts at i and runs until a gap longer than kMaxInlineGap.
    size_t end = i + 1;
    while (end < c.size()) {
      if (c[end] != 0) {
        ++end;
        continue;
      }
      size_t gap_end = end;
      while (gap_end < c.size() && c[gap_end] == 0) ++gap_end;
      if (gap_end == c.size() || gap_end - end > kMaxInlineGap) break;
      end = gap_end;
    }
    const int64_t start = b.first + static_cast<int64_t>(i);
    const size_t mark = proto::BeginMessage(out, span_field);
    proto::AppendSint64(out, 1, first_span ? start : start - previous_end);  // offset
    proto::AppendUint64(out, 2, end - i);                                    // length
    proto::EndMessage(out, mark);
    for (size_t k = i; k < end; ++k) {
      const auto count = static_cast<int64_t>(c[k]);
      proto::AppendRawZigzag(deltas, count - previous_count);
      previous_count = count;
    }
    previous_end = b.first + static_cast<int64_t>(end);
    first_span = false;
    i = end;
  }
  if (!deltas.empty()) proto::AppendBytes(out, delta_field, deltas);  // packed
}

void AppendProtoHistogram(const Histogram& h, std::string& out) {
  const size_t mark = proto::BeginMessage(out, 7);  // Metric.histogram
  proto::AppendUint64(out, 1, h.count());           // sample_count
  proto::AppendDouble(out, 2, h.sum());             // sample_sum
  const auto& counts = h.bucket_counts();
  const auto& bounds = h.buckets().bounds;
  uint64_t cumulative = 0;
  for (size_t i = 0; i < bounds.size(); ++i) {  // +Inf is implied by sample_count
    cumulative += counts[i];
    const size_t b = proto::BeginMessage(out, 3);  // bucket
    proto::AppendUint64(out, 1, cumulative);       // cumulative_count
    proto::AppendDouble(out, 2, bounds[i]);        // upper_bound
    proto::EndMessage(out, b);
  }
  proto::AppendSint64(out, 5, h.schema());            // schema
  proto::AppendDouble(out, 6, kNativeZeroThreshold);  // zero_threshold
  proto::AppendUint64(out, 7, h.zero_count());        // zero_count
  AppendNativeBuckets(h.negative(), 9, 10, out);      // negative_span, negative_delta
  AppendNativeBuckets(h.positive(), 12, 13, out);     // positive_span, positive_delta
  proto::EndMessage(out, mark);
}

void AppendProtoSeries(const FamilyDef& f, const Series& s, std::string& out) {
  const size_t mark = proto::BeginMessage(out, 4);  // MetricFamily.metric
  out += s.labels_proto;
  switch (f.type) {
    case MetricType::kCounter:
    case MetricType::kGauge: {
      const size_t v = proto::BeginMessage(out, f.type == MetricType::kCounter ? 3 : 2);
      proto::AppendDouble(out, 1, s.value);  // Counter.value, Gauge.value
      proto::EndMessage(out, v);
      break;
    }
    case MetricType::kHistogram:
      AppendProtoHistogram(*s.histogram, out);
      break;
  }
  proto::EndMessage(out, mark);
}

std::string MakeTextHeader(const FamilyDef& f) {
  std::string out = "# HELP ";
  out += f.name;
  out += ' ';
  AppendHelp(out, f.help);
  out += "\n# TYPE ";
  out += f.name;
  out += f.type == MetricType::kCounter ? " counter\n"
         : f.type == MetricType::kGauge ? " gauge\n"
                                        : " histogram\n";
  return out;
}

template <typename Parts>
void AppendProtoFamilyParts(Family f, const Parts& metrics, std::string& out) {
  const FamilyDef& def = Def(f);
  std::string head;
  proto::AppendBytes(head, 1, def.name);              // name
  proto::AppendBytes(head, 2, def.help);              // help
  proto::AppendUint64(head, 3, ProtoType(def.type));  // type
  size_t length = head.size();
  for (std::string_view m : metrics) length += m.size();
  proto::AppendVarint(out, length);  // the delimiter
  out += head;
  for (std::string_view m : metrics) out += m;
}

}  // namespace

const std::string& TextHeader(Family f) {
  static const auto headers = [] {
    std::array<std::string, kNumFamilies> h;
    for (size_t i = 0; i < kNumFamilies; ++i) h[i] = MakeTextHeader(kFamilies[i]);
    return h;
  }();
  return headers[static_cast<size_t>(f)];
}

void RenderChunks(const SeriesStore& store, Source source, Chunks& out) {
  for (size_t i = 0; i < kNumFamilies; ++i) {
    const FamilyDef& def = kFamilies[i];
    if (def.source != source) continue;
    Chunk& c = out[i];
    c.text.clear();
    c.proto.clear();
    for (const Series* s : store.Of(static_cast<Family>(i))) {
      AppendTextSeries(def, *s, c.text);
      AppendProtoSeries(def, *s, c.proto);
    }
  }
}

void AppendProtoFamily(Family f, std::initializer_list<std::string_view> metrics,
                       std::string& out) {
  AppendProtoFamilyParts(f, metrics, out);
}

void AppendProtoFamily(Family f, const std::vector<std::string_view>& metrics, std::string& out) {
  AppendProtoFamilyParts(f, metrics, out);
}

void AppendTextFamily(Family f, const SeriesStore& store, std::string& out) {
  const auto& series = store.Of(f);
  if (series.empty()) return;
  out += TextHeader(f);
  for (const Series* s : series) AppendTextSeries(Def(f), *s, out);
}

void AppendProtoFamily(Family f, const SeriesStore& store, std::string& out) {
  const auto& series = store.Of(f);
  if (series.empty()) return;
  std::string metrics;
  for (const Series* s : series) AppendProtoSeries(Def(f), *s, metrics);
  AppendProtoFamily(f, {metrics}, out);
}

}  // namespace hermes::metrics::internal
