#!/bin/sh
# Writes the test PKI (see TestPki in testing.h) into $1 with the openssl CLI; run once
# per build by CMake, so test processes never fork openssl. Valid for ten years
# (expired.crt excepted), so a build directory does not age into failures.
set -eu
d=$1
mkdir -p "$d"
q() { "$@" >/dev/null 2>&1 || { echo "make_test_pki: failed: $*" >&2; exit 1; }; }
ca() {
  q openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 \
    -keyout "$d/$1.key" -out "$d/$1.crt" -subj "/CN=$1" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
}
# issue NAME CA SAN EKU DAYS
issue() {
  printf 'subjectAltName=%s\nextendedKeyUsage=%s\nbasicConstraints=CA:FALSE\n' "$3" "$4" >"$d/$1.ext"
  q openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$d/$1.key" \
    -out "$d/$1.csr" -subj "/CN=$1"
  q openssl x509 -req -in "$d/$1.csr" -CA "$d/$2.crt" -CAkey "$d/$2.key" -CAcreateserial \
    -days "$5" -extfile "$d/$1.ext" -out "$d/$1.crt"
}
ca ca
ca other-ca
issue server ca DNS:localhost,IP:127.0.0.1 serverAuth 3650
issue server2 ca DNS:localhost,IP:127.0.0.1 serverAuth 3650
issue wronghost ca DNS:wrong.example serverAuth 3650
issue client ca DNS:scraper.example clientAuth 3650
issue rogue-client other-ca DNS:scraper.example clientAuth 3650
# Already expired: notAfter is one day before notBefore (now).
issue expired ca DNS:localhost,IP:127.0.0.1 serverAuth -1
touch "$d/stamp"
