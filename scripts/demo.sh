#!/usr/bin/env bash
# Runs hermes with a working demo config on this machine: installs and builds what
# is missing, starts hermes-target on 127.0.0.1:10517 and hermes-exporter on
# https://127.0.0.1:10516 (TLS + bearer token), and prints how to scrape it.
# Runs in the foreground; Ctrl-C stops both.
#
# Environment: HERMES_DEMO_DIR (files, default /tmp/hermes-demo), HERMES_DEMO_PORT
# (exporter port, default 10516; hermes-target takes the next one), HERMES_DEMO_BIN (a
# directory with built binaries: skips installing and building).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
port=${HERMES_DEMO_PORT:-10516}
target_port=$((port + 1))

# Before anything else: a second demo must not disturb the first one's files or ports.
for p in "$port" "$target_port"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
    echo "demo: port $p on 127.0.0.1 is already in use (is another demo running?)." >&2
    echo "demo: stop it, or run this one on other ports: HERMES_DEMO_PORT=$((port + 2)) $0" >&2
    exit 1
  fi
done

if [ -n "${HERMES_DEMO_BIN:-}" ]; then
  bin=$HERMES_DEMO_BIN
else
  scripts/deps.sh build
  BUILD_DIR=build/release scripts/build.sh -DHERMES_TESTS=OFF
  bin=$repo/build/release
fi
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
# config/hermes.yml, pointed at this demo's hermes-target.
sed "s/127\.0\.0\.1:10517/127.0.0.1:$target_port/g" "$repo/config/hermes.yml" > hermes.yml
interval=$(sed -n 's/^  scrape_interval: *\([0-9a-z]*\).*/\1/p' hermes.yml)

"$bin/hermes-exporter" --config.check --config.file hermes.yml --web.config.file web.yml

"$bin/hermes-target" --web.listen-address "127.0.0.1:$target_port" 2> target.log &
target_pid=$!
"$bin/hermes-exporter" --config.file hermes.yml \
  --web.listen-address "127.0.0.1:$port" --web.config.file web.yml \
  --web.bearer-token-file token --web.enable-lifecycle &
exporter_pid=$!
trap 'kill $exporter_pid $target_pid 2>/dev/null; wait 2>/dev/null' EXIT INT TERM

ready=
for _ in $(seq 100); do
  if ! kill -0 "$exporter_pid" 2>/dev/null || ! kill -0 "$target_pid" 2>/dev/null; then
    echo "demo: hermes-exporter or hermes-target exited (see the log above and $demo/target.log)" >&2
    exit 1
  fi
  curl -sf --cacert ca.crt "https://localhost:$port/-/ready" >/dev/null && { ready=1; break; }
  sleep 0.2
done
[ -n "$ready" ] || { echo "demo: hermes-exporter did not become ready" >&2; exit 1; }
cat <<MSG

hermes-exporter is running on https://localhost:$port (TLS, bearer token), probing
hermes-target on http://127.0.0.1:$target_port. Files are in $demo.

  Scrape it:
    curl --cacert $demo/ca.crt -H "Authorization: Bearer \$(cat $demo/token)" https://localhost:$port/metrics
  Probe status:
    curl --cacert $demo/ca.crt -H "Authorization: Bearer \$(cat $demo/token)" https://localhost:$port/-/status
  Run the speed test now:
    curl --cacert $demo/ca.crt -H "Authorization: Bearer \$(cat $demo/token)" -X POST 'https://localhost:$port/-/trigger?probe=local_speedtest'

  Prometheus scrape_config:
    - job_name: hermes
      scrape_interval: $interval   # = global.scrape_interval in $demo/hermes.yml
      scrape_timeout: 10s    # hermes answers from memory; anything up to scrape_interval
      scheme: https
      tls_config: {ca_file: $demo/ca.crt}
      authorization: {credentials_file: $demo/token}
      static_configs: [{targets: ["localhost:$port"]}]

Ctrl-C stops hermes-exporter and hermes-target.
MSG
wait $exporter_pid
