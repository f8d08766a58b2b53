#include "common/gzip.h"

namespace hermes {
namespace {

// The gzip header: magic, CM=deflate, no flags, no mtime, no extra flags, OS=Unix.
constexpr char kHeader[] = {'\x1f', '\x8b', 8, 0, 0, 0, 0, 0, 0, 3};
// An empty final block with fixed Huffman codes (BFINAL=1, BTYPE=01, end-of-block).
constexpr char kFinalBlock[] = {3, 0};

void AppendLittleEndian32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

}  // namespace

Deflater::Deflater(int level, int window_bits, int mem_level) {
  // Negative windowBits: raw DEFLATE, the gzip framing is written by AppendGzip.
  ok_ = deflateInit2(&zs_, level, Z_DEFLATED, -window_bits, mem_level, Z_DEFAULT_STRATEGY) == Z_OK;
}

Deflater::~Deflater() {
  if (ok_) deflateEnd(&zs_);
}

Result<DeflatedPart> Deflater::Deflate(std::string_view input) {
  if (!ok_ || deflateReset(&zs_) != Z_OK) return Status::Internal("gzip: deflate init failed");
  DeflatedPart part;
  part.size = input.size();
  part.crc = static_cast<uint32_t>(
      crc32(0, reinterpret_cast<const Bytef*>(input.data()), static_cast<uInt>(input.size())));
  // deflateBound covers Z_FINISH; a sync flush adds at most an empty stored block.
  part.data.resize(deflateBound(&zs_, static_cast<uLong>(input.size())) + 16);
  zs_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
  zs_.avail_in = static_cast<uInt>(input.size());
  zs_.next_out = reinterpret_cast<Bytef*>(part.data.data());
  zs_.avail_out = static_cast<uInt>(part.data.size());
  const int rc = deflate(&zs_, Z_SYNC_FLUSH);
  if (rc != Z_OK || zs_.avail_in != 0) return Status::Internal("gzip: deflate did not finish");
  part.data.resize(part.data.size() - zs_.avail_out);
  return part;
}

void AppendGzip(const DeflatedPart* const* parts, size_t count, std::string& out) {
  size_t bytes = sizeof(kHeader) + sizeof(kFinalBlock) + 8;
  for (size_t i = 0; i < count; ++i) bytes += parts[i]->data.size();
  out.reserve(out.size() + bytes);
  out.append(kHeader, sizeof(kHeader));
  uLong crc = 0;
  uint64_t size = 0;
  for (size_t i = 0; i < count; ++i) {
    out += parts[i]->data;
    crc = crc32_combine(crc, parts[i]->crc, static_cast<z_off_t>(parts[i]->size));
    size += parts[i]->size;
  }
  out.append(kFinalBlock, sizeof(kFinalBlock));
  AppendLittleEndian32(out, static_cast<uint32_t>(crc));
  AppendLittleEndian32(out, static_cast<uint32_t>(size));  // ISIZE: size mod 2^32
}

void AppendGzip(std::initializer_list<const DeflatedPart*> parts, std::string& out) {
  AppendGzip(parts.begin(), parts.size(), out);
}

Result<std::string> GzipCompress(std::string_view data) {
  Deflater deflater(Z_DEFAULT_COMPRESSION);
  Result<DeflatedPart> part = deflater.Deflate(data);
  if (!part.ok()) return part.status();
  std::string out;
  AppendGzip({&*part}, out);
  return out;
}

}  // namespace hermes
