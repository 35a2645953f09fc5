#!/usr/bin/env bash
# Builds the OpenTelemetry Collector mmserve's tracing test exports to (main.go: the OTLP receiver
# and the contrib file exporter, the versions pinned in go.mod) and prints the binary's path.
# Cached under ${XDG_CACHE_HOME:-~/.cache}/mmserve/otelcol-<version>/, keyed by the Go sources,
# go.sum and the Go version; a cold build takes about 8 minutes on 2 cores.
#
#   observability/otelcol/build.sh      builds (or finds) the binary; prints its path
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd)"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/mmserve"
# go.opentelemetry.io/collector/otelcol in go.mod (and `version` in main.go)
VERSION=0.161.0

log() { echo "otelcol: $*" >&2; }

command -v go >/dev/null || { log "go is not on PATH"; exit 1; }
key="$(cd "$HERE" && cat go.mod go.sum ./*.go && go env GOVERSION GOARCH)"
key="$(sha256sum <<<"$key" | cut -c1-16)"
dir="$CACHE/otelcol-$VERSION/$key"
mkdir -p "$CACHE/otelcol-$VERSION"
exec 9>"$CACHE/otelcol-$VERSION/.build.lock"
flock 9
if [[ ! -x "$dir/mmserve-otelcol" ]]; then
  log "building the collector $VERSION (about 8 minutes cold)"
  # a temporary folder renamed at the end: an interrupted build never leaves a cached binary
  rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
  (cd "$HERE" && go build -trimpath -o "$dir.tmp/mmserve-otelcol" .)
  rm -rf "$dir" && mv "$dir.tmp" "$dir"
fi
echo "$dir/mmserve-otelcol"
