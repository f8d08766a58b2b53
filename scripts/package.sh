#!/usr/bin/env bash
# Builds the Debian packages hermes-exporter and hermes-target from a build directory,
# laid out like Debian's prometheus-node-exporter: arguments in /etc/default/<package>,
# configuration in /etc/hermes, a hardened systemd unit, reload by SIGHUP
# (packaging/deb/ holds the files; README, "Debian package").
#
#   scripts/package.sh [OUT_DIR]                 # default OUT_DIR build/packages
#   BUILD_DIR=build/test scripts/package.sh DIR  # package those binaries, build nothing
#
# Without BUILD_DIR it builds a Release tree in build/release first. Binaries are
# stripped, man pages generated from --help, Depends computed by dpkg-shlibdeps, and file
# dates set to the changelog's date, so the same tree gives the same packages.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/build/packages}
if [ -z "${BUILD_DIR:-}" ]; then
  BUILD_DIR=build/release BUILD_TYPE=Release "$root/scripts/build.sh" -DHERMES_TESTS=OFF
  BUILD_DIR=build/release
fi
build=$(cd "$root" && cd "$BUILD_DIR" && pwd)
pkg=$root/packaging/deb

version=$(sed -n '1s/^hermes (\([^)]*\)).*/\1/p' "$pkg/changelog")
maintainer=$(sed -n 's/^ -- \(.*>\)  .*/\1/p' "$pkg/changelog" | head -n1)
date=$(sed -n 's/^ -- .*>  //p' "$pkg/changelog" | head -n1)
binary_version=$("$build/hermes-exporter" --version | sed -n '1s/.*, version \([^ ]*\) .*/\1/p')
if [ "${version%-*}" != "$binary_version" ]; then
  echo "package: packaging/deb/changelog is at $version, the binaries at $binary_version" >&2
  exit 1
fi
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(date -d "$date" +%s)}
arch=$(dpkg --print-architecture)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

# A man page from `--help` (flags and their help lines) plus the package's own text.
manpage() {  # name summary description files
  local name=$1
  printf '.TH %s 1 "%s" "hermes %s" "User Commands"\n' "${name^^}" \
    "$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%d)" "$binary_version"
  printf '.SH NAME\n%s \\- %s\n' "$name" "$2"
  printf '.SH SYNOPSIS\n.B %s\n[\\fIflags\\fR]\n' "$name"
  printf '.SH DESCRIPTION\n%s\n.SH OPTIONS\n' "$3"
  "$build/$name" --help | awk '
    /^  -/ { f = $0; sub(/^ +/, "", f); gsub(/-/, "\\-", f); sub(/=VALUE$/, "=\\fIVALUE\\fR", f)
             print ".TP"; print ".B " f; next }
    /^      / { t = $0; sub(/^ +/, "", t); gsub(/\\/, "\\e", t); gsub(/-/, "\\-", t)
                if (t ~ /^[.'"'"']/) t = "\\&" t; print t }'
  printf '.SH FILES\n%s\n' "$4"
  printf '.SH SEE ALSO\nThe README of hermes: https://github.com/hermes-exporter/hermes\n'
}

for name in hermes-exporter hermes-target; do
  stage=$work/$name
  doc=$stage/usr/share/doc/$name
  install -d "$stage/DEBIAN" "$stage/usr/bin" "$stage/lib/systemd/system" "$stage/etc/default" \
    "$stage/etc/hermes" "$doc" "$stage/usr/share/man/man1"
  install -m 0755 "$build/$name" "$stage/usr/bin/$name"
  strip --strip-unneeded --remove-section=.comment --remove-section=.note "$stage/usr/bin/$name"
  install -m 0644 "$pkg/$name/$name.service" "$stage/lib/systemd/system/$name.service"
  install -m 0644 "$pkg/$name/$name.default" "$stage/etc/default/$name"
  install -m 0644 "$pkg/copyright" "$doc/copyright"
  install -D -m 0644 "$pkg/lintian-overrides" "$stage/usr/share/lintian/overrides/$name"
  install -D -m 0644 "$pkg/sysusers.conf" "$stage/usr/lib/sysusers.d/$name.conf"
  gzip -9n <"$pkg/changelog" >"$doc/changelog.Debian.gz"
  if [ "$name" = hermes-exporter ]; then
    install -m 0644 "$root/config/hermes.default.yml" "$stage/etc/hermes/hermes.yml"
    install -d "$doc/examples"
    install -m 0644 "$pkg/$name/net-raw.conf" "$pkg/$name/web.yml" "$root/config/hermes.example.yml" \
      "$doc/examples/"
    manpage "$name" "Prometheus exporter of network quality" \
      "Runs probes (speedtest, http, tcp, dns, icmp) on a schedule aligned to Prometheus' scrapes and serves the results as Prometheus metrics. SIGHUP reloads the configuration; SIGTERM stops within 2 seconds." \
      "/etc/hermes/hermes.yml (probes), /etc/default/hermes-exporter (arguments), /usr/share/doc/hermes-exporter/examples/" |
      gzip -9n >"$stage/usr/share/man/man1/$name.1.gz"
  else
    manpage "$name" "speed-test server for hermes probes" \
      "Serves GET /__down?bytes=N and POST /__up for hermes-exporter's speedtest probes, with Server-Timing, and with TLS the RPM (responsiveness) resources over HTTP/2, behind a listener with bearer tokens and connection limits. SIGTERM stops it." \
      "/etc/default/hermes-target (arguments)" |
      gzip -9n >"$stage/usr/share/man/man1/$name.1.gz"
  fi
  for script in postinst prerm postrm; do
    sed "s/@NAME@/$name/g" "$pkg/$script.in" >"$stage/DEBIAN/$script"
    chmod 0755 "$stage/DEBIAN/$script"
  done
  install -m 0644 "$pkg/$name/conffiles" "$stage/DEBIAN/conffiles"

  # Depends: the shared libraries the binary links, as dpkg-shlibdeps names them.
  mkdir -p "$work/shlibs/debian"
  printf 'Source: hermes\n\nPackage: %s\nArchitecture: any\n' "$name" >"$work/shlibs/debian/control"
  shlibs=$(cd "$work/shlibs" && dpkg-shlibdeps -O -e"$stage/usr/bin/$name" 2>/dev/null |
    sed -n 's/^shlibs:Depends=//p')
  size=$(du -k -s --exclude=DEBIAN "$stage" | cut -f1)
  awk -v v="$version" -v a="$arch" -v m="$maintainer" -v s="$size" -v d="adduser, $shlibs" '
    { print } /^Package:/ { print "Source: hermes"; print "Version: " v; print "Architecture: " a
                            print "Maintainer: " m; print "Installed-Size: " s; print "Depends: " d }' \
    "$pkg/$name/control" >"$stage/DEBIAN/control"
  (cd "$stage" && find . -path ./DEBIAN -prune -o -type f -printf '%P\n' | LC_ALL=C sort |
    xargs md5sum) >"$stage/DEBIAN/md5sums"
  find "$stage" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
  dpkg-deb --root-owner-group -Zxz --build "$stage" "$out/${name}_${version}_${arch}.deb" >/dev/null
  echo "$out/${name}_${version}_${arch}.deb"
done
