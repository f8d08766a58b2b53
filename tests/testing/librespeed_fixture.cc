#include "testing/librespeed_fixture.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <optional>

namespace hermes::testing {
namespace {

constexpr size_t kMiB = 1024 * 1024;
constexpr size_t kMaxHead = 64 * 1024;
constexpr char kNoCache[] =
    "Cache-Control: no-store, no-cache, must-revalidate, max-age=0, s-maxage=0\r\n"
    "Cache-Control: post-check=0, pre-check=0\r\nPragma: no-cache\r\n";

bool SendString(int fd, const std::string& s) { return SendAll(fd, s.data(), s.size()); }

// Reads exactly `n` bytes (from `buffered` first), discarding them; adds what it
// read to `*counted` as it goes, when given.
bool Discard(int fd, uint64_t n, std::string& buffered, std::atomic<uint64_t>* counted = nullptr) {
  const uint64_t from_buffer = std::min<uint64_t>(n, buffered.size());
  buffered.erase(0, from_buffer);
  n -= from_buffer;
  if (counted != nullptr) *counted += from_buffer;
  char tmp[64 * 1024];
  while (n > 0) {
    const ssize_t r = read(fd, tmp, std::min<uint64_t>(sizeof(tmp), n));
    if (r <= 0) return false;
    n -= static_cast<uint64_t>(r);
    if (counted != nullptr) *counted += static_cast<uint64_t>(r);
  }
  return true;
}

// The value of query parameter `name`, if present.
std::optional<std::string> Param(const std::string& query, const std::string& name) {
  size_t pos = 0;
  while (pos <= query.size()) {
    const size_t end = std::min(query.find('&', pos), query.size());
    const std::string pair = query.substr(pos, end - pos);
    if (pair.rfind(name + "=", 0) == 0) return pair.substr(name.size() + 1);
    pos = end + 1;
  }
  return std::nullopt;
}

std::optional<int64_t> ParseInteger(const std::string& s) {
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  const long long v = std::strtoll(s.c_str(), &end, 10);  // NOLINT(runtime/int)
  if (*end != '\0') return std::nullopt;
  return v;
}

uint64_t ContentLength(const std::string& head) {
  std::string lower = head;
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  const size_t at = lower.find("\r\ncontent-length:");
  if (at == std::string::npos) return 0;
  return std::strtoull(head.c_str() + at + 17, nullptr, 10);
}

const char* Payload() {
  static const std::string* const kPayload = new std::string(kMiB, 'g');
  return kPayload->data();
}

}  // namespace

std::vector<int64_t> LibreSpeedFixture::chunk_counts() {
  std::lock_guard<std::mutex> l(mu_);
  return chunk_counts_;
}

std::vector<uint64_t> LibreSpeedFixture::upload_sizes() {
  std::lock_guard<std::mutex> l(mu_);
  return upload_sizes_;
}

void LibreSpeedFixture::Serve(int fd) {
  std::string buf;
  char tmp[16 * 1024];
  for (;;) {
    size_t end;
    while ((end = buf.find("\r\n\r\n")) == std::string::npos) {
      if (buf.size() > kMaxHead) return;
      const ssize_t n = read(fd, tmp, sizeof(tmp));
      if (n <= 0) return;
      buf.append(tmp, static_cast<size_t>(n));
    }
    const std::string head = buf.substr(0, end + 2);
    buf.erase(0, end + 4);
    const size_t sp1 = head.find(' ');
    const size_t sp2 = head.find(' ', sp1 + 1);
    if (sp1 == std::string::npos || sp2 == std::string::npos) return;
    const std::string method = head.substr(0, sp1);
    const std::string target = head.substr(sp1 + 1, sp2 - sp1 - 1);
    const size_t q = target.find('?');
    const std::string path = target.substr(0, q);
    const std::string query = q == std::string::npos ? "" : target.substr(q + 1);
    const uint64_t body = ContentLength(head);

    const bool php_names = backend_ != Backend::kRust;
    const bool bare_names = backend_ != Backend::kPhp;
    bool ok;
    if (method == "GET" &&
        ((php_names && path == "/garbage.php") || (bare_names && path == "/garbage"))) {
      ok = Discard(fd, body, buf) && Garbage(fd, query);
    } else if ((php_names && path == "/empty.php") || (bare_names && path == "/empty")) {
      ok = Empty(fd, body, buf);
    } else if (path == "/_fixture/counters") {
      const std::string json = "{\"sent\": " + std::to_string(down_bytes.load()) +
                               ", \"received\": " + std::to_string(up_bytes.load()) + "}";
      ok = Discard(fd, body, buf) &&
           SendString(fd,
                      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                      "Content-Length: " +
                          std::to_string(json.size()) + "\r\n\r\n" + json);
    } else {
      ++not_found;
      ok = Discard(fd, body, buf) &&
           SendString(fd, "HTTP/1.1 404 Not Found\r\nContent-Length: 13\r\n\r\n404 not found");
    }
    if (!ok) return;
  }
}

bool LibreSpeedFixture::Garbage(int fd, const std::string& query) {
  const std::optional<std::string> raw = Param(query, "ckSize");
  const std::optional<int64_t> asked = raw ? ParseInteger(*raw) : std::nullopt;
  {
    std::lock_guard<std::mutex> l(mu_);
    chunk_counts_.push_back(asked.value_or(-1));
  }
  int64_t mib = 4;
  switch (backend_) {
    case Backend::kPhp:  // ctype_digit, then (int) > 0
      if (raw && !raw->empty() && std::all_of(raw->begin(), raw->end(), ::isdigit) && asked &&
          *asked > 0) {
        mib = std::min<int64_t>(*asked, 1024);
      }
      break;
    case Backend::kGo:
    case Backend::kRust:  // an integer, capped at 1024; 0 or less: nothing
      if (asked) mib = std::max<int64_t>(std::min<int64_t>(*asked, 1024), 0);
      break;
  }
  const std::string head = std::string(
                               "HTTP/1.1 200 OK\r\nContent-Description: File Transfer\r\n"
                               "Content-Type: application/octet-stream\r\n"
                               "Content-Disposition: attachment; filename=random.dat\r\n"
                               "Content-Transfer-Encoding: binary\r\n") +
                           kNoCache + "Transfer-Encoding: chunked\r\n\r\n";
  if (!SendString(fd, head)) return false;
  // Rust writes 512 KiB chunks, PHP and Go one chunk per 1 MiB write.
  const size_t chunk = backend_ == Backend::kRust ? kMiB / 2 : kMiB;
  char size_line[32];
  const int len = std::snprintf(size_line, sizeof size_line, "%zx\r\n", chunk);
  for (uint64_t sent = 0; sent < static_cast<uint64_t>(mib) * kMiB; sent += chunk) {
    if (!SendAll(fd, size_line, static_cast<size_t>(len))) return false;
    down_bytes += chunk;  // offered before the send: hermes never reads more than this
    if (!SendAll(fd, Payload(), chunk) || !SendString(fd, "\r\n")) return false;
  }
  return SendString(fd, "0\r\n\r\n");
}

bool LibreSpeedFixture::Empty(int fd, uint64_t body, std::string& buffered) {
  if (body == 0) {
    ++pings;
  } else {
    std::lock_guard<std::mutex> l(mu_);
    upload_sizes_.push_back(body);
  }
  const std::string answer = std::string("HTTP/1.1 200 OK\r\n") + kNoCache +
                             "Connection: keep-alive\r\nContent-Length: 0\r\n\r\n";
  auto read_body = [&] {
    if (backend_ != Backend::kRust) {
      return Discard(fd, body, buffered, &up_bytes);
    }
    // 1 KiB read_exact blocks until at least `body` bytes: a partial last block
    // waits for bytes that never come. Read as one run of whole blocks (the same on
    // the wire, without a system call per KiB that starves a loaded test host).
    return Discard(fd, (body + 1023) / 1024 * 1024, buffered, &up_bytes);
  };
  if (backend_ == Backend::kPhp) return SendString(fd, answer) && read_body();
  return read_body() && SendString(fd, answer);
}

}  // namespace hermes::testing
