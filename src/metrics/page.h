// Page: the cached part of the exposition, built from the chunks of one moment.
//
// The exposition lists families by name. Global and probe families are cached; the
// listener and process families (Slots()) are rendered per scrape. A Page holds the
// cached bytes between those slots: Segments(f)[i] precedes slot i, and the last
// segment follows the last slot. A scrape writes segment, slot, segment, ...
//
// The text segments are built in the constructor; the protobuf segments and the
// gzip-compressed parts of either format on first use (once per Page), so a page
// costs only what its scrapers ask for. A Page is immutable once built: MetricsHub
// swaps in a new one after every change, which is what makes a run's publication
// visible to a scrape whole or not at all.
//
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <array>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/gzip.h"
#include "metrics/render.h"

namespace hermes::metrics::internal {

enum class PageFormat { kText = 0, kProtobuf = 1 };

// The per-scrape sources in page order; each slot is a run of consecutive families.
const std::vector<Source>& Slots();

class Page {
 public:
  // The chunks of every owner, in the order their series appear within a family
  // (the exporter's own first, then probes by name).
  explicit Page(std::vector<std::shared_ptr<const Chunks>> owners);

  // Slots().size() + 1 segments.
  const std::vector<std::string>& Segments(PageFormat f) const;
  // The same segments deflated (level 6), for AppendGzip; nullptr if zlib failed.
  const std::vector<DeflatedPart>* Deflated(PageFormat f) const;

 private:
  struct Format {
    std::once_flag built;
    std::vector<std::string> segments;
    std::once_flag deflated;
    std::vector<DeflatedPart> parts;
    bool deflate_ok = false;
  };
  void Build(PageFormat f, std::vector<std::string>& segments) const;

  const std::vector<std::shared_ptr<const Chunks>> owners_;
  mutable std::array<Format, 2> formats_;
};

}  // namespace hermes::metrics::internal
