// gzip members joined from independently compressed parts decode to the joined input.
#include "common/gzip.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <random>

namespace hermes {
namespace {

std::string Gunzip(const std::string& gz) {
  z_stream zs{};
  EXPECT_EQ(inflateInit2(&zs, 15 + 16), Z_OK);
  std::string out(1 << 22, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  zs.avail_in = static_cast<uInt>(gz.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = inflate(&zs, Z_FINISH);  // fails on a bad CRC or length, too
  EXPECT_EQ(rc, Z_STREAM_END);
  EXPECT_EQ(zs.avail_in, 0u) << "trailing bytes after the gzip member";
  out.resize(out.size() - zs.avail_out);
  inflateEnd(&zs);
  return out;
}

std::string Text(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s;
  while (s.size() < n)
    s += "hermes_rtt_seconds_bucket{le=\"" + std::to_string(rng() % 1000) + "\"} 1\n";
  s.resize(n);
  return s;
}

TEST(GzipTest, PartsJoinIntoOneMember) {
  const std::string a = Text(70000, 1), b = Text(9000, 2), c = Text(300, 3);
  Deflater slow(6), fast(1, 12, 4);  // parts of different levels and windows
  auto pa = slow.Deflate(a), pb = fast.Deflate(b), pc = slow.Deflate(c), empty = fast.Deflate("");
  ASSERT_TRUE(pa.ok() && pb.ok() && pc.ok() && empty.ok());
  std::string gz;
  AppendGzip({&*pa, &*empty, &*pb, &*pc}, gz);
  EXPECT_EQ(Gunzip(gz), a + b + c);
  EXPECT_LT(gz.size(), (a.size() + b.size() + c.size()) / 3);
}

TEST(GzipTest, ADeflaterIsReusable) {
  Deflater d(1);
  for (int i = 0; i < 3; ++i) {
    const std::string in = Text(5000 + i, i);
    auto part = d.Deflate(in);
    ASSERT_TRUE(part.ok());
    std::string gz;
    AppendGzip({&*part}, gz);
    EXPECT_EQ(Gunzip(gz), in);
  }
}

TEST(GzipTest, CompressWholeAndEmpty) {
  auto gz = GzipCompress("hello\n");
  ASSERT_TRUE(gz.ok());
  EXPECT_EQ(Gunzip(*gz), "hello\n");
  std::string empty;
  AppendGzip({}, empty);
  EXPECT_EQ(Gunzip(empty), "");
}

}  // namespace
}  // namespace hermes
