#!/usr/bin/env bash
# Creates triton/.venv (PyTriton with its bundled tritonserver, ONNX Runtime, numpy) once per
# version of requirements.txt and prints the venv's path. pip's output goes to stderr.
#
# The tritonserver's Python backend stub links libpython3.X.so from the system library path; serve.py
# puts the venv's own libpython folder first (LD_LIBRARY_PATH), so the stub and the venv's standard
# library are the same Python build.
set -euo pipefail
cd "$(dirname "$0")"
venv=.venv
stamp="$venv/.installed-$(sha1sum requirements.txt | cut -c1-12)"
if [[ ! -f "$stamp" ]]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --disable-pip-version-check --progress-bar off -r requirements.txt >&2
  touch "$stamp"
fi
echo "$(pwd)/$venv"
