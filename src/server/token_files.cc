#include "server/token_files.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/algorithm/string/classification.hpp>
#include <boost/algorithm/string/trim.hpp>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <optional>

#include "common/log.h"

namespace hermes::server {

Digest Sha256(std::string_view s) {
  Digest d{};
  unsigned int len = 0;
  EVP_Digest(s.data(), s.size(), d.data(), &len, EVP_sha256(), nullptr);
  return d;
}

std::string_view TrimSpace(std::string_view s) {
  return boost::algorithm::trim_copy_if(s, boost::algorithm::is_any_of(" \t\r\n\v\f"));
}

bool IsCtlOrSpace(char c) { return static_cast<unsigned char>(c) <= ' ' || c == 0x7f; }

namespace {

constexpr size_t kMaxTokenFileBytes = 64 * 1024;
constexpr auto kStatInterval = std::chrono::seconds(1);

struct FileIdentity {
  dev_t dev = 0;
  ino_t ino = 0;
  off_t size = -1;
  int64_t mtime_ns = 0;
  int64_t ctime_ns = 0;
  bool operator==(const FileIdentity&) const = default;
};

FileIdentity IdentityOf(const struct stat& st) {
  return {st.st_dev, st.st_ino, st.st_size,
          int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec,
          int64_t{st.st_ctim.tv_sec} * 1'000'000'000 + st.st_ctim.tv_nsec};
}

std::string Errno(int err) { return std::strerror(err); }

struct TokenRead {
  Digest digest{};
  FileIdentity id;
};

// Reads one token file. Error messages name the file, never its content.
Result<TokenRead> ReadTokenFile(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Status::Unavailable("cannot read bearer token file " + path + ": " + Errno(errno));
  }
  TokenRead r;
  std::string content;
  struct stat st {};
  Status err;
  if (fstat(fd, &st) != 0) {
    err = Status::Unavailable("cannot stat bearer token file " + path + ": " + Errno(errno));
  } else {
    r.id = IdentityOf(st);
    char buf[4096];
    while (content.size() <= kMaxTokenFileBytes) {
      ssize_t n = read(fd, buf, sizeof(buf));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        err = Status::Unavailable("cannot read bearer token file " + path + ": " + Errno(errno));
      }
      if (n <= 0) break;
      content.append(buf, static_cast<size_t>(n));
    }
  }
  close(fd);
  if (err.ok()) {
    std::string_view token = TrimSpace(content);
    if (content.size() > kMaxTokenFileBytes) {
      err = Status::Invalid("bearer token file " + path + " is larger than 64 KiB");
    } else if (token.empty()) {
      err = Status::Invalid("bearer token file " + path + " is empty");
    } else if (std::any_of(token.begin(), token.end(), IsCtlOrSpace)) {
      err = Status::Invalid("bearer token file " + path +
                            " holds whitespace or control characters inside the token; "
                            "it must contain exactly one token");
    } else {
      r.digest = Sha256(token);
    }
  }
  OPENSSL_cleanse(content.data(), content.size());
  if (!err.ok()) return err;
  return r;
}

}  // namespace

struct TokenFileSet::File {
  std::string path;
  std::optional<Digest> digest;  // nullopt: not currently valid
  std::optional<FileIdentity> id;
  SteadyTime next_stat;
  uint64_t claimed = 0;  // refresh tickets, so a slow stale refresh cannot win
  uint64_t applied = 0;
  bool warned = false;
};

Result<std::unique_ptr<TokenFileSet>> TokenFileSet::Load(const std::vector<std::string>& paths,
                                                         Clock& clock) {
  std::vector<File> files;
  const SteadyTime now = clock.SteadyNow();
  for (const std::string& path : paths) {
    Result<TokenRead> r = ReadTokenFile(path);
    if (!r.ok()) return r.status();
    File f;
    f.path = path;
    f.digest = r->digest;
    f.id = r->id;
    f.next_stat = now + kStatInterval;
    files.push_back(std::move(f));
  }
  return std::unique_ptr<TokenFileSet>(new TokenFileSet(clock, std::move(files)));
}

TokenFileSet::TokenFileSet(Clock& clock, std::vector<File> files)
    : clock_(clock), count_(files.size()), files_(std::move(files)) {}

TokenFileSet::~TokenFileSet() = default;

bool TokenFileSet::empty() const { return count_ == 0; }

bool TokenFileSet::Matches(std::string_view token) {
  for (size_t i = 0; i < count_; ++i) MaybeRefresh(i);
  const Digest presented = Sha256(token);
  int match = 0;
  MutexLock l(mu_);
  for (const File& f : files_) {
    if (!f.digest) continue;
    match |=
        static_cast<int>(CRYPTO_memcmp(presented.data(), f.digest->data(), presented.size()) == 0);
  }
  return match != 0;
}

// Stats file `i` if its second has passed; re-reads it when it changed. The I/O runs
// without the lock; the ticket orders concurrent refreshes.
void TokenFileSet::MaybeRefresh(size_t i) {
  const SteadyTime now = clock_.SteadyNow();
  std::string path;
  std::optional<FileIdentity> known;
  uint64_t ticket;
  {
    MutexLock l(mu_);
    File& f = files_[i];
    if (now < f.next_stat) return;
    f.next_stat = now + kStatInterval;
    ticket = ++f.claimed;
    path = f.path;
    known = f.id;
  }
  struct stat st {};
  Status err;
  std::optional<TokenRead> read;
  if (stat(path.c_str(), &st) != 0) {
    err = Status::Unavailable("cannot stat bearer token file " + path + ": " + Errno(errno));
  } else if (known && *known == IdentityOf(st)) {
    return;  // unchanged
  } else if (Result<TokenRead> r = ReadTokenFile(path); r.ok()) {
    read = *r;
  } else {
    err = r.status();
  }
  bool log_warning = false, log_recovered = false;
  {
    MutexLock l(mu_);
    File& f = files_[i];
    if (ticket <= f.applied) return;
    f.applied = ticket;
    if (read) {
      f.digest = read->digest;
      f.id = read->id;
      log_recovered = f.warned;
      f.warned = false;
    } else {
      f.digest.reset();
      // Remember a bad file's identity so it is not re-read (and re-logged) every
      // second; a missing file has none and is retried by stat alone.
      f.id =
          err.code() == StatusCode::kInvalidArgument ? std::optional(IdentityOf(st)) : std::nullopt;
      log_warning = !f.warned;
      f.warned = true;
    }
  }
  if (log_warning) {
    LogWarn("bearer token file is no longer usable; its token is rejected until it is fixed",
            {{"file", path}, {"err", err}});
  } else if (log_recovered) {
    LogInfo("bearer token file is usable again", {{"file", path}});
  }
}

}  // namespace hermes::server
