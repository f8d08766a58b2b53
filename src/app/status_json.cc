#include "app/status_json.h"

#include "common/clock.h"
#include "common/json.h"
#include "common/version.h"

namespace hermes::app {

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
