#!/usr/bin/env bash
# Regenerates the values table of helm/hermes-exporter/README.md from the `# --`
# comments of values.yaml (helm-docs style); --check only compares.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/helm-tools.sh" >/dev/null  # node and the yaml package (tests/helm/node_modules)
exec node "$root/tests/helm/chart-readme.mjs" "$@"
