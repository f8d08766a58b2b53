#include "app/status_json.h"

#include <cstdio>
#include <ctime>

#include "common/version.h"

namespace hermes::app {

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string Rfc3339(WallTime t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch());
  std::time_t secs = static_cast<std::time_t>(ms.count() / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[80];  // room for any int values, so the compiler can prove no truncation
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms.count() % 1000));
  return buf;
}

std::string StatusJson(const config::Config& config,
                       const std::vector<scheduler::ProbeStatus>& probes) {
  std::string out = "{\"version\":" + JsonString(kVersion) +
                    ",\"revision\":" + JsonString(kRevision) +
                    ",\"config_hash\":" + JsonString(config.source_hash) + ",\"probes\":[";
  bool first = true;
  for (const auto& p : probes) {
    const config::ProbeConfig* pc = config.FindProbe(p.name);
    if (!first) out += ",";
    first = false;
    out += "{\"name\":" + JsonString(p.name);
    out += ",\"kind\":" + JsonString(pc ? std::string(pc->kind->name) : "");
    out += ",\"running\":" + std::string(p.running ? "true" : "false");
    out += ",\"last_run\":" + (p.last_run ? JsonString(Rfc3339(*p.last_run)) : "null");
    out += ",\"last_duration_seconds\":" + std::to_string(ToSeconds(p.last_duration));
    out += ",\"last_success\":" +
           std::string(p.last_success ? (*p.last_success ? "true" : "false") : "null");
    out += ",\"failure_reason\":" + JsonString(p.last_failure_reason);
    out += ",\"error\":" + JsonString(p.last_error);
    out += ",\"next_run\":" + JsonString(Rfc3339(p.next_run)) + "}";
  }
  return out + "]}\n";
}

std::string LandingPage(std::string_view telemetry_path) {
  std::string path(telemetry_path);
  return "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>hermes-exporter</title>"
         "</head><body>\n<h1>hermes-exporter</h1>\n<p>Network-quality exporter, version " +
         std::string(kVersion) + " (" + kRevision + ").</p>\n<ul>\n<li><a href=\"" + path +
         "\">Metrics</a></li>\n<li><a href=\"/-/status\">Probe status</a></li>\n"
         "<li><a href=\"/-/healthy\">Health</a></li>\n<li><a href=\"/-/ready\">Readiness</a></li>\n"
         "</ul>\n</body></html>\n";
}

}  // namespace hermes::app
