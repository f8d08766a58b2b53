#!/usr/bin/env bash
# Sanitizer runs of the hermes test suite.
#   asan: build/asan with -DHERMES_SANITIZE=address,undefined (gcc), all unit and
#         integration tests (ctest -LE e2e; includes the fuzz corpus replays).
#   tsan: build/tsan with -DHERMES_SANITIZE=thread, the scheduler, server, metrics
#         and target test binaries (ctest -L 'scheduler|server|metrics|target').
# UBSan is built with -fno-sanitize-recover=all, so any finding fails its test.
#
# Usage: scripts/sanitize.sh [asan|tsan|all]   (default all)
#   SANITIZE_JOBS=2      ninja/ctest parallelism
#   SANITIZE_TARGETS=".." build only these targets (default: asan all, tsan the 4 tests)
#   extra ctest args:    CTEST_ARGS="-R Scheduler"
# Exits non-zero if any build or test fails.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-all}
jobs=${SANITIZE_JOBS:-2}
case "$mode" in asan|tsan|all) ;; *) echo "usage: $0 [asan|tsan|all]" >&2; exit 2 ;; esac
read -r -a ctest_args <<<"${CTEST_ARGS:-}"

configure() {  # dir sanitizers
  cmake -S . -B "$1" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DHERMES_SANITIZE="$2" \
    -DCMAKE_CXX_FLAGS="-O1 -fno-sanitize-recover=all" >/dev/null
}

failed=0
run_asan() {
  local dir=build/asan
  echo "sanitize: asan+ubsan build in $dir"
  configure "$dir" address,undefined
  read -r -a tgts <<<"${SANITIZE_TARGETS:-all}"
  ninja -C "$dir" -j"$jobs" "${tgts[@]}"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir "$dir" -LE e2e --output-on-failure --timeout 900 -j"$jobs" "${ctest_args[@]}" ||
    { echo "sanitize: asan FAILED" >&2; failed=1; }
}

run_tsan() {
  local dir=build/tsan
  echo "sanitize: tsan build in $dir"
  configure "$dir" thread
  read -r -a tgts <<<"${SANITIZE_TARGETS:-scheduler_test server_test metrics_test target_test}"
  ninja -C "$dir" -j"$jobs" "${tgts[@]}"
  # Newer kernels randomise mmap more than gcc-12's TSan tolerates
  # ("unexpected memory mapping"); run without ASLR when setarch allows it.
  local norand=()
  if setarch "$(uname -m)" -R true 2>/dev/null; then norand=(setarch "$(uname -m)" -R); fi
  TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
    "${norand[@]}" ctest --test-dir "$dir" -L 'scheduler|server|metrics|target' --output-on-failure \
    --timeout 900 -j"$jobs" "${ctest_args[@]}" ||
    { echo "sanitize: tsan FAILED" >&2; failed=1; }
}

start=$SECONDS
if [ "$mode" = asan ] || [ "$mode" = all ]; then run_asan; fi
if [ "$mode" = tsan ] || [ "$mode" = all ]; then run_tsan; fi
echo "sanitize: $mode done in $((SECONDS - start))s, $([ $failed = 0 ] && echo PASS || echo FAIL)"
exit "$failed"
