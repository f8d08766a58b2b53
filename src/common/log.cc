#include "common/log.h"

#include <spdlog/formatter.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <array>
#include <charconv>
#include <cstdio>
#include <memory>
#include <vector>

#include "common/json.h"

namespace hermes {
namespace {

// Log() hands fields to the formatter through the payload, serialised as
// netstrings ("<len>:<bytes>" for msg, key, value, key, value...). The formatter
// recognises such messages by this tag in source_loc (pointer identity), so plain
// spdlog calls whose text happens to look like netstrings are still rendered raw.
constexpr char kStructuredTag[] = "hermes-structured-log";

void AppendNetstring(std::string& out, std::string_view s) {
  out += std::to_string(s.size());
  out += ':';
  out += s;
}

// Returns false on malformed input (then the caller renders the payload raw).
bool ParseNetstrings(std::string_view in, std::vector<std::string_view>& out) {
  while (!in.empty()) {
    size_t colon = in.find(':');
    if (colon == std::string_view::npos) return false;
    size_t len = 0;
    auto [p, ec] = std::from_chars(in.data(), in.data() + colon, len);
    if (ec != std::errc() || p != in.data() + colon || len > in.size() - colon - 1) return false;
    out.push_back(in.substr(colon + 1, len));
    in.remove_prefix(colon + 1 + len);
  }
  return !out.empty() && out.size() % 2 == 1;
}

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

// Renders with string_view pairs so both the public API and the formatter
// (which parses views out of the payload) share one implementation.
std::string Render(LogFormat format, WallTime ts, LogLevel level, std::string_view msg,
                   std::span<const std::pair<std::string_view, std::string_view>> fields) {
  std::string out;
  out.reserve(64 + msg.size() + fields.size() * 24);
  if (format == LogFormat::kJson) {
    out += "{\"ts\":\"" + Rfc3339(ts) + "\",\"level\":\"" + LevelName(level) + "\",\"msg\":";
    AppendJsonString(out, msg);
    for (const auto& [k, v] : fields) {
      out += ',';
      AppendJsonString(out, k);
      out += ':';
      AppendJsonString(out, v);
    }
    out += '}';
    return out;
  }
  out += "ts=" + Rfc3339(ts) + " level=" + LevelName(level) + " msg=";
  AppendJsonString(out, msg);
  for (const auto& [k, v] : fields) {
    out += ' ';
    out += LogfmtKey(k);
    out += '=';
    if (LogfmtNeedsQuotes(v)) {
      AppendJsonString(out, v);
    } else {
      out += v;
    }
  }
  return out;
}

class LineFormatter final : public spdlog::formatter {
 public:
  explicit LineFormatter(LogFormat format) : format_(format) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    std::string_view payload(msg.payload.data(), msg.payload.size());
    std::vector<std::string_view> parts;
    std::vector<std::pair<std::string_view, std::string_view>> fields;
    std::string_view text = payload;
    if (msg.source.filename == kStructuredTag && ParseNetstrings(payload, parts)) {
      text = parts[0];
      for (size_t i = 1; i + 1 < parts.size(); i += 2) fields.emplace_back(parts[i], parts[i + 1]);
    }
    std::string line = Render(format_, msg.time, FromSpdlog(msg.level), text, fields);
    line += '\n';
    dest.append(line.data(), line.data() + line.size());
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<LineFormatter>(format_);
  }

 private:
  const LogFormat format_;
};

// Compares a key with a lowercase, underscore-separated name; ASCII case and
// '-' vs '_' are ignored ("Proxy-Authorization" matches "proxy_authorization").
bool KeyEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (x == '-') x = '_';
    if (x != y) return false;
  }
  return true;
}

bool IsUrlKey(std::string_view key) {
  return KeyEquals(key, "url") || (key.size() > 4 && KeyEquals(key.substr(key.size() - 4), "_url"));
}

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
  auto logger = std::make_shared<spdlog::logger>("hermes", std::move(sink));
  logger->set_formatter(std::make_unique<LineFormatter>(*fmt));
  logger->set_level(ToSpdlog(*lvl));
  logger->flush_on(spdlog::level::trace);  // every line, so nothing is lost on a crash
  spdlog::set_default_logger(std::move(logger));
  return Status::Ok();
}

void Log(LogLevel level, std::string_view msg, LogFields fields) {
  spdlog::logger* logger = spdlog::default_logger_raw();
  if (logger == nullptr || !logger->should_log(ToSpdlog(level))) return;
  std::string payload;
  AppendNetstring(payload, msg);
  for (const LogField& f : fields) {
    AppendNetstring(payload, f.key);
    if (IsSecretKey(f.key)) {
      AppendNetstring(payload, kRedacted);
    } else if (IsUrlKey(f.key)) {
      AppendNetstring(payload, RedactUrl(f.value));
    } else {
      AppendNetstring(payload, f.value);
    }
  }
  logger->log(spdlog::source_loc(kStructuredTag, 1, ""), ToSpdlog(level),
              spdlog::string_view_t(payload.data(), payload.size()));
}

std::string FormatLogLine(LogFormat format, WallTime ts, LogLevel level, std::string_view msg,
                          std::span<const LogField> fields) {
  std::vector<std::pair<std::string_view, std::string_view>> views;
  views.reserve(fields.size());
  for (const LogField& f : fields) views.emplace_back(f.key, f.value);
  return Render(format, ts, level, msg, views);
}

std::string RedactUrl(std::string_view url) {
  std::string_view scheme;
  std::string_view rest = url;
  size_t sep = url.find("://");
  if (sep != std::string_view::npos && url.find_first_of("/?#") > sep) {
    scheme = url.substr(0, sep + 3);
    rest = url.substr(sep + 3);
  }
  // Userinfo is cut before the query and fragment so that an unencoded '?' or '#'
  // inside a password ("u:p#w@h") cannot hide the '@' and leak the credentials.
  std::string_view authority = rest.substr(0, rest.find('/'));
  size_t at = authority.rfind('@');
  if (at != std::string_view::npos) rest.remove_prefix(at + 1);
  rest = rest.substr(0, rest.find_first_of("?#"));
  return std::string(scheme) + std::string(rest);
}

bool IsSecretKey(std::string_view key) {
  static constexpr std::array<std::string_view, 8> kExact = {
      "authorization", "proxy_authorization", "token",  "password",
      "bearer_token",  "credentials",         "secret", "cookie"};
  for (std::string_view k : kExact) {
    if (KeyEquals(key, k)) return true;
  }
  for (std::string_view suffix : {"_token", "_password", "_secret"}) {
    if (key.size() > suffix.size() && KeyEquals(key.substr(key.size() - suffix.size()), suffix)) {
      return true;
    }
  }
  return false;
}

}  // namespace hermes
