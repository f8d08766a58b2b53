// Structured logging: logfmt or JSON lines on stderr, with secrets redacted.
//
// main calls InitLogging() once, which installs spdlog's default logger (the one
// process-wide sink). Code logs with fields instead of formatting strings:
//
//   LogInfo("listening", {{"address", addr}, {"tls", true}});
//   LogWarn("probe failed", {{"probe", name}, {"err", status}});
//
// logfmt: ts=2026-11-22T11:05:00.123Z level=info msg="listening" address=:9516
// json:   {"ts":"2026-11-22T11:05:00.123Z","level":"info","msg":"listening","address":":9516"}
//
// Timestamps are UTC with milliseconds. Log() redacts first (RedactField in
// common/redact.h: a field whose key names a secret becomes "<redacted>", one whose
// key is "url" or ends in "_url" loses its credentials, query and fragment), then
// renders the whole line and hands it to spdlog, which filters by level, writes and
// flushes. Plain spdlog::info(...) calls still come out in the chosen format (as msg
// only) but get no redaction, so prefer the functions below.
//
// Thread-safety: Log*() may be called concurrently; InitLogging() is meant to be
// called before other threads start (tests may call it again to capture output).
#pragma once

#include <spdlog/common.h>

#include <concepts>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/redact.h"
#include "common/status.h"

namespace hermes {

enum class LogLevel { kDebug, kInfo, kWarn, kError };
enum class LogFormat { kLogfmt, kJson };

// One key/value pair. Values of common types convert implicitly, so call sites
// stay `{"port", 9516}`; a Status logs its message ("ok" when OK).
struct LogField {
  LogField(std::string_view k, std::string_view v) : key(k), value(v) {}
  LogField(std::string_view k, const std::string& v) : key(k), value(v) {}
  LogField(std::string_view k, const char* v) : key(k), value(v ? v : "") {}
  LogField(std::string_view k, bool v) : key(k), value(v ? "true" : "false") {}
  template <typename T>
  requires(std::integral<T> && !std::same_as<T, bool>) LogField(std::string_view k, T v)
      : key(k), value(std::to_string(v)) {}
  LogField(std::string_view k, double v);
  LogField(std::string_view k, const Status& s) : key(k), value(s.ok() ? "ok" : s.message()) {}

  std::string_view key;  // a literal chosen by the program, not by input
  std::string value;
};

using LogFields = std::initializer_list<LogField>;

// Parse --log.level / --log.format; errors name the flag and list the choices.
Result<LogLevel> ParseLogLevel(std::string_view level);
Result<LogFormat> ParseLogFormat(std::string_view format);

// Installs spdlog's default logger writing to stderr in `format`, filtering below
// `level`. Invalid arguments leave the current logger untouched.
Status InitLogging(std::string_view level, std::string_view format);
// Same, writing to `sink` (tests capture output with an ostream_sink). The caller
// keeps whatever the sink refers to alive until logging is re-initialised.
Status InitLogging(std::string_view level, std::string_view format, spdlog::sink_ptr sink);

// Logs through the default logger after redaction. Cheap when `level` is filtered.
void Log(LogLevel level, std::string_view msg, LogFields fields = {});
inline void LogDebug(std::string_view msg, LogFields fields = {}) {
  Log(LogLevel::kDebug, msg, fields);
}
inline void LogInfo(std::string_view msg, LogFields fields = {}) {
  Log(LogLevel::kInfo, msg, fields);
}
inline void LogWarn(std::string_view msg, LogFields fields = {}) {
  Log(LogLevel::kWarn, msg, fields);
}
inline void LogError(std::string_view msg, LogFields fields = {}) {
  Log(LogLevel::kError, msg, fields);
}

// Renders one line (without the trailing newline) exactly as the logger writes
// it. No redaction here: Log() redacts before it calls this. Pure.
std::string FormatLogLine(LogFormat format, WallTime ts, LogLevel level, std::string_view msg,
                          std::span<const LogField> fields);

}  // namespace hermes
