// Rendering series into the two exposition formats: text 0.0.4 and protobuf
// (delimited io.prometheus.client.MetricFamily messages, histograms with classic and
// native buckets).
//
// The unit of caching is a Chunk: one owner's series of one family, as text lines
// and as encoded Metric fields (field 4 of MetricFamily). A family is written by
// joining the chunks of its owners after a header (AppendTextFamily, AppendProtoFamily), so a
// probe's chunks are rendered once per run and reused by every scrape until the next.
//
// Stateless free functions; callers serialise access to the series they render.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/families.h"

namespace hermes::metrics::internal {

struct Chunk {
  std::string text;   // sample lines
  std::string proto;  // MetricFamily.metric fields
};
using Chunks = std::array<Chunk, kNumFamilies>;

// Renders every family of `source` that has series in `store` into `out`.
void RenderChunks(const SeriesStore& store, Source source, Chunks& out);

// "# HELP" and "# TYPE" lines of a family.
const std::string& TextHeader(Family f);
// Appends one delimited MetricFamily message: the family's name, help and type,
// then `metrics` (concatenated chunk.proto of its owners).
void AppendProtoFamily(Family f, std::initializer_list<std::string_view> metrics, std::string& out);
void AppendProtoFamily(Family f, const std::vector<std::string_view>& metrics, std::string& out);

// A whole family (header and series) of `store`, in either format; nothing when the
// store has no series of it.
void AppendTextFamily(Family f, const SeriesStore& store, std::string& out);
void AppendProtoFamily(Family f, const SeriesStore& store, std::string& out);

}  // namespace hermes::metrics::internal
