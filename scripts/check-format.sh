#!/usr/bin/env bash
# Fails when a C++ file of the repository is not formatted as .clang-format says,
# and lists those files. The formatter is pinned to clang-format-14 (Debian 12):
# other versions lay out some constructs differently, which would be noise here.
#
# Usage: scripts/check-format.sh          check every *.cc and *.h file git tracks
#                                         or would track (new, not ignored)
#        scripts/check-format.sh --fix    format them in place instead
# Exits 0 when all are formatted, 1 listing the unformatted files, 2 when
# clang-format-14 is missing (scripts/deps.sh test installs it).
set -euo pipefail
cd "$(dirname "$0")/.."

clang_format=clang-format-14
if ! command -v "$clang_format" >/dev/null; then
  echo "check-format: $clang_format not found; run scripts/deps.sh test" >&2
  exit 2
fi

if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files --cached --others --exclude-standard -- '*.cc' '*.h' |
    while read -r f; do [ -f "$f" ] && echo "$f"; done)
else  # an exported source tree
  mapfile -t files < <(find src tests bench -name '*.cc' -o -name '*.h' 2>/dev/null | sort)
fi
if ((${#files[@]} == 0)); then
  echo "check-format: no C++ files found" >&2
  exit 2
fi

if [ "${1:-}" = --fix ]; then
  "$clang_format" -i "${files[@]}"
  exit 0
fi

# One run over all files; each violation is reported as "file:line:col: error: ...".
rc=0
out=$("$clang_format" --dry-run -Werror --ferror-limit=1 "${files[@]}" 2>&1) || rc=$?
mapfile -t bad < <(sed -n 's/^\(.*\):[0-9]*:[0-9]*: error: code should be clang-formatted.*/\1/p' \
  <<<"$out" | sort -u)
if ((${#bad[@]})); then
  echo "check-format: ${#bad[@]} file(s) not formatted with $clang_format" \
    "(fix: scripts/check-format.sh --fix):" >&2
  printf '  %s\n' "${bad[@]}" >&2
  exit 1
fi
if ((rc != 0)); then
  printf 'check-format: %s failed:\n%s\n' "$clang_format" "$out" >&2
  exit 2
fi
echo "check-format: ${#files[@]} files formatted"
