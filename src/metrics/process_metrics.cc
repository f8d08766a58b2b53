// process_* metrics: /proc parsing and the (small) I/O around it.
#include "metrics/process_metrics.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "common/parse_number.h"

namespace hermes::metrics {
namespace {

// Reads a whole small file; nullopt if it cannot be opened. /proc files report a
// size of 0, so this reads until EOF instead of trusting stat().
std::optional<std::string> ReadSmallFile(const char* path, size_t max_bytes) {
  std::FILE* f = std::fopen(path, "re");
  if (f == nullptr) return std::nullopt;
  std::string out;
  char buf[4096];
  size_t n;
  while (out.size() < max_bytes && (n = std::fread(buf, 1, sizeof(buf), f)) > 0) {
    out.append(buf, n);
  }
  std::fclose(f);
  return out;
}

std::optional<double> ReadBootTime() {
  // /proc/stat has one line per CPU before btime; 1 MiB is ample.
  const auto text = ReadSmallFile("/proc/stat", 1 << 20);
  if (!text) return std::nullopt;
  Result<double> bt = ParseBootTime(*text);
  if (!bt.ok()) return std::nullopt;
  return *bt;
}

}  // namespace

Result<ProcStat> ParseProcStat(std::string_view text) {
  const size_t close = text.rfind(')');
  if (close == std::string_view::npos) return Status::Internal("/proc/self/stat: no ')'");
  // Fields after the command name, numbered as in proc(5): the state is field 3.
  std::string_view rest = text.substr(close + 1);
  ProcStat st;
  int field = 2;
  size_t pos = 0;
  int parsed = 0;
  while (pos < rest.size() && field < 24) {
    while (pos < rest.size() && (rest[pos] == ' ' || rest[pos] == '\n')) ++pos;
    const size_t end = rest.find_first_of(" \n", pos);
    const std::string_view tok =
        rest.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    pos = end == std::string_view::npos ? rest.size() : end;
    if (tok.empty()) break;
    ++field;
    double* target = nullptr;
    switch (field) {
      case 14:
        target = &st.utime_ticks;
        break;
      case 15:
        target = &st.stime_ticks;
        break;
      case 22:
        target = &st.start_ticks;
        break;
      case 23:
        target = &st.vsize_bytes;
        break;
      case 24:
        target = &st.rss_pages;
        break;
      default:
        break;
    }
    if (target == nullptr) continue;
    const std::optional<uint64_t> v = ParseNumber<uint64_t>(tok);
    if (!v) {
      return Status::Internal("/proc/self/stat: field " + std::to_string(field) +
                              " is not a number");
    }
    *target = static_cast<double>(*v);
    ++parsed;
  }
  if (parsed != 5) return Status::Internal("/proc/self/stat: too few fields");
  return st;
}

Result<double> ParseBootTime(std::string_view proc_stat) {
  size_t pos = 0;
  while (pos < proc_stat.size()) {
    size_t end = proc_stat.find('\n', pos);
    if (end == std::string_view::npos) end = proc_stat.size();
    std::string_view line = proc_stat.substr(pos, end - pos);
    pos = end + 1;
    if (line.substr(0, 6) != "btime ") continue;
    line.remove_prefix(6);
    while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.remove_suffix(1);
    const std::optional<uint64_t> v = ParseNumber<uint64_t>(line);
    if (!v) return Status::Internal("/proc/stat: malformed btime line");
    return static_cast<double>(*v);
  }
  return Status::Internal("/proc/stat: no btime line");
}

ProcessStats ComputeProcessStats(const ProcStat& stat, std::optional<double> boot_time,
                                 double ticks_per_second, double page_size) {
  ProcessStats s;
  if (ticks_per_second > 0) {
    s.cpu_seconds = (stat.utime_ticks + stat.stime_ticks) / ticks_per_second;
    if (boot_time) s.start_time_seconds = *boot_time + stat.start_ticks / ticks_per_second;
  }
  if (page_size > 0) s.resident_bytes = stat.rss_pages * page_size;
  s.virtual_bytes = stat.vsize_bytes;
  return s;
}

ProcessReader::ProcessReader()
    : boot_time_(ReadBootTime()),
      ticks_per_second_(static_cast<double>(sysconf(_SC_CLK_TCK))),
      page_size_(static_cast<double>(sysconf(_SC_PAGESIZE))),
      stat_fd_(open("/proc/self/stat", O_RDONLY | O_CLOEXEC)),
      fd_dir_(opendir("/proc/self/fd")) {}

ProcessReader::~ProcessReader() {
  if (stat_fd_ >= 0) close(stat_fd_);
  if (fd_dir_ != nullptr) closedir(fd_dir_);
}

ProcessStats ProcessReader::Read() {
  ProcessStats s;
  char buf[4096];
  const ssize_t n = stat_fd_ >= 0 ? pread(stat_fd_, buf, sizeof(buf), 0) : -1;
  if (n > 0) {
    if (Result<ProcStat> st = ParseProcStat(std::string_view(buf, static_cast<size_t>(n)));
        st.ok()) {
      s = ComputeProcessStats(*st, boot_time_, ticks_per_second_, page_size_);
    }
  }
  if (fd_dir_ != nullptr) {
    MutexLock lock(mu_);
    rewinddir(fd_dir_);  // procfs lists the descriptors open now
    double open_fds = 0;
    while (const dirent* e = readdir(fd_dir_)) {
      if (e->d_name[0] != '.') ++open_fds;
    }
    s.open_fds = open_fds;
  }
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0) s.max_fds = static_cast<double>(lim.rlim_cur);
  return s;
}

}  // namespace hermes::metrics
