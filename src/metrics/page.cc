#include "metrics/page.h"

#include <string_view>

namespace hermes::metrics::internal {
namespace {

bool Cached(Source s) { return s == Source::kGlobal || s == Source::kProbe; }

}  // namespace

const std::vector<Source>& Slots() {
  static const std::vector<Source> slots = [] {
    std::vector<Source> out;
    for (size_t i = 0; i < kNumFamilies; ++i) {
      const Source s = kFamilies[i].source;
      if (!Cached(s) && (i == 0 || kFamilies[i - 1].source != s)) out.push_back(s);
    }
    return out;
  }();
  return slots;
}

Page::Page(std::vector<std::shared_ptr<const Chunks>> owners) : owners_(std::move(owners)) {
  Segments(PageFormat::kText);
}

const std::vector<std::string>& Page::Segments(PageFormat f) const {
  Format& fmt = formats_[static_cast<size_t>(f)];
  std::call_once(fmt.built, [&] { Build(f, fmt.segments); });
  return fmt.segments;
}

const std::vector<DeflatedPart>* Page::Deflated(PageFormat f) const {
  Format& fmt = formats_[static_cast<size_t>(f)];
  std::call_once(fmt.deflated, [&] {
    // Level 1: with one Prometheus nearly every gzip scrape is its page's first, so
    // this runs about once per scrape (a 120 KB page: 0.3 ms at level 1, 0.8 ms at
    // 6, for a body 20 % larger).
    Deflater deflater(1);
    for (const std::string& segment : Segments(f)) {
      Result<DeflatedPart> part = deflater.Deflate(segment);
      if (!part.ok()) return;  // zlib fails only without memory
      fmt.parts.push_back(std::move(part).value());
    }
    fmt.deflate_ok = true;
  });
  return fmt.deflate_ok ? &fmt.parts : nullptr;
}

void Page::Build(PageFormat f, std::vector<std::string>& segments) const {
  segments.assign(1, std::string());
  std::vector<std::string_view> parts;
  for (size_t i = 0; i < kNumFamilies; ++i) {
    const Source source = kFamilies[i].source;
    if (!Cached(source)) {
      if (i == 0 || kFamilies[i - 1].source != source) segments.emplace_back();
      continue;
    }
    parts.clear();
    for (const auto& owner : owners_) {
      const Chunk& c = (*owner)[i];
      const std::string& bytes = f == PageFormat::kText ? c.text : c.proto;
      if (!bytes.empty()) parts.push_back(bytes);
    }
    if (parts.empty()) continue;  // a family without series is left out
    std::string& out = segments.back();
    if (f == PageFormat::kText) {
      out += TextHeader(static_cast<Family>(i));
      for (std::string_view p : parts) out += p;
    } else {
      AppendProtoFamily(static_cast<Family>(i), parts, out);
    }
  }
}

}  // namespace hermes::metrics::internal
