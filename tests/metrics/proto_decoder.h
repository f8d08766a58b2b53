// Test support: a decoder of the delimited protobuf exposition into plain structs,
// written from the protobuf wire format and the io.prometheus.client field numbers.
// It rejects anything malformed (truncated varints or fields, wrong wire types), so a
// test that decodes hermes' output also checks that it is well-formed.
#pragma once

#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace hermes::metrics::testutil {

struct ProtoSpan {
  int64_t offset = 0;
  uint64_t length = 0;
};

struct ProtoHistogram {
  uint64_t count = 0;
  double sum = 0;
  std::vector<std::pair<double, uint64_t>> buckets;  // (upper bound, cumulative)
  std::optional<int64_t> schema;
  double zero_threshold = 0;
  uint64_t zero_count = 0;
  std::vector<ProtoSpan> positive_spans, negative_spans;
  std::vector<int64_t> positive_deltas, negative_deltas;

  // Absolute counts by native bucket index, from spans and deltas.
  std::map<int64_t, uint64_t> Positive() const { return Expand(positive_spans, positive_deltas); }
  std::map<int64_t, uint64_t> Negative() const { return Expand(negative_spans, negative_deltas); }

  static std::map<int64_t, uint64_t> Expand(const std::vector<ProtoSpan>& spans,
                                            const std::vector<int64_t>& deltas) {
    std::map<int64_t, uint64_t> out;
    int64_t index = 0;
    int64_t count = 0;
    size_t d = 0;
    for (size_t s = 0; s < spans.size(); ++s) {
      index += spans[s].offset;
      for (uint64_t k = 0; k < spans[s].length; ++k, ++index) {
        if (d >= deltas.size()) throw std::runtime_error("fewer deltas than span lengths");
        count += deltas[d++];
        if (count < 0) throw std::runtime_error("negative bucket count");
        if (count > 0) out[index] = static_cast<uint64_t>(count);
      }
    }
    if (d != deltas.size()) throw std::runtime_error("more deltas than span lengths");
    return out;
  }
};

struct ProtoMetric {
  std::map<std::string, std::string> labels;
  std::optional<double> counter, gauge;
  std::optional<ProtoHistogram> histogram;
};

struct ProtoFamily {
  std::string name, help;
  int type = -1;
  std::vector<ProtoMetric> metrics;
};

class ProtoReader {
 public:
  explicit ProtoReader(std::string_view data) : data_(data) {}
  bool Done() const { return pos_ >= data_.size(); }

  uint64_t Varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= data_.size()) throw std::runtime_error("truncated varint");
      const auto b = static_cast<uint8_t>(data_[pos_++]);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (b < 0x80) return v;
    }
    throw std::runtime_error("varint too long");
  }
  int64_t Zigzag() {
    const uint64_t v = Varint();
    return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
  }
  double Double() {
    if (pos_ + 8 > data_.size()) throw std::runtime_error("truncated fixed64");
    double v;
    std::memcpy(&v, data_.data() + pos_, 8);
    pos_ += 8;
    return v;
  }
  std::string_view Bytes() {
    const uint64_t n = Varint();
    if (n > data_.size() - pos_) throw std::runtime_error("truncated length-delimited field");
    std::string_view v = data_.substr(pos_, n);
    pos_ += n;
    return v;
  }
  // Reads a tag; checks the wire type the caller expects for the field.
  int Field(int* wire) {
    const uint64_t tag = Varint();
    *wire = static_cast<int>(tag & 7);
    return static_cast<int>(tag >> 3);
  }
  void Skip(int wire) {
    if (wire == 0) {
      Varint();
    } else if (wire == 1) {
      Double();
    } else if (wire == 2) {
      Bytes();
    } else {
      throw std::runtime_error("unexpected wire type");
    }
  }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

inline void Expect(int wire, int want) {
  if (wire != want) throw std::runtime_error("wrong wire type");
}

inline ProtoSpan DecodeSpan(std::string_view b) {
  ProtoReader r(b);
  ProtoSpan s;
  while (!r.Done()) {
    int w;
    switch (r.Field(&w)) {
      case 1:
        Expect(w, 0);
        s.offset = r.Zigzag();
        break;
      case 2:
        Expect(w, 0);
        s.length = r.Varint();
        break;
      default:
        r.Skip(w);
    }
  }
  return s;
}

inline std::vector<int64_t> DecodePackedZigzag(std::string_view b) {
  ProtoReader r(b);
  std::vector<int64_t> out;
  while (!r.Done()) out.push_back(r.Zigzag());
  return out;
}

inline ProtoHistogram DecodeHistogram(std::string_view b) {
  ProtoReader r(b);
  ProtoHistogram h;
  while (!r.Done()) {
    int w;
    const int f = r.Field(&w);
    switch (f) {
      case 1:
        Expect(w, 0);
        h.count = r.Varint();
        break;
      case 2:
        Expect(w, 1);
        h.sum = r.Double();
        break;
      case 3: {
        Expect(w, 2);
        ProtoReader br(r.Bytes());
        std::pair<double, uint64_t> bucket{0, 0};
        while (!br.Done()) {
          int bw;
          const int bf = br.Field(&bw);
          if (bf == 1) {
            Expect(bw, 0);
            bucket.second = br.Varint();
          } else if (bf == 2) {
            Expect(bw, 1);
            bucket.first = br.Double();
          } else {
            br.Skip(bw);
          }
        }
        h.buckets.push_back(bucket);
        break;
      }
      case 5:
        Expect(w, 0);
        h.schema = r.Zigzag();
        break;
      case 6:
        Expect(w, 1);
        h.zero_threshold = r.Double();
        break;
      case 7:
        Expect(w, 0);
        h.zero_count = r.Varint();
        break;
      case 9:
      case 12:
        Expect(w, 2);
        (f == 9 ? h.negative_spans : h.positive_spans).push_back(DecodeSpan(r.Bytes()));
        break;
      case 10:
      case 13: {
        Expect(w, 2);
        auto d = DecodePackedZigzag(r.Bytes());
        auto& to = f == 10 ? h.negative_deltas : h.positive_deltas;
        to.insert(to.end(), d.begin(), d.end());
        break;
      }
      default:
        r.Skip(w);
    }
  }
  return h;
}

inline double DecodeValue(std::string_view b) {
  ProtoReader r(b);
  double v = 0;
  while (!r.Done()) {
    int w;
    if (r.Field(&w) == 1) {
      Expect(w, 1);
      v = r.Double();
    } else {
      r.Skip(w);
    }
  }
  return v;
}

inline ProtoMetric DecodeMetric(std::string_view b) {
  ProtoReader r(b);
  ProtoMetric m;
  while (!r.Done()) {
    int w;
    switch (r.Field(&w)) {
      case 1: {
        Expect(w, 2);
        ProtoReader lr(r.Bytes());
        std::string name, value;
        while (!lr.Done()) {
          int lw;
          const int lf = lr.Field(&lw);
          Expect(lw, 2);
          (lf == 1 ? name : value) = std::string(lr.Bytes());
        }
        m.labels[name] = value;
        break;
      }
      case 2:
        Expect(w, 2);
        m.gauge = DecodeValue(r.Bytes());
        break;
      case 3:
        Expect(w, 2);
        m.counter = DecodeValue(r.Bytes());
        break;
      case 7:
        Expect(w, 2);
        m.histogram = DecodeHistogram(r.Bytes());
        break;
      default:
        r.Skip(w);
    }
  }
  return m;
}

// Decodes a whole delimited exposition; throws std::runtime_error when malformed.
inline std::vector<ProtoFamily> DecodeExposition(std::string_view data) {
  std::vector<ProtoFamily> out;
  ProtoReader outer(data);
  while (!outer.Done()) {
    ProtoReader r(outer.Bytes());
    ProtoFamily f;
    while (!r.Done()) {
      int w;
      switch (r.Field(&w)) {
        case 1:
          Expect(w, 2);
          f.name = std::string(r.Bytes());
          break;
        case 2:
          Expect(w, 2);
          f.help = std::string(r.Bytes());
          break;
        case 3:
          Expect(w, 0);
          f.type = static_cast<int>(r.Varint());
          break;
        case 4:
          Expect(w, 2);
          f.metrics.push_back(DecodeMetric(r.Bytes()));
          break;
        default:
          r.Skip(w);
      }
    }
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace hermes::metrics::testutil
