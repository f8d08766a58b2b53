#!/usr/bin/env bash
# Builds the container image with buildah - no Docker engine needed - and checks it.
#
#   scripts/image.sh [TAG]        # default localhost/hermes-exporter:<version>
#
# 1. The build stage's base: a Debian 12 made here with debootstrap --variant=minbase
#    (scripts/debootstrap-base.sh, cached) and imported as localhost/hermes-base:bookworm.
# 2. buildah bud of the Dockerfile (vfs storage, chroot isolation, so it runs inside
#    containers and without a daemon) with that base, the git revision and commit date.
# 3. buildah run in the image: --version must show that revision, --config.check must
#    accept the default config, there must be no shell, and its exporter must serve
#    /metrics (hermes_build_info with that revision).
# 4. The image is also written to build/images/ as a docker-archive (docker/podman load).
# Prints the build time and the image size. Storage is private to this tree
# (build/containers/), so nothing here touches other buildah users on the machine.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
command -v buildah >/dev/null || { echo "image: apt-get install buildah" >&2; exit 1; }
version=$(sed -n 's/^project(hermes VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
tag=${1:-localhost/hermes-exporter:$version}
revision=$(git rev-parse --short=12 HEAD)
date=$(TZ=UTC git show -s --format=%cd --date=format-local:%Y-%m-%dT%H:%M:%SZ HEAD)
storage=(--root "$root/build/containers/storage" --runroot "$root/build/containers/run"
  --storage-driver vfs)
bah() { buildah "${storage[@]}" "$@"; }
export BUILDAH_ISOLATION=chroot

base=localhost/hermes-base:bookworm
if ! bah inspect --type image "$base" >/dev/null 2>&1; then
  tarball=$(scripts/debootstrap-base.sh)
  ctr=$(bah from scratch)
  bah add "$ctr" "$tarball" /
  bah config --cmd /bin/bash "$ctr"
  bah commit --rm "$ctr" "$base" >/dev/null
fi

start=$(date +%s)
bah bud --pull=false --build-arg BASE="$base" --build-arg VERSION="$version" \
  --build-arg REVISION="$revision" --build-arg BUILD_DATE="$date" -t "$tag" -f Dockerfile . >&2
seconds=$(($(date +%s) - start))

ctr=$(bah from "$tag")
trap 'bah rm "$ctr" >/dev/null' EXIT
out=$(bah run "$ctr" -- /usr/bin/hermes-exporter --version)
echo "$out"
grep -q "revision: $revision)" <<<"$out" || { echo "image: --version lacks revision $revision" >&2; exit 1; }
bah run "$ctr" -- /usr/bin/hermes-target --version
bah run "$ctr" -- /usr/bin/hermes-exporter --config.check --config.file=/etc/hermes/config/hermes.yml
if bah run "$ctr" -- /bin/sh -c true 2>/dev/null; then echo "image: has a shell" >&2; exit 1; fi
# Served from the image: a scrape of its exporter on a port the kernel picks.
log=$(mktemp)
# exec: $! must be buildah's pid, not a subshell's, for the kill below to stop it.
(exec buildah "${storage[@]}" run "$ctr" -- /usr/bin/hermes-exporter \
  --config.file=/etc/hermes/config/hermes.yml --web.listen-address=127.0.0.1:0 2>"$log") &
run_pid=$!
port=
for _ in $(seq 100); do
  port=$(sed -n 's/.*msg="listening".* port=\([0-9]*\).*/\1/p' "$log")
  [ -n "$port" ] && break
  sleep 0.1
done
scrape=$(curl -sf "http://127.0.0.1:${port:-0}/metrics" || true)
kill "$run_pid" && wait "$run_pid" || true
rm -f "$log"
grep -q "^hermes_build_info{.*revision=\"$revision\"" <<<"$scrape" ||
  { echo "image: the image's exporter did not serve its metrics" >&2; exit 1; }

mkdir -p build/images
archive=build/images/hermes-exporter_${version}.docker.tar
rm -f "$archive"
bah push "$tag" "docker-archive:$archive:hermes-exporter:$version" >/dev/null 2>&1
echo "image: $tag built in ${seconds}s; $(bah images --format '{{.Size}}' "$tag") ($(du -h "$archive" | cut -f1) as $archive)"
