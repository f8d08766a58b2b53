// gzip (RFC 1952) built from independently compressed parts.
//
// A DeflatedPart is raw DEFLATE data (RFC 1951) that ends on a byte boundary without
// a final block (zlib's Z_SYNC_FLUSH), plus the CRC-32 and length of its input. Such
// parts can be concatenated, so a body made of a cached part and a part rendered per
// request is compressed by compressing only the new part: AppendGzip() joins any
// sequence of parts into one gzip member (one header, one final block, one trailer
// whose CRC-32 is combined from the parts'), which every gzip decoder reads.
//
// Thread-safety: a Deflater is used by one thread at a time; the free functions are
// stateless.
#pragma once

#include <zlib.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "common/status.h"

namespace hermes {

struct DeflatedPart {
  std::string data;   // raw DEFLATE blocks, byte-aligned, no final block
  uint32_t crc = 0;   // CRC-32 of the uncompressed input
  uint64_t size = 0;  // uncompressed bytes
};

// One zlib deflate stream, reset for every part (no allocation after the first).
class Deflater {
 public:
  // zlib's level (1 fast .. 9 small), window (9..15: 2^bits bytes) and memory level
  // (1..9); the defaults are zlib's. Memory: about 2^(bits+2) + 2^(mem_level+9) bytes.
  explicit Deflater(int level, int window_bits = 15, int mem_level = 8);
  ~Deflater();
  Deflater(const Deflater&) = delete;
  Deflater& operator=(const Deflater&) = delete;

  Result<DeflatedPart> Deflate(std::string_view input);

 private:
  z_stream zs_{};
  bool ok_ = false;
};

// Appends one gzip member holding the concatenated inputs of `parts` to `out`.
void AppendGzip(std::initializer_list<const DeflatedPart*> parts, std::string& out);
void AppendGzip(const DeflatedPart* const* parts, size_t count, std::string& out);

// A complete gzip member of `data` (level 6).
Result<std::string> GzipCompress(std::string_view data);

}  // namespace hermes
