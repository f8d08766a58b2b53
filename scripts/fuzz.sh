#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang-14 (ASan + UBSan, every
# hermes library instrumented for coverage) into ${BUILD_DIR:-build/fuzz} and runs
# each for N seconds on a copy of its seed corpus plus its regression inputs.
#
# Usage: scripts/fuzz.sh [seconds-per-target, default 60]
#   FUZZ_TARGETS="config_fuzzer ..."  run only these targets
#   FUZZ_JOBS=2                       ninja parallelism
#   FUZZ_SEED=1 FUZZ_RUNS=20000       a fixed seed and run count make a run repeatable
#                                     (CI); the seconds still bound each target
# Prints "fuzz: <target> <execs> executions, <n> crashes" per target and the path
# of every crash/leak/timeout/oom input; exits 1 if any target found one.
# A finding becomes a regression test by copying the file into
# tests/fuzz/regressions/<target>/ (replayed by ctest as fuzz_replay_<target>).
set -euo pipefail
cd "$(dirname "$0")/.."

secs=${1:-60}
build=${BUILD_DIR:-build/fuzz}
jobs=${FUZZ_JOBS:-2}
read -r -a targets <<<"${FUZZ_TARGETS:-config_fuzzer web_config_fuzzer exposition_fuzzer http_request_fuzzer stamp_fuzzer nq_config_fuzzer}"

if ! command -v clang++-14 >/dev/null ||
   ! compgen -G "/usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a" >/dev/null; then
  echo "fuzz: installing clang-14 and libclang-rt-14-dev" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y clang-14 libclang-rt-14-dev >/dev/null ||
    { apt-get update >/dev/null && apt-get install -y clang-14 libclang-rt-14-dev >/dev/null; }
fi

CC=clang-14 CXX=clang++-14 cmake -S . -B "$build" -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHERMES_FUZZ=ON -DHERMES_SANITIZE=address,undefined \
  -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link -fno-sanitize-recover=all" >/dev/null
ninja -C "$build" -j"$jobs" "${targets[@]}"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=0
for t in "${targets[@]}"; do
  work=$build/fuzz-run/$t
  rm -rf "$work"
  mkdir -p "$work/corpus" "$work/artifacts"
  cp -r "tests/fuzz/corpus/$t/." "$work/corpus/"
  log=$work/fuzz.log
  set +e
  # -max_len: regression inputs may be 1 MiB (hang reproducers); the replay tests
  # run them whole, the fuzzer mutates their first 16 KiB.
  repeat=()
  [ -z "${FUZZ_SEED:-}" ] || repeat+=(-seed="$FUZZ_SEED")
  [ -z "${FUZZ_RUNS:-}" ] || repeat+=(-runs="$FUZZ_RUNS")
  inputs=("$work/corpus")  # plus the target's regression inputs, once it has any
  [ ! -d "tests/fuzz/regressions/$t" ] || inputs+=("tests/fuzz/regressions/$t")
  "$build/tests/fuzz/$t" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 "${repeat[@]}" \
    -max_len="${FUZZ_MAX_LEN:-16384}" -print_final_stats=1 -artifact_prefix="$work/artifacts/" \
    "${inputs[@]}" >"$log" 2>&1
  rc=$?
  set -e
  # "Done N runs in S second(s)" on a clean exit; otherwise the last "#N" status line.
  execs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -n1)
  [ -n "$execs" ] || execs=$(sed -n 's/^#\([0-9]*\).*/\1/p' "$log" | tail -n1)
  [ -n "$execs" ] || execs=0
  crashes=$(find "$work/artifacts" -type f | wc -l)
  if [ "$rc" -ne 0 ] && [ "$crashes" -eq 0 ]; then crashes=1; fi  # died without an artifact
  echo "fuzz: $t $execs executions, $crashes crashes"
  echo "  rate: $(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n1) exec/s," \
       "corpus $(find "$work/corpus" -type f | wc -l) files, log $log"
  if [ "$crashes" -ne 0 ]; then
    failed=1
    find "$work/artifacts" -type f -printf '  crash file: %p\n'
    grep -m3 -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|.*FUZZ_CHECK)' "$log" | sed 's/^/  /' || true
  fi
done
exit "$failed"
