#!/usr/bin/env bash
# Prints the path of a tarball of a minimal Debian 12 root (debootstrap --variant=minbase
# bookworm), made once and kept in build/cache/ (HERMES_CACHE_DIR overrides): the base
# of the container image (scripts/image.sh) and the root that tests/ci/deb_install_test.py
# installs the packages into. The mirror is the one this machine's apt uses for bookworm
# (HERMES_DEBIAN_MIRROR overrides). Needs root and debootstrap; progress on stderr.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${HERMES_CACHE_DIR:-$root/build/cache}
tarball=$cache/bookworm-minbase.tar
if [ ! -s "$tarball" ]; then
  command -v debootstrap >/dev/null || { echo "debootstrap-base: apt-get install debootstrap" >&2; exit 1; }
  mirror=${HERMES_DEBIAN_MIRROR:-$(apt-get indextargets --format '$(REPO_URI) $(RELEASE)' \
    'Identifier: Packages' | awk '$2 == "bookworm" { print $1; exit }')}
  [ -n "$mirror" ] || { echo "debootstrap-base: no bookworm mirror in apt's sources; set HERMES_DEBIAN_MIRROR" >&2; exit 1; }
  mkdir -p "$cache"
  dir=$(mktemp -d "$cache/minbase.XXXXXX")
  trap 'rm -rf "$dir" "$tarball.tmp"' EXIT
  echo "debootstrap-base: debootstrap --variant=minbase bookworm from $mirror" >&2
  debootstrap --variant=minbase bookworm "$dir" "$mirror" >&2
  rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/*
  chmod 0755 "$dir"  # mktemp made it 0700; it becomes /
  tar --numeric-owner -C "$dir" -cf "$tarball.tmp" .
  mv "$tarball.tmp" "$tarball"
fi
echo "$tarball"
