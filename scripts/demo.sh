#!/usr/bin/env bash
# Runs hermes with a working demo config on this machine: installs and builds what
# is missing, starts hermes-target on 127.0.0.1:10517 and hermes-exporter on
# https://127.0.0.1:10516 (TLS + bearer token), and prints how to scrape it.
# Runs in the foreground; Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
scripts/deps.sh build
BUILD_DIR=build/release scripts/build.sh -DHERMES_TESTS=OFF
bin=$repo/build/release
demo=${HERMES_DEMO_DIR:-/tmp/hermes-demo}
mkdir -p "$demo"
cd "$demo"

if [ ! -s server.crt ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 365 \
    -keyout ca.key -out ca.crt -subj /CN=hermes-demo-ca \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign 2>/dev/null
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > server.ext
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout server.key \
    -out server.csr -subj /CN=localhost 2>/dev/null
  openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 365 \
    -extfile server.ext -out server.crt 2>/dev/null
fi
[ -s token ] || (umask 077 && openssl rand -hex 24 > token)
cat > web.yml <<'YAML'
tls_server_config:
  cert_file: server.crt
  key_file: server.key
YAML

"$bin/hermes-exporter" --config.check --config.file "$repo/config/hermes.yml" --web.config.file web.yml

"$bin/hermes-target" --web.listen-address 127.0.0.1:10517 2> target.log &
target_pid=$!
"$bin/hermes-exporter" --config.file "$repo/config/hermes.yml" \
  --web.listen-address 127.0.0.1:10516 --web.config.file web.yml \
  --web.bearer-token-file token --web.enable-lifecycle &
exporter_pid=$!
trap 'kill $exporter_pid $target_pid 2>/dev/null; wait 2>/dev/null' EXIT INT TERM

for _ in $(seq 50); do
  curl -sf --cacert ca.crt https://localhost:10516/-/ready >/dev/null && break
  sleep 0.2
done
cat <<MSG

hermes-exporter is running on https://localhost:10516 (TLS, bearer token), probing
hermes-target on http://127.0.0.1:10517. Files are in $demo.

  Scrape it:
    curl --cacert $demo/ca.crt -H "Authorization: Bearer \$(cat $demo/token)" https://localhost:10516/metrics
  Probe status:
    curl --cacert $demo/ca.crt -H "Authorization: Bearer \$(cat $demo/token)" https://localhost:10516/-/status
  Run the speed test now:
    curl --cacert $demo/ca.crt -H "Authorization: Bearer \$(cat $demo/token)" -X POST 'https://localhost:10516/-/trigger?probe=local_speedtest'

  Prometheus scrape_config:
    - job_name: hermes
      scheme: https
      tls_config: {ca_file: $demo/ca.crt}
      authorization: {credentials_file: $demo/token}
      static_configs: [{targets: ["localhost:10516"]}]

Ctrl-C stops hermes-exporter and hermes-target.
MSG
wait $exporter_pid
