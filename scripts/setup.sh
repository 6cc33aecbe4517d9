#!/usr/bin/env bash
# Installs what cmetrics needs on a fresh Debian machine, and nothing twice: Prometheus and openssl
# (apt), the npm dependencies including the pinned Node 24 (npm ci), and the Kubernetes binaries
# built from Go modules (cached in ~/.cache/cmetrics; the first build takes about ten minutes).
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v prometheus >/dev/null || need_apt+=(prometheus)
command -v openssl >/dev/null || need_apt+=(openssl)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "[setup] apt-get install ${need_apt[*]}" >&2
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi
command -v go >/dev/null || { echo "[setup] Go is required to build the local control plane (https://go.dev/doc/install)" >&2; exit 1; }

if [ ! -x node_modules/.bin/node ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[setup] npm ci" >&2
  npm ci --no-fund --no-audit >&2
fi

# prometheus-adapter too: the benchmark (and its smoke test in npm test) runs it side by side with the proxy.
echo "[setup] Kubernetes binaries: $(WITH_PROMETHEUS_ADAPTER=1 bash test/harness/build-binaries.sh)" >&2
