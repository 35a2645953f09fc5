#!/usr/bin/env bash
# A real Kubernetes control plane on loopback for mmserve's tests: etcd, kube-apiserver and
# kube-controller-manager (k8s.io/kubernetes v1.37.2, built from k8s/control-plane/), plus helm.
# No kubelet and no scheduler: Pods stay Pending unless a test binds them and sets their status.
# EndpointSlices refuse loopback addresses: a Pod made Ready by a test takes this machine's own
# non-loopback address (ControlPlane.podAddress() in Java), and the service behind it binds there.
#
#   k8s/control-plane.sh build                builds (or finds cached) binaries; prints their folder
#   k8s/control-plane.sh binaries             prints the folder the binaries are (or would be) in
#   k8s/control-plane.sh up DIR               starts the control plane with its state in DIR; prints DIR/kubeconfig
#   k8s/control-plane.sh down DIR             stops it (the state stays in DIR)
#   k8s/control-plane.sh restart-apiserver DIR  stops kube-apiserver and starts it again on the same port
#
# Binaries are cached under ${XDG_CACHE_HOME:-~/.cache}/mmserve/, keyed by the Go sources, go.sum and
# the Go version; a cold build takes about 9 minutes on 2 cores and 3 GB of memory.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/mmserve"
HELM_VERSION=v4.3.2
# k8s.io/kubernetes in control-plane/go.mod
KUBERNETES_VERSION=v1.37.2
READY_TIMEOUT_SECONDS="${MMSERVE_K8S_READY_TIMEOUT:-180}"

log() { echo "control-plane: $*" >&2; }
die() { log "$*"; exit 1; }

binary_key() {
  (cd "$HERE/control-plane" && cat go.mod go.sum ./*.go && echo "$KUBERNETES_VERSION" && go env GOVERSION GOARCH) | sha256sum | cut -c1-16
}

# Builds into a temporary folder and renames it, so an interrupted build never leaves a cached binary.
build() {
  command -v go >/dev/null || die "go is not on PATH"
  local key dir helm_dir
  key="$(binary_key)"
  dir="$CACHE/k8s/control-plane-$key"
  helm_dir="$CACHE/helm/$HELM_VERSION"
  mkdir -p "$CACHE/k8s" "$CACHE/helm"
  exec 9>"$CACHE/k8s/.build.lock"
  flock 9
  if [[ ! -x "$helm_dir/helm" ]]; then
    log "installing helm $HELM_VERSION (go install; about 2 minutes cold)"
    rm -rf "$helm_dir.tmp"
    GOBIN="$helm_dir.tmp" GOFLAGS=-trimpath go install "helm.sh/helm/v4/cmd/helm@$HELM_VERSION"
    rm -rf "$helm_dir" && mv "$helm_dir.tmp" "$helm_dir"
  fi
  if [[ ! -x "$dir/mmserve-control-plane" ]]; then
    log "building etcd, kube-apiserver and kube-controller-manager (about 9 minutes cold)"
    rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
    # the release's version, as a release build stamps it (helm checks a chart's kubeVersion against it)
    local version_pkg=k8s.io/component-base/version
    (cd "$HERE/control-plane" && go build -trimpath -ldflags "-X $version_pkg.gitVersion=$KUBERNETES_VERSION \
      -X $version_pkg.gitMajor=1 -X $version_pkg.gitMinor=$(cut -d. -f2 <<<"$KUBERNETES_VERSION") -X $version_pkg.gitTreeState=clean" \
      -o "$dir.tmp/mmserve-control-plane" .)
    rm -rf "$dir" && mv "$dir.tmp" "$dir"
  fi
  ln -sfn "$helm_dir/helm" "$dir/helm"
  echo "$dir"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Throwaway certificates: a CA, the API server's serving certificate, a cluster-admin client
# certificate and the service-account signing key. Made once per DIR.
make_certs() {
  local pki="$1/pki"
  [[ -f "$pki/admin.crt" ]] && return
  mkdir -p "$pki"
  (
    cd "$pki"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=mmserve-test-ca" \
      -keyout ca.key -out ca.crt 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/CN=kube-apiserver" \
      -keyout apiserver.key -out apiserver.csr 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\n' >apiserver.ext
    openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 \
      -extfile apiserver.ext -out apiserver.crt 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/O=system:masters/CN=mmserve-test-admin" \
      -keyout admin.key -out admin.csr 2>/dev/null
    printf 'extendedKeyUsage=clientAuth\n' >client.ext
    openssl x509 -req -in admin.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 \
      -extfile client.ext -out admin.crt 2>/dev/null
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
  )
}

write_kubeconfig() {
  local dir="$1" port="$2" pki="$1/pki"
  cat >"$dir/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: mmserve-test
  cluster:
    server: https://127.0.0.1:$port
    certificate-authority: $pki/ca.crt
users:
- name: admin
  user:
    client-certificate: $pki/admin.crt
    client-key: $pki/admin.key
contexts:
- name: mmserve-test
  context:
    cluster: mmserve-test
    user: admin
    namespace: default
current-context: mmserve-test
EOF
}

# start NAME ARGS...: runs one component in its own session, output to DIR/NAME.log, pid to DIR/NAME.pid
start() {
  local dir="$1" name="$2"
  shift 2
  setsid "$BIN/mmserve-control-plane" "$name" "$@" >>"$dir/$name.log" 2>&1 </dev/null &
  echo $! >"$dir/$name.pid"
}

stop() {
  local pidfile="$1/$2.pid" pid
  [[ -f "$pidfile" ]] || return 0
  pid="$(cat "$pidfile")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

alive() { [[ -f "$1/$2.pid" ]] && kill -0 "$(cat "$1/$2.pid")" 2>/dev/null; }

api() {
  local dir="$1" path="$2" pki="$1/pki"
  curl -sf --max-time 5 --cacert "$pki/ca.crt" --cert "$pki/admin.crt" --key "$pki/admin.key" \
    "https://127.0.0.1:$(cat "$dir/apiserver.port")$path"
}

# wait_for DIR WHAT COMPONENT CHECK...: polls CHECK until it succeeds, the component dies, or time runs out
wait_for() {
  local dir="$1" what="$2" component="$3"
  shift 3
  local deadline=$((SECONDS + READY_TIMEOUT_SECONDS))
  until "$@" >/dev/null 2>&1; do
    alive "$dir" "$component" || { tail -20 "$dir/$component.log" >&2; die "$component exited before $what"; }
    ((SECONDS < deadline)) || { tail -20 "$dir/$component.log" >&2; die "no $what after ${READY_TIMEOUT_SECONDS}s"; }
    sleep 0.2
  done
}

start_apiserver() {
  local dir="$1" pki="$1/pki"
  start "$dir" kube-apiserver \
    --etcd-servers="http://127.0.0.1:$(cat "$dir/etcd.port")" \
    --bind-address=127.0.0.1 --secure-port="$(cat "$dir/apiserver.port")" \
    --advertise-address=127.0.0.1 --endpoint-reconciler-type=none \
    --service-cluster-ip-range=10.96.0.0/16 \
    --cert-dir="$dir/apiserver-certs" \
    --tls-cert-file="$pki/apiserver.crt" --tls-private-key-file="$pki/apiserver.key" \
    --client-ca-file="$pki/ca.crt" \
    --service-account-issuer=https://kubernetes.default.svc \
    --service-account-key-file="$pki/sa.pub" --service-account-signing-key-file="$pki/sa.key" \
    --authorization-mode=Node,RBAC --profiling=false --v=1
  wait_for "$dir" "kube-apiserver /readyz" kube-apiserver api "$dir" /readyz
}

up() {
  local dir="$1"
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd)"
  alive "$dir" kube-apiserver && die "a control plane is already running in $dir"
  BIN="$(build)"
  make_certs "$dir"
  [[ -f "$dir/apiserver.port" ]] || {
    free_port >"$dir/etcd.port"
    free_port >"$dir/etcd-peer.port"
    free_port >"$dir/apiserver.port"
  }
  write_kubeconfig "$dir" "$(cat "$dir/apiserver.port")"
  start "$dir" etcd --data-dir="$dir/etcd" \
    --listen-client-url="http://127.0.0.1:$(cat "$dir/etcd.port")" \
    --listen-peer-url="http://127.0.0.1:$(cat "$dir/etcd-peer.port")"
  start_apiserver "$dir"
  start "$dir" kube-controller-manager \
    --kubeconfig="$dir/kubeconfig" --authentication-kubeconfig="$dir/kubeconfig" \
    --authorization-kubeconfig="$dir/kubeconfig" \
    --bind-address=127.0.0.1 --secure-port=0 --leader-elect=false \
    --service-account-private-key-file="$dir/pki/sa.key" --root-ca-file="$dir/pki/ca.crt" \
    --use-service-account-credentials=false --v=1
  # the controller-manager is working once its service-account controller made the default account
  wait_for "$dir" "default service account" kube-controller-manager \
    api "$dir" /api/v1/namespaces/default/serviceaccounts/default
  echo "$dir/kubeconfig"
}

down() {
  local dir="$1"
  [[ -d "$dir" ]] || return 0
  stop "$dir" kube-controller-manager
  stop "$dir" kube-apiserver
  stop "$dir" etcd
}

restart_apiserver() {
  local dir
  dir="$(cd "$1" && pwd)"
  BIN="$(build)"
  stop "$dir" kube-apiserver
  start_apiserver "$dir"
}

case "${1:-}" in
  build) build ;;
  binaries) echo "$CACHE/k8s/control-plane-$(binary_key)" ;;
  up) up "${2:?usage: control-plane.sh up DIR}" ;;
  down) down "${2:?usage: control-plane.sh down DIR}" ;;
  restart-apiserver) restart_apiserver "${2:?usage: control-plane.sh restart-apiserver DIR}" ;;
  *) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
