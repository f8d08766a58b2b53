#include "metrics/proto_format.h"

#include <bit>
#include <cstring>

namespace hermes::metrics::proto {
namespace {

enum WireType { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2 };

void AppendTag(std::string& out, int field, WireType type) {
  AppendVarint(out, (static_cast<uint64_t>(field) << 3) | type);
}

uint64_t Zigzag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}

}  // namespace

void AppendVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void AppendUint64(std::string& out, int field, uint64_t v) {
  AppendTag(out, field, kVarint);
  AppendVarint(out, v);
}

void AppendSint64(std::string& out, int field, int64_t v) {
  AppendTag(out, field, kVarint);
  AppendVarint(out, Zigzag(v));
}

void AppendRawZigzag(std::string& out, int64_t v) { AppendVarint(out, Zigzag(v)); }

void AppendDouble(std::string& out, int field, double v) {
  static_assert(std::endian::native == std::endian::little, "fixed64 is little-endian");
  AppendTag(out, field, kFixed64);
  char bytes[sizeof(v)];
  std::memcpy(bytes, &v, sizeof(v));
  out.append(bytes, sizeof(bytes));
}

void AppendBytes(std::string& out, int field, std::string_view v) {
  AppendTag(out, field, kLengthDelimited);
  AppendVarint(out, v.size());
  out.append(v);
}

size_t BeginMessage(std::string& out, int field) {
  AppendTag(out, field, kLengthDelimited);
  out.push_back(0);  // one length byte; EndMessage widens it if needed
  return out.size();
}

void EndMessage(std::string& out, size_t mark) {
  const size_t length = out.size() - mark;
  if (length < 0x80) {
    out[mark - 1] = static_cast<char>(length);
    return;
  }
  std::string prefix;
  AppendVarint(prefix, length);
  out.replace(mark - 1, 1, prefix);
}

}  // namespace hermes::metrics::proto
