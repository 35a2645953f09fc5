#!/usr/bin/env bash
# One command that regenerates everything under models/ from nothing but this source:
# pinned dependencies, training on CPU (~45 min on 2 cores), ONNX export (fp32 + int8), golden files,
# the probe set, held-out metrics (fp32 + int8) and the CLIP compatibility kit's tokenizer references.
#   models/build.sh            # everything
#   models/build.sh --no-train # reuse .work/checkpoint.pt
set -euo pipefail
cd "$(dirname "$0")"
./setup.sh train >/dev/null
py=.venv/bin/python
mkdir -p .work
if [[ "${1:-}" != "--no-train" ]]; then
  /usr/bin/time -f "training wall time %e s" $py -m mmshapes.train --out .work/checkpoint.pt --threads 2 \
    2>&1 | tee .work/train.log
fi
$py -m mmshapes.export --checkpoint .work/checkpoint.pt --pack shapes-clip
rm -rf shapes-clip/reference
$py -m mmshapes.reference --checkpoint .work/checkpoint.pt --pack shapes-clip
$py -m mmshapes.probes --pack shapes-clip
$py -m mmshapes.evaluate --pack shapes-clip --speed > shapes-clip/metrics-fp32.json
$py -m mmshapes.evaluate --pack shapes-clip --speed --int8 > shapes-clip/metrics-int8.json
$py -m mmshapes.clip_kit tokenizer --out clip-compat
cat shapes-clip/metrics-fp32.json shapes-clip/metrics-int8.json
