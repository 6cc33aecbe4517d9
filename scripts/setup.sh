#!/usr/bin/env bash
# Installs what cmetrics needs on a fresh Debian machine, and nothing twice: Prometheus, VictoriaMetrics,
# HAProxy and openssl (apt), the npm dependencies including the pinned Node 24 and Bun (npm ci), and the Kubernetes binaries
# built from Go modules, metrics-server, kube-state-metrics and KEDA among them (cached in ~/.cache/cmetrics; the first
# build takes about twenty minutes, KEDA's half of it).
# For the release's executables and their tests: zip, qemu-user with Debian's arm64 glibc (linux/arm64
# under emulation), Wine and a MinGW C compiler (windows/amd64; the tests compile a DLL Wine 8 lacks),
# and rcodesign (Rust crate apple-codesign, cached in ~/.cache/cmetrics/bin) to sign and check darwin's.
# For the image (scripts/image.ts, test/e2e/image.test.ts): buildah, podman with runc, umoci, and
# arm64's C++ runtime libraries beside its glibc. For fuzzing (test/fuzz/addon.ts): patchelf and gcc.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v prometheus >/dev/null || need_apt+=(prometheus)
command -v openssl >/dev/null || need_apt+=(openssl)
# VictoriaMetrics single-node, a second store the e2e suite runs cmetrics against.
command -v victoria-metrics >/dev/null || need_apt+=(victoria-metrics)
# HAProxy, the load balancer in front of two proxy replicas in the e2e suite.
command -v haproxy >/dev/null || need_apt+=(haproxy)
command -v zip >/dev/null || need_apt+=(zip)
command -v qemu-aarch64 >/dev/null || need_apt+=(qemu-user)
[ -e /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1 ] || need_apt+=(libc6-arm64-cross)
[ -x /usr/lib/wine/wine64 ] || need_apt+=(wine64)
command -v x86_64-w64-mingw32-gcc >/dev/null || need_apt+=(gcc-mingw-w64-x86-64-win32)
for tool in buildah podman runc umoci patchelf gcc; do command -v "$tool" >/dev/null || need_apt+=("$tool"); done
[ -e /usr/aarch64-linux-gnu/lib/libstdc++.so.6 ] || need_apt+=(libstdc++6-arm64-cross)
[ -e /usr/aarch64-linux-gnu/lib/libgcc_s.so.1 ] || need_apt+=(libgcc-s1-arm64-cross)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "[setup] apt-get install ${need_apt[*]}" >&2
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi
rcodesign_version=0.29.0
if ! "$HOME/.cache/cmetrics/bin/rcodesign" --version 2>/dev/null | grep -qx "apple-codesign $rcodesign_version"; then
  command -v cargo >/dev/null || { echo "[setup] cargo is required to build rcodesign (https://rustup.rs)" >&2; exit 1; }
  echo "[setup] cargo install apple-codesign $rcodesign_version (a few minutes, once)" >&2
  target=$(mktemp -d)
  CARGO_TARGET_DIR="$target/build" cargo install apple-codesign --version "$rcodesign_version" --locked --root "$target" >&2
  mkdir -p "$HOME/.cache/cmetrics/bin"
  mv "$target/bin/rcodesign" "$HOME/.cache/cmetrics/bin/rcodesign"
  rm -rf "$target"
fi
command -v go >/dev/null || { echo "[setup] Go is required to build the local control plane (https://go.dev/doc/install)" >&2; exit 1; }

if [ ! -x node_modules/.bin/node ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[setup] npm ci" >&2
  npm ci --no-fund --no-audit >&2
fi

# prometheus-adapter too: the benchmark (and its smoke test in npm test) runs it side by side with the proxy;
# KEDA, which test/e2e/keda.test.ts runs beside it; and Thanos, which test/e2e/thanos.test.ts runs under it.
echo "[setup] Kubernetes binaries: $(WITH_PROMETHEUS_ADAPTER=1 WITH_KEDA=1 WITH_THANOS=1 bash test/harness/build-binaries.sh)" >&2
