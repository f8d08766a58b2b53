#!/usr/bin/env python3
"""Generates dashboards/hermes-overview.json and dashboards/hermes-exporter.json.

The JSON files are the shipped artefacts (Grafana import, Helm ConfigMaps); this script
is their source. Edit it, run `python3 dashboards/generate.py`, commit both.
tests/e2e/assets_test.py fails when the JSON files are not what this script produces.

Conventions: Grafana 10 (schemaVersion 38); datasource only via the ${datasource}
variable; every query uses raw hermes_* metrics (no recording rules needed); every
probe query filters job/instance/probe with the dashboard variables.
"""
import json
import os
import sys

DS = {"type": "prometheus", "uid": "${datasource}"}
SEL = 'job=~"$job", instance=~"$instance"'
PSEL = SEL + ', probe=~"$probe"'

DAY = 86400


def sel(extra=""):
    return "{" + PSEL + (", " + extra if extra else "") + "}"


def isel(extra=""):
    return "{" + SEL + (", " + extra if extra else "") + "}"


def target(expr, legend="", ref="A", fmt="time_series", instant=False, interval=None):
    t = {
        "datasource": DS,
        "editorMode": "code",
        "expr": expr,
        "legendFormat": legend or "__auto",
        "range": not instant,
        "instant": instant,
        "format": fmt,
        "refId": ref,
    }
    if interval:
        t["interval"] = interval
    return t


def thresholds(*steps):
    """steps: (value or None, color) pairs in ascending order."""
    return {"mode": "absolute",
            "steps": [{"color": c, "value": v} for v, c in steps]}


GREEN = ((None, "green"),)


def timeseries(title, targets, unit, desc="", stack=False, bars=False, overrides=None,
               thr=GREEN, thr_style="off", min_=None, legend_calcs=("lastNotNull", "max")):
    custom = {
        "drawStyle": "bars" if bars else "line",
        "lineWidth": 1,
        "fillOpacity": 80 if bars else 10,
        "showPoints": "auto",
        "spanNulls": True,
        "pointSize": 4,
        "stacking": {"mode": "normal" if stack else "none", "group": "A"},
        "axisPlacement": "auto",
        "thresholdsStyle": {"mode": thr_style},
    }
    defaults = {"unit": unit, "custom": custom, "thresholds": thresholds(*thr),
                "color": {"mode": "palette-classic"}}
    if min_ is not None:
        defaults["min"] = min_
    return {
        "type": "timeseries",
        "title": title,
        "description": desc,
        "datasource": DS,
        "targets": targets,
        "fieldConfig": {"defaults": defaults, "overrides": overrides or []},
        "options": {
            "legend": {"displayMode": "table", "placement": "bottom", "showLegend": True,
                       "calcs": list(legend_calcs)},
            "tooltip": {"mode": "multi", "sort": "desc"},
        },
    }


def stat(title, targets, unit, desc="", thr=GREEN, mappings=None, color_mode="background",
         text_mode="auto", graph="none"):
    return {
        "type": "stat",
        "title": title,
        "description": desc,
        "datasource": DS,
        "targets": targets,
        "fieldConfig": {"defaults": {"unit": unit, "thresholds": thresholds(*thr),
                                     "mappings": mappings or [],
                                     "color": {"mode": "thresholds"}},
                        "overrides": []},
        "options": {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                    "colorMode": color_mode, "graphMode": graph, "textMode": text_mode,
                    "justifyMode": "auto", "orientation": "auto"},
    }


def bargauge(title, targets, unit, desc="", thr=GREEN, min_=None, max_=None):
    defaults = {"unit": unit, "thresholds": thresholds(*thr), "color": {"mode": "thresholds"}}
    if min_ is not None:
        defaults["min"] = min_
    if max_ is not None:
        defaults["max"] = max_
    return {
        "type": "bargauge",
        "title": title,
        "description": desc,
        "datasource": DS,
        "targets": targets,
        "fieldConfig": {"defaults": defaults, "overrides": []},
        "options": {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                    "orientation": "horizontal", "displayMode": "gradient",
                    "showUnfilled": True},
    }


def heatmap(title, expr, unit, desc=""):
    return {
        "type": "heatmap",
        "title": title,
        "description": desc,
        "datasource": DS,
        "targets": [target(expr, "{{le}}", fmt="heatmap")],
        "fieldConfig": {"defaults": {"custom": {"scaleDistribution": {"type": "linear"},
                                                "hideFrom": {"legend": False, "tooltip": False,
                                                             "viz": False}}},
                        "overrides": []},
        "options": {
            "calculate": False,
            "cellGap": 1,
            "color": {"mode": "scheme", "scheme": "Spectral", "fill": "dark-orange",
                      "scale": "exponential", "exponent": 0.5, "steps": 64, "reverse": False},
            "filterValues": {"le": 1e-09},
            "rowsFrame": {"layout": "auto"},
            "yAxis": {"axisPlacement": "left", "unit": unit, "reverse": False},
            "tooltip": {"show": True, "yHistogram": True},
            "legend": {"show": True},
            "exemplars": {"color": "rgba(255,0,255,0.7)"},
        },
    }


def table(title, targets, desc="", overrides=None, organize=None):
    p = {
        "type": "table",
        "title": title,
        "description": desc,
        "datasource": DS,
        "targets": targets,
        "fieldConfig": {"defaults": {"custom": {"align": "auto", "cellOptions": {"type": "auto"}},
                                     "thresholds": thresholds(*GREEN)},
                        "overrides": overrides or []},
        "options": {"showHeader": True, "cellHeight": "sm", "footer": {"show": False}},
        "transformations": [],
    }
    if organize:
        p["transformations"] = organize
    return p


def dashed(regex):
    """Override: series whose display name matches `regex` are drawn dashed, no fill."""
    return {"matcher": {"id": "byRegexp", "options": regex},
            "properties": [{"id": "custom.lineStyle", "value": {"fill": "dash", "dash": [10, 10]}},
                           {"id": "custom.fillOpacity", "value": 0}]}


def row(title):
    return {"type": "row", "title": title, "collapsed": False, "panels": []}


def layout(items):
    """items: row dicts or (panel, w, h). Assigns ids and gridPos left to right."""
    panels, x, y, rowh, pid = [], 0, 0, 0, 1
    for it in items:
        if isinstance(it, dict):  # row
            if x:
                y += rowh
            x, rowh = 0, 0
            it = dict(it, id=pid, gridPos={"h": 1, "w": 24, "x": 0, "y": y})
            y += 1
        else:
            p, w, h = it
            if x + w > 24:
                x, y, rowh = 0, y + rowh, 0
            it = dict(p, id=pid, gridPos={"h": h, "w": w, "x": x, "y": y})
            x += w
            rowh = max(rowh, h)
        panels.append(it)
        pid += 1
    return panels


def variables(with_probe=True):
    def q(name, label, query):
        return {
            "type": "query", "name": name, "label": label, "datasource": DS,
            "definition": query,
            "query": {"query": query, "refId": "PrometheusVariableQueryEditor-VariableQuery"},
            "refresh": 2, "sort": 1, "multi": True, "includeAll": True, "allValue": ".*",
            "current": {"selected": True, "text": ["All"], "value": ["$__all"]},
            "options": [], "regex": "", "hide": 0, "skipUrlSync": False,
        }
    v = [
        {"type": "datasource", "name": "datasource", "label": "Data source",
         "query": "prometheus", "regex": "", "refresh": 1, "hide": 0,
         "current": {}, "options": [], "multi": False, "includeAll": False,
         "skipUrlSync": False},
        q("job", "Job", "label_values(hermes_build_info, job)"),
        q("instance", "Instance", 'label_values(hermes_build_info{job=~"$job"}, instance)'),
    ]
    if with_probe:
        v.append(q("probe", "Probe",
                   'label_values(hermes_probe_success{job=~"$job", instance=~"$instance"}, probe)'))
    return v


def dashboard(uid, title, desc, panels, tags, refresh="1m", time_from="now-24h"):
    return {
        "uid": uid,
        "title": title,
        "description": desc,
        "tags": tags,
        "editable": True,
        "graphTooltip": 1,
        "schemaVersion": 38,
        "version": 1,
        "refresh": refresh,
        "time": {"from": time_from, "to": "now"},
        "timepicker": {},
        "timezone": "",
        "fiscalYearStartMonth": 0,
        "liveNow": False,
        "weekStart": "",
        "id": None,
        "annotations": {"list": [{
            "builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"},
            "enable": True, "hide": True, "iconColor": "rgba(0, 211, 255, 1)",
            "name": "Annotations & Alerts", "type": "dashboard"}]},
        "links": [{"title": "hermes dashboards", "type": "dashboards", "tags": ["hermes"],
                   "asDropdown": True, "includeVars": True, "keepTime": True,
                   "icon": "external link", "targetBlank": False, "tooltip": "",
                   "url": ""}],
        "templating": {"list": variables()},
        "panels": panels,
    }


CONFIDENCE = [{"type": "value", "options": {
    "0": {"text": "low", "color": "red", "index": 0},
    "1": {"text": "medium", "color": "orange", "index": 1},
    "2": {"text": "high", "color": "green", "index": 2}}}]

OK_FAIL = [{"type": "value", "options": {
    "0": {"text": "FAIL", "color": "red", "index": 0},
    "1": {"text": "OK", "color": "green", "index": 1}}}]


def overview():
    thr_cert = ((None, "red"), (3 * DAY, "orange"), (14 * DAY, "green"))
    items = [
        row("Status"),
        (stat("Last run", [target(f"hermes_probe_success{sel()}", "{{probe}} ({{instance}})",
                                  instant=True)], "none",
              "Result of the last completed run of each probe (hermes_probe_success).",
              thr=((None, "red"), (1, "green")), mappings=OK_FAIL), 8, 5),
        (bargauge("Success over the time range",
                  [target(f"avg_over_time(hermes_probe_success{sel()}[$__range])",
                          "{{probe}} ({{instance}})", instant=True)],
                  "percentunit",
                  "Share of the selected time range during which the last completed run "
                  "was successful.",
                  thr=((None, "red"), (0.9, "orange"), (0.99, "green")), min_=0, max_=1), 8, 5),
        (bargauge("Time since last success",
                  [target(f"time() - (hermes_probe_last_success_timestamp_seconds{sel()} > 0)",
                          "{{probe}} ({{instance}})", instant=True)],
                  "s",
                  "Seconds since each probe's last successful run (probes that never "
                  "succeeded are not shown). Compare with the probe interval: the "
                  "HermesProbeStale alert fires above 2 intervals.",
                  thr=((None, "green"), (1800, "orange"), (3600, "red")), min_=0), 8, 5),

        row("Throughput"),
        (timeseries("Download throughput",
                    [target('(hermes_throughput_bytes_per_second' + sel('direction="download"') + ' > 0) * 8',
                            "{{probe}} ({{instance}})"),
                     target('hermes_expected_throughput_bytes_per_second' + sel('direction="download"') + ' * 8',
                            "{{probe}} ({{instance}}) expected", ref="B")],
                    "bps",
                    "Download throughput of the last successful run (bytes after warm-up / "
                    "time after warm-up, x8). Dashed: the probe's `expect.download`.",
                    overrides=[dashed(".* expected$")], min_=0), 12, 9),
        (timeseries("Upload throughput",
                    [target('(hermes_throughput_bytes_per_second' + sel('direction="upload"') + ' > 0) * 8',
                            "{{probe}} ({{instance}})"),
                     target('hermes_expected_throughput_bytes_per_second' + sel('direction="upload"') + ' * 8',
                            "{{probe}} ({{instance}}) expected", ref="B")],
                    "bps",
                    "Upload throughput of the last successful run (x8). Dashed: the "
                    "probe's `expect.upload`.",
                    overrides=[dashed(".* expected$")], min_=0), 12, 9),
        (heatmap("Download throughput samples (100 ms)",
                 'sum by (le) (increase(hermes_throughput_sample_bytes_per_second_bucket' + sel('direction="download"') + '[$__rate_interval]))',
                 "Bps",
                 "Distribution of 100 ms throughput samples during downloads (bytes/s). "
                 "A wide spread means an unstable link."), 12, 8),
        (heatmap("Upload throughput samples (100 ms)",
                 'sum by (le) (increase(hermes_throughput_sample_bytes_per_second_bucket' + sel('direction="upload"') + '[$__rate_interval]))',
                 "Bps",
                 "Distribution of 100 ms throughput samples during uploads (bytes/s)."), 12, 8),

        row("Latency"),
        (timeseries("Idle and loaded latency (median)",
                    [target(f"hermes_latency_seconds{sel()} > 0", "{{probe}} {{load}} ({{instance}})"),
                     target(f"hermes_expected_latency_seconds{sel()}",
                            "{{probe}} ({{instance}}) expected", ref="B")],
                    "s",
                    "Median RTT of the last successful run: idle, and while downloading / "
                    "uploading (loaded). Dashed: the probe's `expect.latency`.",
                    overrides=[dashed(".* expected$")], min_=0), 12, 9),
        (timeseries("Loaded latency increase (bufferbloat)",
                    [target('(hermes_latency_seconds' + sel('load=~"download|upload"') + ' > 0)'
                            ' - ignoring (load) group_left () (hermes_latency_seconds' + sel('load="idle"') + ' > 0)',
                            "{{probe}} {{load}} ({{instance}})")],
                    "s",
                    "Median latency under load minus idle median. The HermesBufferbloat "
                    "alert fires above 100 ms (red line).",
                    thr=((None, "green"), (0.1, "red")), thr_style="line"), 12, 9),
        (timeseries("Jitter",
                    [target(f"hermes_jitter_seconds{sel()}", "{{probe}} {{load}} ({{instance}})")],
                    "s",
                    "Mean absolute difference of consecutive RTT samples of the last "
                    "successful run.", min_=0), 12, 8),
        (timeseries("RTT (p50 / p90 / p99, idle)",
                    [target("histogram_quantile(0.5, sum by (probe, le) (rate(hermes_rtt_seconds_bucket"
                            + sel('load="idle"') + "[$__rate_interval])))", "{{probe}} p50"),
                     target("histogram_quantile(0.9, sum by (probe, le) (rate(hermes_rtt_seconds_bucket"
                            + sel('load="idle"') + "[$__rate_interval])))", "{{probe}} p90", ref="B"),
                     target("histogram_quantile(0.99, sum by (probe, le) (rate(hermes_rtt_seconds_bucket"
                            + sel('load="idle"') + "[$__rate_interval])))", "{{probe}} p99", ref="C")],
                    "s",
                    "Quantiles of every idle RTT sample (connects for tcp, echo replies for "
                    "icmp) from the RTT histogram. Gaps: no run in that interval.",
                    min_=0), 12, 8),
        (heatmap("RTT heatmap (idle)",
                 "sum by (le) (increase(hermes_rtt_seconds_bucket" + sel('load="idle"')
                 + "[$__rate_interval]))",
                 "s", "Every idle RTT sample of the selected probes."), 12, 8),
        (heatmap("RTT heatmap (under load)",
                 "sum by (le) (increase(hermes_rtt_seconds_bucket" + sel('load=~"download|upload"')
                 + "[$__rate_interval]))",
                 "s", "Every RTT sample taken while a speed test saturated the link."), 12, 8),

        row("Responsiveness (RPM)"),
        (timeseries("Responsiveness under load (RPM)",
                    [target('hermes_responsiveness_rpm' + sel('component="total"') + ' > 0',
                            "{{probe}} {{direction}} ({{instance}})"),
                     target(f"hermes_expected_responsiveness_rpm{sel()}",
                            "{{probe}} ({{instance}}) expected", ref="B")],
                    "none",
                    "Round trips per minute while the link is loaded in each direction "
                    "(draft-ietf-ippm-responsiveness: the mean of the foreign and loaded "
                    "RPM of the last successful run). Higher is better: under 300 poor, "
                    "1000 fair, 6000 good. Dashed: the probe's `expect.rpm` "
                    "(HermesResponsivenessBelowExpected).",
                    overrides=[dashed(".* expected$")], min_=0), 12, 9),
        (timeseries("RPM by component",
                    [target('hermes_responsiveness_rpm' + sel('component=~"foreign|loaded"') + ' > 0',
                            "{{probe}} {{direction}} {{component}} ({{instance}})")],
                    "none",
                    "foreign: new connections (TCP handshake, TLS round trip, request); "
                    "loaded: requests on the load-generating connections (self probes). "
                    "Loaded below foreign: the loaded connections' own queues (TCP loss "
                    "recovery, sender buffers) add delay.", min_=0), 12, 9),
        (timeseries("Round trips behind the RPM",
                    [target(f"hermes_responsiveness_component_seconds{sel()} > 0",
                            "{{probe}} {{direction}} {{component}} ({{instance}})")],
                    "s",
                    "Trimmed means (largest 5 % dropped) of the final window: tcp, tls "
                    "(per handshake round trip) and http of the foreign probes, self of "
                    "the probes on the loaded connections.", min_=0), 12, 8),
        (stat("Confidence",
              [target(f"hermes_responsiveness_confidence{sel()}",
                      "{{probe}} {{direction}} ({{instance}})", instant=True)],
              "none",
              "The draft's confidence of the last result: high = goodput and "
              "responsiveness were stable; medium = 4 intervals measured but not stable; "
              "low = fewer (cut short by max_duration or max_bytes).",
              thr=((None, "red"), (1, "orange"), (2, "green")), mappings=CONFIDENCE), 12, 8),

        row("Loss and failures"),
        (timeseries("Packet loss",
                    [target(f"hermes_packet_loss_ratio{sel()}",
                            "{{probe}} {{load}} last run ({{instance}})"),
                     target(f"increase(hermes_packets_lost_total{sel()}[$__rate_interval])"
                            f" / (increase(hermes_packets_sent_total{sel()}[$__rate_interval]) > 0)",
                            "{{probe}} {{load}} ({{instance}})", ref="B")],
                    "percentunit",
                    "Lost / sent echo requests (icmp), STAMP packets (stamp, a speedtest's "
                    "loaded_stamp) or failed / attempted connects (tcp): per last run and from "
                    "the counters, idle and under a speed test's load. The HermesPacketLoss "
                    "alert fires above 5% idle loss.",
                    thr=((None, "green"), (0.05, "red")), thr_style="line", min_=0), 12, 8),
        (timeseries("Packet loss by direction (STAMP)",
                    [target(f"increase(hermes_packets_lost_one_way_total{sel()}[$__rate_interval])"
                            " / ignoring (direction) group_left ()"
                            f" (increase(hermes_packets_sent_total{sel()}[$__rate_interval]) > 0)",
                            "{{probe}} {{load}} {{direction}} ({{instance}})")],
                    "percentunit",
                    "Where STAMP packets were lost: upload = on the way to the reflector, "
                    "download = on the way back, idle and under each direction's load. Needs "
                    "a stateful reflector; losses without a direction only show in Packet loss.",
                    min_=0), 12, 8),
        (timeseries("One-way jitter (STAMP IPDV)",
                    [target(f"hermes_jitter_one_way_seconds{sel()}",
                            "{{probe}} {{load}} {{direction}} ({{instance}})")],
                    "s",
                    "Mean absolute delay variation between consecutive STAMP packets of the "
                    "last successful run, per direction (no clock synchronisation needed), "
                    "idle and under a speed test's load.", min_=0), 12, 8),
        (timeseries("Duplicated and reordered (STAMP)",
                    [target(f"increase(hermes_packets_duplicated_total{sel()}[$__rate_interval])",
                            "{{probe}} {{load}} duplicated"),
                     target(f"increase(hermes_packets_reordered_total{sel()}[$__rate_interval])",
                            "{{probe}} {{load}} reordered", ref="B")],
                    "short",
                    "STAMP replies received more than once, and packets whose reply came after "
                    "a later packet's.", stack=True, bars=True, min_=0, legend_calcs=("sum",)),
         12, 8),
        (timeseries("Failures by reason",
                    [target(f"sum by (probe, reason) (increase(hermes_probe_failures_total{sel()}[$__rate_interval]))",
                            "{{probe}} {{reason}}")],
                    "short",
                    "Failed runs per reason (dns, connect, tls, timeout, http_status, "
                    "rate_limited, network, protocol, unknown).",
                    stack=True, bars=True, min_=0, legend_calcs=("sum",)), 12, 8),
        (bargauge("Failed runs by reason (time range)",
                  [target(f"sum by (probe, reason) (increase(hermes_probe_failures_total{sel()}[$__range])) > 0",
                          "{{probe}} {{reason}}", instant=True)],
                  "short", "Failed runs in the selected time range (reasons with failures only).",
                  thr=((None, "orange"),), min_=0), 12, 6),
        (stat("HTTP status code",
              [target(f"hermes_http_status_code{sel()}", "{{probe}} ({{instance}})", instant=True)],
              "none", "Status code of the last response of http and speedtest probes.",
              thr=((None, "red"), (200, "green"), (300, "orange"), (400, "red")),
              color_mode="value"), 12, 6),

        row("Phases"),
        (dict(timeseries("Phases: $probe",
                         [target(f"hermes_probe_phase_duration_seconds{sel()}", "{{phase}} ({{instance}})")],
                         "s",
                         "Duration of each phase of the last successful run (resolve, connect, "
                         "tls, processing = request sent to first byte, transfer), stacked.",
                         stack=True, min_=0),
              repeat="probe", repeatDirection="h", maxPerRow=3), 8, 8),
        (timeseries("Probe duration (mean per run, 1h window)",
                    [target(f"increase(hermes_probe_duration_seconds_sum{sel()}[1h])"
                            f" / (increase(hermes_probe_duration_seconds_count{sel()}[1h]) > 0)",
                            "{{probe}} ({{instance}})")],
                    "s", "Mean wall-clock duration of a run over the last hour.", min_=0), 24, 8),

        row("Data and certificates"),
        (timeseries("Data moved per day",
                    [target(f"sum by (probe, direction) (increase(hermes_transferred_bytes_total{sel()}[1d]))",
                            "{{probe}} {{direction}}", interval="1d")],
                    "decbytes",
                    "Bytes the probes moved in each day (one bar per day).",
                    stack=True, bars=True, min_=0, legend_calcs=("mean", "max")), 12, 8),
        (stat("Data moved in time range",
              [target(f"sum by (direction) (increase(hermes_transferred_bytes_total{sel()}[$__range]))",
                      "{{direction}}", instant=True),
               target(f"hermes_data_budget_projected_bytes{isel()}", "worst case per 30 days ({{instance}})",
                      ref="B", instant=True)],
              "decbytes",
              "Bytes moved in the selected time range, and the configured worst case per "
              "30 days (hermes_data_budget_projected_bytes).",
              color_mode="value"), 6, 8),
        (bargauge("TLS certificate time left",
                  [target(f"(hermes_tls_cert_expiry_timestamp_seconds{sel()} > 0) - time()",
                          "{{probe}} ({{instance}})", instant=True)],
                  "s",
                  "Time until the certificate presented to each http/speedtest probe "
                  "expires. Alerts: warning below 14 days, critical below 3 days.",
                  thr=thr_cert), 6, 8),
    ]
    return dashboard(
        "hermes-overview", "hermes / Network quality",
        "Throughput, latency, bufferbloat, jitter, loss, failures, phases and data used, "
        "per probe, as measured by hermes.",
        layout(items), ["hermes", "network"])


def exporter():
    items = [
        row("Process"),
        (table("Build",
               [target(f"hermes_build_info{isel()}", "", instant=True, fmt="table")],
               "Version, revision and compiler of each exporter.",
               organize=[{"id": "organize", "options": {
                   "excludeByName": {"Time": True, "Value": True, "__name__": True},
                   "indexByName": {}, "renameByName": {}}}]), 12, 5),
        (stat("Uptime", [target(f"time() - process_start_time_seconds{isel()}", "{{instance}}",
                                instant=True)], "s", "Time since the exporter process started.",
              color_mode="value"), 4, 5),
        (stat("Config reload", [target(f"hermes_config_last_reload_successful{isel()}", "{{instance}}",
                                       instant=True)], "none",
              "Whether the last configuration reload succeeded (HermesConfigReloadFailed).",
              thr=((None, "red"), (1, "green")), mappings=OK_FAIL), 4, 5),
        (stat("Last successful reload",
              [target(f"hermes_config_last_reload_success_timestamp_seconds{isel()} * 1000",
                      "{{instance}}", instant=True)],
              "dateTimeAsIso", "When the configuration was last loaded successfully.",
              color_mode="none"), 4, 5),

        row("HTTP listener"),
        (timeseries("Requests by handler and code",
                    [target(f"sum by (instance, handler, code) (rate(hermes_http_requests_total{isel()}[$__rate_interval])) > 0",
                            "{{handler}} {{code}} ({{instance}})")],
                    "reqps", "Request rate per handler and status code (non-zero only).",
                    min_=0), 12, 8),
        (timeseries("Request latency by handler",
                    [target(f"histogram_quantile(0.5, sum by (handler, le) (rate(hermes_http_request_duration_seconds_bucket{isel()}[$__rate_interval])))",
                            "{{handler}} p50"),
                     target(f"histogram_quantile(0.99, sum by (handler, le) (rate(hermes_http_request_duration_seconds_bucket{isel()}[$__rate_interval])))",
                            "{{handler}} p99", ref="B")],
                    "s", "Scrape (handler=metrics) and other request latency. A scrape only "
                    "renders the latest results and must stay fast.", min_=0), 12, 8),
        (timeseries("Auth failures by reason",
                    [target(f"sum by (instance, reason) (rate(hermes_http_auth_failures_total{isel()}[$__rate_interval]))",
                            "{{reason}} ({{instance}})")],
                    "reqps", "Requests rejected for missing, malformed or invalid credentials. "
                    "HermesAuthFailuresSpike fires above 0.2/s.",
                    thr=((None, "green"), (0.2, "red")), thr_style="line", min_=0), 8, 8),
        (timeseries("Open connections",
                    [target(f"hermes_http_connections{isel()}", "{{instance}}")],
                    "short", "Open HTTP connections (cap: --web.max-connections).", min_=0), 8, 8),
        (timeseries("Rejected connections by reason",
                    [target(f"sum by (instance, reason) (rate(hermes_http_connections_rejected_total{isel()}[$__rate_interval]))",
                            "{{reason}} ({{instance}})")],
                    "cps", "Connections refused by the total/per-IP caps or failed TLS "
                    "handshakes.", min_=0), 8, 8),

        row("Resources"),
        (timeseries("Series vs limit",
                    [target(f"hermes_metrics_series{isel()}", "series ({{instance}})"),
                     target(f"hermes_metrics_series_limit{isel()}", "limit ({{instance}})", ref="B")],
                    "short", "Exported series and global.max_series. "
                    "HermesSeriesBudgetNearlyUsed fires above 90%.",
                    overrides=[dashed("^limit.*")], min_=0), 8, 8),
        (timeseries("Memory (RSS)",
                    [target(f"process_resident_memory_bytes{isel()}", "{{instance}}")],
                    "bytes", "Resident memory of the exporter.", min_=0), 8, 8),
        (timeseries("CPU",
                    [target(f"rate(process_cpu_seconds_total{isel()}[$__rate_interval])", "{{instance}}")],
                    "percentunit", "CPU used (1 = 100% of one core). Speed tests use CPU "
                    "while they run.", min_=0), 8, 8),
        (timeseries("File descriptors",
                    [target(f"process_open_fds{isel()}", "open ({{instance}})"),
                     target(f"process_max_fds{isel()}", "max ({{instance}})", ref="B")],
                    "short", "Open file descriptors (sockets included) and the limit.",
                    overrides=[dashed("^max.*")], min_=0), 8, 8),
        (timeseries("Data budget (worst case per 30 days)",
                    [target(f"hermes_data_budget_projected_bytes{isel()}", "{{instance}}")],
                    "decbytes", "Worst-case bytes per 30 days the configuration can move "
                    "(compare with global.monthly_data_budget).", min_=0), 8, 8),

        row("Scheduler"),
        (timeseries("Start lag (p50 / p90 / p99)",
                    [target(f"histogram_quantile({q}, sum by (instance, le) (rate(hermes_scheduler_start_lag_seconds_bucket{isel()}[$__rate_interval])))",
                            f"p{int(q * 100)} ({{{{instance}}}})", ref=r)
                     for q, r in ((0.5, "A"), (0.9, "B"), (0.99, "C"))],
                    "s", "Actual minus planned start of probe runs. HermesSchedulerLag fires "
                    "when p90 stays above 2 s.",
                    thr=((None, "green"), (2, "red")), thr_style="line", min_=0), 12, 8),
        (heatmap("Start lag heatmap",
                 f"sum by (le) (increase(hermes_scheduler_start_lag_seconds_bucket{isel()}[$__rate_interval]))",
                 "s", "Distribution of probe start lag."), 12, 8),
        (timeseries("Runs per probe",
                    [target(f"sum by (probe) (increase(hermes_probe_runs_total{sel()}[$__rate_interval]))",
                            "{{probe}}")],
                    "short", "Completed runs (successful or failed).", bars=True, min_=0,
                    legend_calcs=("sum",)), 12, 8),
        (timeseries("Skipped runs by reason",
                    [target(f"sum by (probe, reason) (increase(hermes_probe_skipped_total{sel()}[$__rate_interval]))",
                            "{{probe}} {{reason}}")],
                    "short", "Runs not started: overrun (previous run still going), "
                    "bandwidth_busy (another speed test running), retry_after (target asked "
                    "to back off), budget (data budget used up).",
                    stack=True, bars=True, min_=0, legend_calcs=("sum",)), 12, 8),
    ]
    return dashboard(
        "hermes-exporter", "hermes / Exporter health",
        "Health of the hermes exporters themselves: scrapes, auth, connections, "
        "config reloads, series budget, resources and scheduler.",
        layout(items), ["hermes", "exporter"])


def render(d):
    return json.dumps(d, indent=2, sort_keys=False) + "\n"


OUTPUTS = {"hermes-overview.json": overview, "hermes-exporter.json": exporter}


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    check = "--check" in argv
    stale = []
    for name, fn in OUTPUTS.items():
        path = os.path.join(here, name)
        text = render(fn())
        if check:
            with open(path, encoding="utf-8") as f:
                if f.read() != text:
                    stale.append(name)
        else:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
    if stale:
        print("out of date (run dashboards/generate.py): " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
