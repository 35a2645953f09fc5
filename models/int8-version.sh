#!/usr/bin/env bash
# Packages the bundled pack's int8 encoders as a model version of their own, for canary rollouts:
#   models/int8-version.sh OUT_DIR [VERSION]     (VERSION defaults to 1.1.0-int8)
# OUT_DIR gets a complete pack (same name, shapes-clip; the given version) whose model.json names
# the int8 ONNX files as the encoders' `file` and `int8_file`, with the same tokenizer, fusion
# weights and probe set (probes/, classified through a canary before each rollout step); it loads
# through the same manifest rules as the bundled pack. An existing OUT_DIR is
# replaced. Then: ./mmserve up --canary OUT_DIR --canary-weight 25 (docs/api.md, "Model versions").
set -euo pipefail
if [[ $# -lt 1 || $# -gt 2 || "$1" == -* ]]; then
  echo "usage: models/int8-version.sh OUT_DIR [VERSION]" >&2
  exit 2
fi
src="$(cd "$(dirname "$0")" && pwd)/shapes-clip"
out="$1"
version="${2:-1.1.0-int8}"
if [[ ! "$version" =~ ^[A-Za-z0-9][A-Za-z0-9._+-]*$ ]]; then
  echo "int8-version.sh: VERSION must be letters, digits and . _ + - (no @), but was '$version'" >&2
  exit 2
fi
if [[ "$version" == "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' "$src/model.json")" ]]; then
  echo "int8-version.sh: VERSION $version is the bundled pack's own version; choose another" >&2
  exit 2
fi
rm -rf "$out"
mkdir -p "$out"
cp "$src"/{tokenizer.json,fusion.safetensors,fusion.onnx,text_encoder.int8.onnx,vision_encoder.int8.onnx,README.md} "$out"/
cp -R "$src/probes" "$out/probes"
python3 - "$src/model.json" "$out/model.json" "$version" <<'PY'
import json, sys
src, dst, version = sys.argv[1:]
m = json.load(open(src))
m["version"] = version
for part in ("text", "vision"):
    enc = m[part]["encoder"]
    enc["file"] = enc["int8_file"]
with open(dst, "w") as f:
    json.dump(m, f, indent=2)
    f.write("\n")
PY
echo "$out: shapes-clip@$version (the int8 encoders of $src)"
