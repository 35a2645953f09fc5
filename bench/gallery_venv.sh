#!/usr/bin/env bash
# Makes (or reuses) bench/.venv-ann, the Python side of the gallery benchmarks (faiss-cpu and numpy, pinned
# in bench/requirements-ann.txt), and prints its python's path. Rebuilt when the requirements change.
# Usage: PY=$(bench/gallery_venv.sh)   (from anywhere; pip's output goes to stderr)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
VENV=bench/.venv-ann
if [[ ! -f $VENV/.installed ]] || ! cmp -s bench/requirements-ann.txt "$VENV/.installed"; then
  python3 -m venv "$VENV" >&2
  "$VENV/bin/pip" install -q -r bench/requirements-ann.txt >&2
  cp bench/requirements-ann.txt "$VENV/.installed"
fi
echo "$PWD/$VENV/bin/python"
