// process_* metrics (the Prometheus client conventions) for the running process,
// read from /proc, getrlimit and sysconf. Parsing is split from I/O so that the
// parsers can be tested from strings.
//
// A value that cannot be read is left out of the exposition (a failing collector
// never fails the scrape); on Linux all six are always present.
//
// Thread-safety: the free functions have no shared state; ProcessReader (below) has
// its own mutex.
#pragma once

#include <dirent.h>

#include <optional>
#include <string_view>
#include <vector>

#include "common/mutex.h"
#include "common/status.h"

namespace hermes::metrics {

// The fields of /proc/<pid>/stat that process metrics need, in the file's units.
struct ProcStat {
  double utime_ticks = 0;  // field 14
  double stime_ticks = 0;  // field 15
  double start_ticks = 0;  // field 22, clock ticks after boot
  double vsize_bytes = 0;  // field 23
  double rss_pages = 0;    // field 24
};

struct ProcessStats {
  std::optional<double> cpu_seconds;
  std::optional<double> resident_bytes;
  std::optional<double> virtual_bytes;
  std::optional<double> start_time_seconds;  // Unix time
  std::optional<double> open_fds;
  std::optional<double> max_fds;
};

// Parses the contents of /proc/<pid>/stat. The command name (field 2) may contain
// spaces and parentheses; parsing resumes after its last ')'.
Result<ProcStat> ParseProcStat(std::string_view text);
// The boot time (Unix seconds) from the "btime" line of /proc/stat.
Result<double> ParseBootTime(std::string_view proc_stat);
// Converts parsed values; `ticks_per_second` is sysconf(_SC_CLK_TCK).
ProcessStats ComputeProcessStats(const ProcStat& stat, std::optional<double> boot_time,
                                 double ticks_per_second, double page_size);

// I/O: the current process' stats, read per scrape. The boot time is read once (it
// is constant while the system runs), and /proc/self/stat and /proc/self/fd stay open
// between reads, so a read is pread, rewind + getdents and getrlimit instead of a
// dozen system calls (those two descriptors count among the open fds).
//
// Thread-safety: Read() may be called concurrently.
class ProcessReader {
 public:
  ProcessReader();
  ~ProcessReader();
  ProcessReader(const ProcessReader&) = delete;
  ProcessReader& operator=(const ProcessReader&) = delete;

  ProcessStats Read();

 private:
  const std::optional<double> boot_time_;
  const double ticks_per_second_;
  const double page_size_;
  const int stat_fd_;  // -1 when /proc/self/stat cannot be opened
  Mutex mu_;
  DIR* const fd_dir_ HERMES_PT_GUARDED_BY(mu_);  // /proc/self/fd; nullptr if unopenable
};

}  // namespace hermes::metrics
