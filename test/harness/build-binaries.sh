#!/usr/bin/env bash
# Builds the local control plane from Go modules, once: kube-apiserver, kube-controller-manager,
# kube-scheduler, kubectl (one Kubernetes version), the etcd that version pins, kwok, krew (the
# plugin manager, for the plugin's install test), helm (to render the chart in deploy/helm) and
# metrics-server (the neighbour serving metrics.k8s.io in the coexistence test).
# Output goes to $CMETRICS_BIN (default ~/.cache/cmetrics/bin/k8s-$K8S_VERSION); a binary that is
# already there is not rebuilt. GOCACHE and GOMODCACHE keep their Go defaults, outside the repo.
set -euo pipefail

K8S_VERSION="${K8S_VERSION:-v1.37.2}"
KWOK_VERSION="${KWOK_VERSION:-v0.8.0}"
KREW_VERSION="${KREW_VERSION:-v0.5.0}"
HELM_VERSION="${HELM_VERSION:-v3.19.5}"
PROM_ADAPTER_VERSION="${PROM_ADAPTER_VERSION:-v0.12.0}"
METRICS_SERVER_VERSION="${METRICS_SERVER_VERSION:-v0.8.0}"
CACHE_ROOT="${CMETRICS_CACHE:-$HOME/.cache/cmetrics}"
BIN="${CMETRICS_BIN:-$CACHE_ROOT/bin/k8s-$K8S_VERSION}"
WRAPPER="$CACHE_ROOT/wrapper/k8s-$K8S_VERSION"
export CGO_ENABLED=0 GOFLAGS="${GOFLAGS:--buildvcs=false}" GOTOOLCHAIN="${GOTOOLCHAIN:-auto}"

mkdir -p "$BIN" "$WRAPPER"
minor="${K8S_VERSION#v1.}"; minor="${minor%%.*}"
staging_version="v0.${K8S_VERSION#v1.}"

log() { printf '[build-binaries] %s\n' "$*" >&2; }
have() { [ -x "$BIN/$1" ]; }

k8s_cmds=(kube-apiserver kube-controller-manager kube-scheduler kubectl)
missing=()
for c in "${k8s_cmds[@]}" etcd; do have "$c" || missing+=("$c"); done

if [ ${#missing[@]} -gt 0 ]; then
  cd "$WRAPPER"
  if [ ! -f go.mod ]; then
    log "preparing wrapper module for k8s.io/kubernetes $K8S_VERSION"
    go mod init cmetrics.local/kbins >/dev/null 2>&1
    kmod=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
    go_line=$(awk '$1=="go"{print $2; exit}' "$kmod")
    godebug=$(awk '$1=="godebug"{print $2; exit}' "$kmod")
    go mod edit -go="$go_line" ${godebug:+-godebug="$godebug"} -require="k8s.io/kubernetes@$K8S_VERSION"
    # Every staging module is required at v0.0.0 upstream; point each at its published tag.
    for m in $(awk '/^require/,/^\)/' "$kmod" | awk '$1 ~ /^k8s\.io\// && $2=="v0.0.0"{print $1}'); do
      go mod edit -replace="$m=$m@$staging_version"
    done
    etcd_version=$(awk '$1=="go.etcd.io/etcd/server/v3"{print $2; exit}' "$kmod")
    go get "k8s.io/kubernetes@$K8S_VERSION" "${k8s_cmds[@]/#/k8s.io/kubernetes/cmd/}" \
      "go.etcd.io/etcd/server/v3@${etcd_version:?k8s.io/kubernetes pins no etcd}" >&2
  fi
  ldflags="-s -w -X k8s.io/component-base/version.gitVersion=$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$minor -X k8s.io/component-base/version.gitTreeState=clean"
  pkgs=()
  for c in "${k8s_cmds[@]}"; do have "$c" || pkgs+=("k8s.io/kubernetes/cmd/$c"); done
  if [ ${#pkgs[@]} -gt 0 ]; then
    log "building ${pkgs[*]}"
    go build -ldflags "$ldflags" -o "$BIN/" "${pkgs[@]}"
  fi
  if ! have etcd; then
    log "building etcd (the version k8s.io/kubernetes $K8S_VERSION pins)"
    go build -ldflags "-s -w" -o "$BIN/etcd" go.etcd.io/etcd/server/v3
  fi
fi

if ! have kwok; then
  log "building kwok $KWOK_VERSION"
  GOBIN="$BIN" go install -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"
fi

if ! have krew; then
  log "building krew $KREW_VERSION"
  # In a wrapper module: `go install krew@version` wants the module's version list, which the proxy may not serve.
  mkdir -p "$CACHE_ROOT/wrapper/krew-$KREW_VERSION" && cd "$CACHE_ROOT/wrapper/krew-$KREW_VERSION"
  [ -f go.mod ] || go mod init cmetrics.local/krew >/dev/null 2>&1
  go get "sigs.k8s.io/krew@$KREW_VERSION" >&2
  GOFLAGS="$GOFLAGS -mod=mod" go build -ldflags "-s -w -X sigs.k8s.io/krew/internal/version.gitTag=$KREW_VERSION" \
    -o "$BIN/krew" sigs.k8s.io/krew/cmd/krew
fi

if ! have helm; then
  log "building helm $HELM_VERSION"
  # A wrapper module, as for krew.
  mkdir -p "$CACHE_ROOT/wrapper/helm-$HELM_VERSION" && cd "$CACHE_ROOT/wrapper/helm-$HELM_VERSION"
  [ -f go.mod ] || go mod init cmetrics.local/helm >/dev/null 2>&1
  go get "helm.sh/helm/v3@$HELM_VERSION" >&2
  # As helm's Makefile: the Kubernetes version `helm template` assumes follows its client-go (v0.34 -> 1.34).
  client_go=$(GOFLAGS="$GOFLAGS -mod=mod" go list -f '{{.Version}}' -m k8s.io/client-go)
  client_go_minor=$(echo "$client_go" | cut -d. -f2)
  GOFLAGS="$GOFLAGS -mod=mod" go build -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION \
    -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$client_go_minor \
    -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=$client_go_minor" \
    -o "$BIN/helm" helm.sh/helm/v3/cmd/helm
fi

if ! have metrics-server || [ ! -f "$BIN/metrics-server-rbac.yaml" ]; then
  log "building metrics-server $METRICS_SERVER_VERSION"
  # A wrapper module, as for krew; the command is a tool of it (go.mod's tool directive).
  mkdir -p "$CACHE_ROOT/wrapper/metrics-server-$METRICS_SERVER_VERSION" && cd "$CACHE_ROOT/wrapper/metrics-server-$METRICS_SERVER_VERSION"
  [ -f go.mod ] || go mod init cmetrics.local/metrics-server >/dev/null 2>&1
  go get -tool "sigs.k8s.io/metrics-server/cmd/metrics-server@$METRICS_SERVER_VERSION" >&2
  # As metrics-server's Makefile: the version its /version and logs report.
  GOFLAGS="$GOFLAGS -mod=mod" go build -ldflags "-s -w -X k8s.io/client-go/pkg/version.gitVersion=$METRICS_SERVER_VERSION" \
    -o "$BIN/metrics-server" sigs.k8s.io/metrics-server/cmd/metrics-server
  # Its own ServiceAccount and RBAC (manifests/base/rbac.yaml), which the harness applies as they are.
  ms_dir=$(GOFLAGS="$GOFLAGS -mod=mod" go list -f '{{.Dir}}' -m sigs.k8s.io/metrics-server)
  install -m 0644 "$ms_dir/manifests/base/rbac.yaml" "$BIN/metrics-server-rbac.yaml"
fi

if [ "${WITH_PROMETHEUS_ADAPTER:-0}" = 1 ] && ! have prometheus-adapter; then
  log "building prometheus-adapter $PROM_ADAPTER_VERSION"
  # A wrapper module, as for krew: `go install adapter@version` asks the proxy for the version list.
  mkdir -p "$CACHE_ROOT/wrapper/prometheus-adapter-$PROM_ADAPTER_VERSION" && cd "$CACHE_ROOT/wrapper/prometheus-adapter-$PROM_ADAPTER_VERSION"
  [ -f go.mod ] || go mod init cmetrics.local/prometheus-adapter >/dev/null 2>&1
  go get "sigs.k8s.io/prometheus-adapter@$PROM_ADAPTER_VERSION" >&2
  GOFLAGS="$GOFLAGS -mod=mod" go build -ldflags "-s -w" -o "$BIN/prometheus-adapter" sigs.k8s.io/prometheus-adapter/cmd/adapter
fi

echo "$BIN"
