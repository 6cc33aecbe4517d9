#!/usr/bin/env bash
# Builds the local control plane from Go modules, once: kube-apiserver, kube-controller-manager,
# kube-scheduler, kubectl (one Kubernetes version), the etcd that version pins, kwok, krew (the
# plugin manager, for the plugin's install test), helm (to render the chart in deploy/helm),
# metrics-server (the neighbour serving metrics.k8s.io in the coexistence test) and
# kube-state-metrics (the HPAs' and pods' state as series, which every stack's Prometheus scrapes); with
# WITH_PROMETHEUS_ADAPTER=1 prometheus-adapter, with WITH_KEDA=1 KEDA's operator, metrics API server
# and CRDs, with WITH_THANOS=1 Thanos (the neighbours some e2e tests run beside cmetrics).
# Output goes to $CMETRICS_BIN (default ~/.cache/cmetrics/bin/k8s-$K8S_VERSION); a binary that is
# already there is not rebuilt. GOCACHE and GOMODCACHE keep their Go defaults, outside the repo.
set -euo pipefail

K8S_VERSION="${K8S_VERSION:-v1.37.2}"
KWOK_VERSION="${KWOK_VERSION:-v0.8.0}"
KREW_VERSION="${KREW_VERSION:-v0.5.0}"
HELM_VERSION="${HELM_VERSION:-v3.19.5}"
PROM_ADAPTER_VERSION="${PROM_ADAPTER_VERSION:-v0.12.0}"
METRICS_SERVER_VERSION="${METRICS_SERVER_VERSION:-v0.8.0}"
KSM_VERSION="${KSM_VERSION:-v2.20.0}"
KEDA_VERSION="${KEDA_VERSION:-v2.21.0}"
THANOS_VERSION="${THANOS_VERSION:-v0.42.5}"
CACHE_ROOT="${CMETRICS_CACHE:-$HOME/.cache/cmetrics}"
BIN="${CMETRICS_BIN:-$CACHE_ROOT/bin/k8s-$K8S_VERSION}"
WRAPPER="$CACHE_ROOT/wrapper/k8s-$K8S_VERSION"
export CGO_ENABLED=0 GOFLAGS="${GOFLAGS:--buildvcs=false}" GOTOOLCHAIN="${GOTOOLCHAIN:-auto}"

mkdir -p "$BIN" "$WRAPPER"
minor="${K8S_VERSION#v1.}"; minor="${minor%%.*}"
staging_version="v0.${K8S_VERSION#v1.}"

# Enters wrapper module $1 for module $2 at version $3 (as for krew), made once: the replace
# directives of a dependency's go.mod do not apply to the main module, so it copies them (single
# lines and blocks alike) and the go directive, then gets packages $4….
enter_wrapper_with_replaces() {
  local name=$1 module=$2 version=$3
  shift 3
  mkdir -p "$CACHE_ROOT/wrapper/$name-$version" && cd "$CACHE_ROOT/wrapper/$name-$version"
  [ -f go.mod ] && return
  go mod init "cmetrics.local/$name" >/dev/null 2>&1
  local gomod
  gomod=$(go mod download -json "$module@$version" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  go mod edit -go="$(awk '$1=="go"{print $2; exit}' "$gomod")"
  for r in $(awk '
    { sub(/\/\/.*/, "") }
    /^replace[ \t]*\($/ { block = 1; next }
    block && /^\)/ { block = 0; next }
    block || $1 == "replace" {
      n = split($0, f, /[ \t]+/); from = ""; to = ""; arrow = 0
      for (i = 1; i <= n; i++) {
        if (f[i] == "" || (f[i] == "replace" && !block)) continue
        if (f[i] == "=>") { arrow = 1; continue }
        if (arrow) to = to (to == "" ? "" : "@") f[i]; else from = from (from == "" ? "" : "@") f[i]
      }
      if (arrow) print from "=" to
    }' "$gomod"); do
    go mod edit -replace="$r"
  done
  go get "${@/%/@$version}" >&2
}

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

if ! have kube-state-metrics; then
  log "building kube-state-metrics $KSM_VERSION"
  # Its main package is the module's root; a wrapper module with its replace lines, should it have any.
  enter_wrapper_with_replaces kube-state-metrics k8s.io/kube-state-metrics/v2 "$KSM_VERSION" k8s.io/kube-state-metrics/v2
  # As its Makefile: the version its --version and build_info report (prometheus/common's version package).
  client_go=$(GOFLAGS="$GOFLAGS -mod=mod" go list -f '{{.Version}}' -m k8s.io/client-go)
  GOFLAGS="$GOFLAGS -mod=mod" go build -ldflags "-s -w -X github.com/prometheus/common/version.Version=$KSM_VERSION \
    -X k8s.io/kube-state-metrics/v2/pkg/app.ClientGoVersion=$client_go" \
    -o "$BIN/kube-state-metrics.tmp" k8s.io/kube-state-metrics/v2
  mv "$BIN/kube-state-metrics.tmp" "$BIN/kube-state-metrics"
fi

if [ "${WITH_PROMETHEUS_ADAPTER:-0}" = 1 ] && ! have prometheus-adapter; then
  log "building prometheus-adapter $PROM_ADAPTER_VERSION"
  # A wrapper module, as for krew: `go install adapter@version` asks the proxy for the version list.
  mkdir -p "$CACHE_ROOT/wrapper/prometheus-adapter-$PROM_ADAPTER_VERSION" && cd "$CACHE_ROOT/wrapper/prometheus-adapter-$PROM_ADAPTER_VERSION"
  [ -f go.mod ] || go mod init cmetrics.local/prometheus-adapter >/dev/null 2>&1
  go get "sigs.k8s.io/prometheus-adapter@$PROM_ADAPTER_VERSION" >&2
  GOFLAGS="$GOFLAGS -mod=mod" go build -ldflags "-s -w" -o "$BIN/prometheus-adapter" sigs.k8s.io/prometheus-adapter/cmd/adapter
fi

if [ "${WITH_KEDA:-0}" = 1 ] && { ! have keda-operator || ! have keda-metrics-apiserver || [ ! -d "$BIN/keda-manifests" ]; }; then
  log "building KEDA $KEDA_VERSION (operator, metrics API server; many cloud SDKs: the longest build here)"
  enter_wrapper_with_replaces keda github.com/kedacore/keda/v2 "$KEDA_VERSION" github.com/kedacore/keda/v2 \
    github.com/kedacore/keda/v2/cmd/operator github.com/kedacore/keda/v2/cmd/adapter
  src=$(GOFLAGS="$GOFLAGS -mod=mod" go list -m -f '{{.Dir}}' github.com/kedacore/keda/v2)
  ldflags="-s -w -X github.com/kedacore/keda/v2/version.Version=$KEDA_VERSION"
  have keda-operator || GOFLAGS="$GOFLAGS -mod=mod" go build -ldflags "$ldflags" -o "$BIN/keda-operator" \
    github.com/kedacore/keda/v2/cmd/operator
  if ! have keda-metrics-apiserver; then
    # The metrics API server serves its own /metrics on ":PORT" (cmd/adapter/main.go RunMetricsServer),
    # every interface, with no flag for the address: the harness builds that package (one file,
    # package main) from a copy in the wrapper with that one line on 127.0.0.1, so that nothing it
    # runs listens elsewhere.
    mkdir -p adapter
    sed 's/fmt.Sprintf(":%v", metricsAPIServerPort)/fmt.Sprintf("127.0.0.1:%v", metricsAPIServerPort)/' \
      "$src/cmd/adapter/main.go" >adapter/main.go
    if cmp -s "$src/cmd/adapter/main.go" adapter/main.go; then
      log "KEDA $KEDA_VERSION: cmd/adapter/main.go no longer binds its /metrics to \":%v\"; update build-binaries.sh"
      exit 1
    fi
    GOFLAGS="$GOFLAGS -mod=mod" go build -ldflags "$ldflags" -o "$BIN/keda-metrics-apiserver" ./adapter
  fi
  # From the same module: the CRDs, and what an install makes KEDA's identity (its namespace,
  # ServiceAccount and RBAC: the operator's, and the metrics server's delegated auth and HPA reader).
  rm -rf "$BIN/keda-manifests.tmp" && mkdir -p "$BIN/keda-manifests.tmp/crds" "$BIN/keda-manifests.tmp/install"
  cp "$src"/config/crd/bases/*.yaml "$BIN/keda-manifests.tmp/crds/"
  for f in general/namespace service_account/service_account rbac/role rbac/role_binding \
    metrics-server/role metrics-server/role_binding; do
    cp "$src/config/$f.yaml" "$BIN/keda-manifests.tmp/install/${f//\//-}.yaml"
  done
  chmod -R u+w "$BIN/keda-manifests.tmp"
  rm -rf "$BIN/keda-manifests" && mv "$BIN/keda-manifests.tmp" "$BIN/keda-manifests"
fi

if [ "${WITH_THANOS:-0}" = 1 ] && ! have thanos; then
  log "building Thanos $THANOS_VERSION"
  enter_wrapper_with_replaces thanos github.com/thanos-io/thanos "$THANOS_VERSION" \
    github.com/thanos-io/thanos/cmd/thanos
  # The tags of Thanos' own build (.promu.yml): its labels code reads Prometheus' labels as slices,
  # and without slicelabels its gRPC servers crash marshalling them.
  GOFLAGS="$GOFLAGS -mod=mod" go build -tags netgo,slicelabels -ldflags "-s -w" -o "$BIN/thanos.tmp" \
    github.com/thanos-io/thanos/cmd/thanos
  mv "$BIN/thanos.tmp" "$BIN/thanos"
fi

echo "$BIN"
