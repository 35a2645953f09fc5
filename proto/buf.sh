#!/usr/bin/env bash
# buf for mmserve's .proto files: lint, breaking-change check of the public API, Go stub generation.
# buf, protoc-gen-go and protoc-gen-go-grpc are built from their Go modules at pinned versions and
# cached under ${XDG_CACHE_HOME:-~/.cache}/mmserve/buf-<version>/ (cold: about 3 CPU-minutes, 10
# minutes on a busy 2-core machine; a fresh machine needs only Go and the Go module proxy).
#
#   proto/buf.sh build              builds (or finds cached) binaries; prints their folder
#   proto/buf.sh lint               buf lint of proto/ (rules in proto/buf.yaml)
#   proto/buf.sh breaking [REF]     the public packages mmserve.vN against git REF (default HEAD~1)
#   proto/buf.sh generate [DIR]     Go stubs into DIR (default clients/go/gen)
#   proto/buf.sh check-generated    regenerates into a temporary folder and diffs with clients/go/gen
#   proto/buf.sh check [REF]        lint, breaking, check-generated and buf-breaking-test.sh (the tests
#                                   of breaking); exit 1 when any fails
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/mmserve"
BUF_VERSION=v1.75.0
PROTOC_GEN_GO_VERSION=v1.36.12
PROTOC_GEN_GO_GRPC_VERSION=v1.6.2
BIN="$CACHE/buf-$BUF_VERSION/protoc-gen-go-$PROTOC_GEN_GO_VERSION-grpc-$PROTOC_GEN_GO_GRPC_VERSION"
GENERATED="$ROOT/clients/go/gen"

log() { echo "buf.sh: $*" >&2; }
die() { log "$*"; exit 1; }

# Installs into a temporary folder and renames it, so an interrupted build never leaves a cached binary.
build() {
  command -v go >/dev/null || die "go is not on PATH (buf and the Go stub plugins are built from their Go modules)"
  mkdir -p "$(dirname "$BIN")"
  exec 8>"$(dirname "$BIN")/.build.lock"
  flock 8
  if [[ ! -x "$BIN/buf" || ! -x "$BIN/protoc-gen-go" || ! -x "$BIN/protoc-gen-go-grpc" ]]; then
    log "building buf $BUF_VERSION, protoc-gen-go $PROTOC_GEN_GO_VERSION and protoc-gen-go-grpc $PROTOC_GEN_GO_GRPC_VERSION (go install; a few minutes)"
    rm -rf "$BIN.tmp"
    local module
    for module in "github.com/bufbuild/buf/cmd/buf@$BUF_VERSION" \
        "google.golang.org/protobuf/cmd/protoc-gen-go@$PROTOC_GEN_GO_VERSION" \
        "google.golang.org/grpc/cmd/protoc-gen-go-grpc@$PROTOC_GEN_GO_GRPC_VERSION"; do
      GOBIN="$BIN.tmp" GOFLAGS=-trimpath go install "$module"
    done
    rm -rf "$BIN" && mv "$BIN.tmp" "$BIN"
  fi
  exec 8>&-
  echo "$BIN"
}

buf() {
  PATH="$BIN:$PATH" "$BIN/buf" "$@"
}

lint() {
  (cd "$HERE" && buf lint) && log "lint: ok"
}

# The public API's packages (mmserve/vN) of REF against the working tree, each with buf's FILE
# rules. REF's tree is built with this tree's buf.yaml and third_party/ (older commits have
# neither). A package of REF that is gone here passes only when a newer mmserve/vM exists: making
# a new package version is how the API breaks on purpose.
# (a subshell, so its EXIT trap removes the temporary folder)
breaking() (
  local ref="${1:-HEAD~1}" old status=0 dir version
  if ! git -C "$ROOT" rev-parse --verify --quiet "$ref^{commit}" >/dev/null; then
    if [[ "$(git -C "$ROOT" rev-parse --is-shallow-repository)" == true ]]; then
      die "breaking: $ref is not in this shallow clone; fetch more history (git fetch --deepen=1) to compare with it"
    fi
    if [[ "$ref" == HEAD~1 ]] && [[ -z "$(git -C "$ROOT" rev-parse --verify --quiet HEAD^ 2>/dev/null)" ]]; then
      log "breaking: HEAD is the first commit; nothing to compare with"
      return 0
    fi
    die "breaking: $ref is not a commit of this repository"
  fi
  old="$(mktemp -d)"
  trap 'rm -rf "$old"' EXIT
  git -C "$ROOT" archive "$ref" proto/src/main/protobuf | tar -x -C "$old"
  mkdir -p "$old/proto/src/main/protobuf"
  cp "$HERE/buf.yaml" "$old/proto/"
  cp -r "$HERE/third_party" "$old/proto/"
  (cd "$old/proto" && buf build -o "$old/against.binpb") || die "breaking: the .proto files of $ref do not build"
  # both sides as images, whose file names are relative to the module roots (mmserve/v1/...)
  (cd "$HERE" && buf build -o "$old/current.binpb") || die "breaking: the .proto files of the working tree do not build"
  for dir in "$old"/proto/src/main/protobuf/mmserve/v[0-9]*; do
    [[ -d "$dir" ]] || continue
    version="${dir##*/}"
    if [[ -d "$HERE/src/main/protobuf/mmserve/$version" ]]; then
      if buf breaking "$old/current.binpb" --against "$old/against.binpb" --path "mmserve/$version"; then
        log "breaking: mmserve.$version has no breaking change against $ref"
      else
        log "breaking: mmserve.$version has breaking changes against $ref (above); keep mmserve.$version compatible and make the change in a new package version"
        status=1
      fi
    elif [[ -n "$(newer_version "${version#v}")" ]]; then
      log "breaking: mmserve.$version of $ref is removed; $(newer_version "${version#v}") supersedes it"
    else
      log "breaking: mmserve.$version of $ref is removed and no newer mmserve.vN replaces it"
      status=1
    fi
  done
  exit $status
)

# The first package version of the working tree above $1, e.g. mmserve.v2 for 1.
newer_version() {
  local dir number
  for dir in "$HERE"/src/main/protobuf/mmserve/v[0-9]*; do
    [[ -d "$dir" ]] || continue
    number="${dir##*/v}"
    if [[ "$number" =~ ^[0-9]+$ ]] && (( number > $1 )); then
      echo "mmserve.v$number"
      return
    fi
  done
}

# Go stubs of every public package version (mmserve/vN) into $1.
generate() {
  local out="$1" paths=() dir
  for dir in "$HERE"/src/main/protobuf/mmserve/v[0-9]*; do
    [[ -d "$dir" ]] && paths+=(--path "src/main/protobuf/mmserve/${dir##*/}")
  done
  mkdir -p "$out"
  (cd "$HERE" && buf generate --template buf.gen.yaml -o "$out" "${paths[@]}")
}

check_generated() (
  local fresh
  fresh="$(mktemp -d)"
  trap 'rm -rf "$fresh"' EXIT
  generate "$fresh/gen"
  if diff -ru "$GENERATED" "$fresh/gen" >&2; then
    log "check-generated: clients/go/gen is current"
  else
    log "check-generated: clients/go/gen differs from what proto/ generates (above); run proto/buf.sh generate and commit it"
    exit 1
  fi
)

command="${1:-}"
[[ $# -gt 0 ]] && shift
case "$command" in
  build) build ;;
  lint) build >/dev/null && lint ;;
  breaking) build >/dev/null && breaking "$@" ;;
  generate)
    build >/dev/null
    # clients/go/gen is replaced whole, so stubs of a removed file go too; a DIR given is written into
    if [[ $# -gt 0 ]]; then generate "$1"; else rm -rf "$GENERATED" && generate "$GENERATED"; fi
    ;;
  check-generated) build >/dev/null && check_generated ;;
  check)
    build >/dev/null
    failed=()
    lint || failed+=(lint)
    breaking "$@" || failed+=(breaking)
    check_generated || failed+=(check-generated)
    "$HERE/buf-breaking-test.sh" || failed+=(buf-breaking-test)
    if (( ${#failed[@]} > 0 )); then
      log "check: failed: ${failed[*]}"
      exit 1
    fi
    log "check: lint, breaking, check-generated and buf-breaking-test passed"
    ;;
  *) die "usage: proto/buf.sh build|lint|breaking [REF]|generate [DIR]|check-generated|check [REF]" ;;
esac
