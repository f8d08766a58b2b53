#include "common/log.h"

#include <spdlog/formatter.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <memory>
#include <vector>

#include "common/json.h"

namespace hermes {
namespace {

// Log() hands spdlog the finished line and marks it with this tag in source_loc
// (compared by pointer), so the formatter can tell it from text logged through
// spdlog directly, which it renders itself.
constexpr char kRenderedTag[] = "hermes-rendered-line";

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

spdlog::level::level_enum ToSpdlog(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return spdlog::level::debug;
    case LogLevel::kInfo:
      return spdlog::level::info;
    case LogLevel::kWarn:
      return spdlog::level::warn;
    case LogLevel::kError:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

LogLevel FromSpdlog(spdlog::level::level_enum level) {
  if (level <= spdlog::level::debug) return LogLevel::kDebug;
  if (level == spdlog::level::info) return LogLevel::kInfo;
  if (level == spdlog::level::warn) return LogLevel::kWarn;
  return LogLevel::kError;
}

// go-logfmt quotes values that are empty or contain space, '=', '"', control
// characters or invalid UTF-8; everything else goes out bare.
bool LogfmtNeedsQuotes(std::string_view s) {
  if (s.empty()) return true;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c <= ' ' || c == '=' || c == '"' || c == 0x7f) return true;
    size_t n = Utf8SequenceLength(s, i);
    if (n == 0) return true;
    i += n;
  }
  return false;
}

// Keys are program literals; still, never let one break the line structure.
std::string LogfmtKey(std::string_view key) {
  if (key.empty()) return "_";
  std::string out(key);
  for (char& c : out) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u <= ' ' || c == '=' || c == '"' || u >= 0x7f) c = '_';
  }
  return out;
}

// Lines from Log() arrive rendered and only get their newline; text logged
// through spdlog directly is rendered here as a line whose msg is that text.
class LineFormatter final : public spdlog::formatter {
 public:
  explicit LineFormatter(LogFormat format) : format_(format) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const std::string_view text(msg.payload.data(), msg.payload.size());
    if (msg.source.filename == kRenderedTag) {
      dest.append(text.data(), text.data() + text.size());
    } else {
      const std::string line = FormatLogLine(format_, msg.time, FromSpdlog(msg.level), text, {});
      dest.append(line.data(), line.data() + line.size());
    }
    dest.push_back('\n');
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<LineFormatter>(format_);
  }

 private:
  const LogFormat format_;
};

// The default logger InitLogging() installs: spdlog's logger (level filter, sink,
// flush policy) plus the line format, so Log() renders in the format of the
// logger it writes to and both are replaced together.
class LineLogger final : public spdlog::logger {
 public:
  LineLogger(spdlog::sink_ptr sink, LogLevel level, LogFormat format)
      : spdlog::logger("hermes", std::move(sink)), format_(format) {
    set_formatter(std::make_unique<LineFormatter>(format));
    set_level(ToSpdlog(level));
    flush_on(spdlog::level::trace);  // every line, so nothing is lost on a crash
  }

  LogFormat line_format() const { return format_; }

 private:
  const LogFormat format_;
};

}  // namespace

LogField::LogField(std::string_view k, double v) : key(k) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g", v);
  value = buf;
}

Result<LogLevel> ParseLogLevel(std::string_view level) {
  if (level == "debug") return LogLevel::kDebug;
  if (level == "info") return LogLevel::kInfo;
  if (level == "warn") return LogLevel::kWarn;
  if (level == "error") return LogLevel::kError;
  return Status::Invalid("--log.level: must be one of debug, info, warn, error; got \"" +
                         std::string(level) + "\"");
}

Result<LogFormat> ParseLogFormat(std::string_view format) {
  if (format == "logfmt") return LogFormat::kLogfmt;
  if (format == "json") return LogFormat::kJson;
  return Status::Invalid("--log.format: must be one of logfmt, json; got \"" + std::string(format) +
                         "\"");
}

Status InitLogging(std::string_view level, std::string_view format) {
  return InitLogging(level, format, std::make_shared<spdlog::sinks::stderr_sink_mt>());
}

Status InitLogging(std::string_view level, std::string_view format, spdlog::sink_ptr sink) {
  Result<LogLevel> lvl = ParseLogLevel(level);
  if (!lvl.ok()) return lvl.status();
  Result<LogFormat> fmt = ParseLogFormat(format);
  if (!fmt.ok()) return fmt.status();
  auto logger = std::make_shared<LineLogger>(std::move(sink), *lvl, *fmt);
  spdlog::set_default_logger(std::move(logger));
  return Status::Ok();
}

void Log(LogLevel level, std::string_view msg, LogFields fields) {
  spdlog::logger* logger = spdlog::default_logger_raw();
  if (logger == nullptr || !logger->should_log(ToSpdlog(level))) return;
  std::vector<LogField> redacted;
  redacted.reserve(fields.size());
  for (const LogField& f : fields) redacted.emplace_back(f.key, RedactField(f.key, f.value));
  // Before InitLogging() the default logger is spdlog's own: logfmt behind its prefix.
  const auto* line_logger = dynamic_cast<const LineLogger*>(logger);
  const LogFormat format = line_logger ? line_logger->line_format() : LogFormat::kLogfmt;
  const auto now = spdlog::log_clock::now();
  const std::string line = FormatLogLine(format, now, level, msg, redacted);
  logger->log(now, spdlog::source_loc(kRenderedTag, 1, ""), ToSpdlog(level),
              spdlog::string_view_t(line.data(), line.size()));
}

std::string FormatLogLine(LogFormat format, WallTime ts, LogLevel level, std::string_view msg,
                          std::span<const LogField> fields) {
  std::string out;
  out.reserve(64 + msg.size() + fields.size() * 24);
  if (format == LogFormat::kJson) {
    out += "{\"ts\":\"" + Rfc3339(ts) + "\",\"level\":\"" + LevelName(level) + "\",\"msg\":";
    AppendJsonString(out, msg);
    for (const LogField& f : fields) {
      out += ',';
      AppendJsonString(out, f.key);
      out += ':';
      AppendJsonString(out, f.value);
    }
    out += '}';
    return out;
  }
  out += "ts=" + Rfc3339(ts) + " level=" + LevelName(level) + " msg=";
  AppendJsonString(out, msg);
  for (const LogField& f : fields) {
    out += ' ';
    out += LogfmtKey(f.key);
    out += '=';
    if (LogfmtNeedsQuotes(f.value)) {
      AppendJsonString(out, f.value);
    } else {
      out += f.value;
    }
  }
  return out;
}

}  // namespace hermes
