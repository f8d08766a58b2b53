#!/usr/bin/env bash
# Configures and builds hermes into ${BUILD_DIR:-build/release}.
# Extra arguments are passed to cmake (e.g. -DHERMES_TESTS=OFF).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build/release}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo} "$@" >/dev/null
ninja -C "$build_dir" -j"$(nproc)"
