#!/usr/bin/env bash
# Copies the Prometheus rules (alerts/) and Grafana dashboards (dashboards/) into the
# chart (helm/hermes-exporter/files/), the only place helm can read them from.
# alerts/ and dashboards/ stay the single source of truth: run this after changing them;
# tests/e2e/helm_test.py fails while the copies differ.
#
#   helm/sync-assets.sh           # copy
#   helm/sync-assets.sh --check   # exit 1 (and list the files) when a copy is stale
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
files=$root/helm/hermes-exporter/files
pairs=(
  "alerts/hermes-alerts.yml:hermes-alerts.yml"
  "alerts/hermes-recording.yml:hermes-recording.yml"
)
for f in "$root"/dashboards/*.json; do pairs+=("dashboards/${f##*/}:dashboards/${f##*/}"); done

stale=0
for p in "${pairs[@]}"; do
  src=$root/${p%%:*} dst=$files/${p#*:}
  if [ "${1:-}" = --check ]; then
    cmp -s "$src" "$dst" || { echo "stale: helm/hermes-exporter/files/${p#*:} (from ${p%%:*})"; stale=1; }
  else
    mkdir -p "$(dirname "$dst")"
    cp "$src" "$dst"
  fi
done
# Dashboards removed from dashboards/ are removed from the chart too.
for f in "$files"/dashboards/*.json; do
  [ -e "$f" ] || continue
  if [ ! -e "$root/dashboards/${f##*/}" ]; then
    if [ "${1:-}" = --check ]; then echo "extra: $f"; stale=1; else rm -f "$f"; fi
  fi
done
exit $stale
