#!/usr/bin/env bash
# Installs the Debian 12 packages hermes needs to build, test and demo, when missing.
# Usage: scripts/deps.sh [build|test|demo|all]   (sourced or executed; needs root for apt-get)
set -euo pipefail

build_pkgs=(cmake ninja-build g++ pkg-config git openssl ca-certificates curl
  libboost1.81-dev libssl-dev libcurl4-openssl-dev libc-ares-dev libyaml-cpp-dev
  libspdlog-dev libfmt-dev prometheus-cpp-dev libcrypt-dev zlib1g-dev libnghttp2-dev)
test_pkgs=(googletest libgtest-dev libgmock-dev libcpp-httplib-dev python3 iproute2 nghttp2-client
  prometheus prometheus-alertmanager clang-format-14)
all_pkgs=(clang-14 libclang-rt-14-dev nginx-light iperf3 wrk slowhttptest testssl.sh
  prometheus-node-exporter prometheus-blackbox-exporter nodejs npm unzip)

want=("${build_pkgs[@]}")
case "${1:-build}" in
  build|demo) ;;
  test) want+=("${test_pkgs[@]}") ;;
  all) want+=("${test_pkgs[@]}" "${all_pkgs[@]}") ;;
  *) echo "usage: $0 [build|test|demo|all]" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "deps: installing ${missing[*]}" >&2
  if [ "$(id -u)" != 0 ]; then
    echo "deps: need root to apt-get install: ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
