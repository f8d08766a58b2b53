#!/usr/bin/env bash
# Long soak of hermes-exporter (tests/e2e/soak_test.py with a longer schedule):
# 17 probes at 1-4 s intervals against a local hermes-target and fixtures, scraped
# four times a second; prints the RSS and open-fd series and fails on a growth trend,
# a changing series count or any failed scrape. Loopback only.
#
# Usage: scripts/soak.sh [--seconds N] [--sample-seconds N] [--build-dir DIR]
#   defaults: 1800 s, a sample every 10 s, build/release (built if missing).
# The default CTest run (label e2e) uses the same test for 75 s.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${SOAK_SECONDS:-1800}
sample=${SOAK_SAMPLE_SECONDS:-10}
build_dir=${HERMES_BUILD_DIR:-${BUILD_DIR:-build/release}}
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --sample-seconds) sample=$2; shift 2 ;;
    --build-dir) build_dir=$2; shift 2 ;;
    -h|--help) sed -n 2,10p "$0"; exit 0 ;;
    *) echo "soak.sh: unknown argument $1" >&2; exit 1 ;;
  esac
done
if [[ ! -x "$build_dir/hermes-exporter" || ! -x "$build_dir/hermes-target" ]]; then
  BUILD_DIR="$build_dir" scripts/build.sh
fi
echo "soak: ${seconds}s, sample every ${sample}s, binaries from $build_dir"
exec env SOAK_SECONDS="$seconds" SOAK_SAMPLE_SECONDS="$sample" \
  HERMES_BUILD_DIR="$(cd "$build_dir" && pwd)" HERMES_SOURCE_DIR="$(pwd)" \
  timeout --kill-after=30 $((seconds + 300)) python3 tests/e2e/soak_test.py
