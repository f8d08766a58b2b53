#!/usr/bin/env bash
# Runs the whole hermes test suite on a Debian 12 machine: installs everything any test
# uses (scripts/deps.sh test, as root; no test installs anything), builds with warnings
# as errors, then runs unit, integration and end-to-end tests (real Prometheus,
# Alertmanager, promtool, amtool, helm, node_exporter, nginx, iperf3, ...) via CTest.
# Usage: scripts/test.sh [extra ctest args, e.g. -R config -L e2e]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh test
export BUILD_DIR=${BUILD_DIR:-build/test}
scripts/build.sh -DHERMES_WERROR=ON
ctest --test-dir "$BUILD_DIR" --output-on-failure --timeout 600 -j"$(nproc)" "$@"
