#!/usr/bin/env bash
# Installs the pinned ghz (gRPC load generator) with `go install` into bench/.tools/bin and prints
# its path. Idempotent: a present binary of the pinned version is reused.
set -euo pipefail
GHZ_VERSION="v0.121.0"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="$here/.tools/bin"
ghz="$bin/ghz"
if [[ -x "$ghz" ]] && "$ghz" --version 2>&1 | grep -qx "${GHZ_VERSION#v}"; then
  echo "$ghz"
  exit 0
fi
command -v go >/dev/null || { echo "install-ghz: the Go toolchain (go) is needed" >&2; exit 1; }
mkdir -p "$bin"
echo "install-ghz: go install github.com/bojand/ghz/cmd/ghz@$GHZ_VERSION (about a minute)" >&2
GOBIN="$bin" GOFLAGS="-buildvcs=false -ldflags=-X=main.version=${GHZ_VERSION#v}" \
  go install "github.com/bojand/ghz/cmd/ghz@$GHZ_VERSION" >&2
echo "$ghz"
