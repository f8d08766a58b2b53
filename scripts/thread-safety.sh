#!/usr/bin/env bash
# Builds hermes (libraries and both executables, no tests) with clang-14 and
# -Wthread-safety -Werror into ${BUILD_DIR:-build/thread-safety}: clang then proves
# that every HERMES_GUARDED_BY field is only used with its Mutex held and every
# HERMES_REQUIRES function only called with it (common/thread_annotations.h).
# First it checks that nothing under src/ bypasses the annotated Mutex with a
# std lock, and that the analysis is really on: clang must reject
# tests/lint/thread_safety_violation.cc.
#
# Usage: scripts/thread-safety.sh   (THREAD_SAFETY_JOBS=2: ninja parallelism)
# Exits non-zero on any finding or build failure.
set -euo pipefail
cd "$(dirname "$0")/.."

build=${BUILD_DIR:-build/thread-safety}
jobs=${THREAD_SAFETY_JOBS:-2}
flags=(-Wthread-safety -Werror)

if ! command -v clang++-14 >/dev/null; then
  echo "thread-safety: installing clang-14" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq clang-14 >/dev/null ||
    { apt-get update -qq && apt-get install -y -qq clang-14 >/dev/null; }
fi

# Unannotated locks would slip past the analysis: only common/mutex.h may use them.
mapfile -t raw < <(grep -rnE 'std::(mutex|recursive_mutex|shared_mutex|lock_guard|unique_lock|scoped_lock)\b' \
  src --include='*.h' --include='*.cc' | grep -vE '^[^:]+:[0-9]+:[[:space:]]*//' |
  cut -d: -f1 | sort -u | grep -v '^src/common/mutex.h$' || true)
if ((${#raw[@]})); then
  echo "thread-safety: use hermes::Mutex/MutexLock (common/mutex.h), not std locks, in:" >&2
  printf '  %s\n' "${raw[@]}" >&2
  exit 1
fi

probe=tests/lint/thread_safety_violation.cc
if out=$(clang++-14 -std=c++20 -fsyntax-only "${flags[@]}" -Isrc "$probe" 2>&1); then
  echo "thread-safety: clang accepted $probe; the analysis is not in force" >&2
  exit 1
fi
found=$(grep -c 'requires holding mutex' <<<"$out" || true)
if [ "$found" != 3 ]; then
  printf 'thread-safety: expected 3 findings in %s, got %s:\n%s\n' "$probe" "$found" "$out" >&2
  exit 1
fi
echo "thread-safety: the analysis rejects $probe (3 findings), building hermes"

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
CXX=clang++-14 cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DHERMES_TESTS=OFF \
  -DHERMES_WERROR=ON -DCMAKE_CXX_FLAGS="${flags[*]}" "${launcher[@]}" >/dev/null
ninja -C "$build" -j"$jobs"
echo "thread-safety: clean"
