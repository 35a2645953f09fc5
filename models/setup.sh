#!/usr/bin/env bash
# Creates a Python virtual environment with pinned dependencies.
#   ./setup.sh check  -> .venv-check (onnxruntime, numpy, Pillow, tokenizers, pytest: the pack checks)
#   ./setup.sh train  -> .venv       (adds torch, open-clip-torch, onnx, ...: training, export, goldens)
set -euo pipefail
cd "$(dirname "$0")"
kind="${1:-check}"
case "$kind" in
  check) venv=.venv-check; req=requirements-check.txt ;;
  train) venv=.venv; req=requirements-train.txt ;;
  *) echo "usage: $0 check|train" >&2; exit 2 ;;
esac
stamp="$venv/.installed-$(sha1sum "$req" requirements-check.txt | sha1sum | cut -c1-12)"
if [[ ! -f "$stamp" ]]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --disable-pip-version-check --progress-bar off -r "$req" >&2
  touch "$stamp"
fi
echo "$venv"
