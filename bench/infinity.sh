#!/usr/bin/env bash
# mmserve against Infinity on CLIP ViT-B/32 with identical random weights (issue 16), in one command:
#   bench/infinity.sh            (DURATION=10s WARMUP=5s ROUNDS=2; PRECISIONS="fp32 int8";
#                                 ENCODER_THREADS=<cores>, or "split" for up's default share per tower)
# 1. builds the CLIP kit's pack into ~/.cache/mmserve/clip-vit-b-32 (torch in models/.venv, never in the product),
#    the same weights in Hugging Face's layout for Infinity (bench/infinity/hf_weights.py), and Infinity pinned in
#    its own venv (~/.cache/mmserve/infinity-emb-0.0.78/venv, bench/infinity/requirements.txt); checks both serve
#    the same embeddings;
# 2. starts `./mmserve up --model-pack` (one stack per precision) and Infinity (torch, CPU) on loopback;
# 3. alternates, round by round: ghz against mmserve's gateway (EmbedText, EmbedImage with the 640x480 JPEG) and a
#    closed-loop HTTP load against Infinity's /embeddings (bench/infinity/http_load.py), at concurrency 16 and 1,
#    recording CPU seconds per item of each server's processes from /proc and the load average;
# 4. runs the floor: ONNX Runtime in process, batch 16 (EncoderVariantBench), and prints a markdown table.
# Every server is on 127.0.0.1 and is stopped at exit; the servers' logs are copied to $LOGS (default /tmp). Ratios within one run are what counts on a shared machine.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-5s}
ROUNDS=${ROUNDS:-2}
PRECISIONS=${PRECISIONS:-fp32 int8}
ENCODER_THREADS=${ENCODER_THREADS:-$(nproc)}
PACK=${PACK:-$HOME/.cache/mmserve/clip-vit-b-32}
HF=${HF:-$HOME/.cache/mmserve/clip-vit-b-32-hf}
INFINITY_VENV=$HOME/.cache/mmserve/infinity-emb-0.0.78/venv
IMAGE=bench/data/photo_640x480.jpg
TEXT="a photo of a cat sitting on a sofa next to a window"
BASE=28800 INFINITY_PORT=28890
JAVA=${JAVA:-$(.mvn/java-home.sh)/bin/java}
secs() { echo "${1%s}"; }

if ! grep -q int8_file "$PACK/model.json" 2>/dev/null; then
  echo "infinity.sh: building the CLIP ViT-B/32 pack into $PACK (torch in models/.venv) ..." >&2
  models/setup.sh train >/dev/null
  (cd models && .venv/bin/python -m mmshapes.clip_kit export --cache "$PACK")
fi
if [[ ! -f $HF/model.safetensors ]]; then
  models/setup.sh train >/dev/null
  PYTHONPATH=models models/.venv/bin/python bench/infinity/hf_weights.py --pack "$PACK" --out "$HF"
fi
stamp="$INFINITY_VENV/.installed-$(sha1sum bench/infinity/requirements.txt | cut -c1-12)"
if [[ ! -f $stamp ]]; then
  echo "infinity.sh: installing Infinity into $INFINITY_VENV ..." >&2
  python3 -m venv "$INFINITY_VENV"
  "$INFINITY_VENV/bin/pip" install --disable-pip-version-check --progress-bar off -r bench/infinity/requirements.txt >&2
  touch "$stamp"
fi
[[ -f bench/jmh/target/benchmarks.jar ]] || ./mvnw -B -o -q package -DskipTests -pl bench/jmh -am
ghz="$(bench/install-ghz.sh)"
work="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap 'cleanup; cp "$work"/*.log "${LOGS:-/tmp}/" 2>/dev/null || true; rm -rf "$work"' EXIT

# the same weights: Infinity's model (transformers) against the pack's ONNX files
"$INFINITY_VENV/bin/python" bench/infinity/parity.py "$HF" "$IMAGE" "$work" 2>/dev/null
PYTHONPATH=models models/.venv/bin/python - "$PACK" "$IMAGE" "$work" <<'PY'
import json, pathlib, sys
import numpy as np
from PIL import Image
from mmshapes import clip_kit, fuse, preprocess
pack, image, work = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3]
m = json.loads((pack / "model.json").read_text())
texts = ["a photo of a cat", "a large blue square on the left", "a diagram showing the parts of a bicycle"]
t = fuse.run_batches(fuse.session(pack / "text_encoder.onnx"), clip_kit.text_batches(pack, texts))
i = fuse.run_batches(fuse.session(pack / "vision_encoder.onnx"),
                     [{"pixel_values": preprocess.preprocess(Image.open(image), m["vision"])[None]}])
ht, hi = np.load(f"{work}/hf_text.npy"), np.load(f"{work}/hf_image.npy")
print(f"infinity.sh: same weights: cosine mmserve/Infinity text min {(t * ht).sum(1).min():.7f}, "
      f"image {(i * hi).sum(1).min():.7f}, max abs diff {max(abs(t - ht).max(), abs(i - hi).max()):.1e}",
      file=sys.stderr)
PY

wait_for() { # log pattern pid
  until grep -q "$2" "$1"; do
    kill -0 "$3" 2>/dev/null || { tail -n 20 "$1" >&2; echo "infinity.sh: a server exited" >&2; exit 1; }
    sleep 2
  done
}
declare -A stack_pid gateway_target
n=0
for precision in $PRECISIONS; do
  base=$((BASE + 20 * n)) n=$((n + 1))
  flags=(--model-pack "$PACK" --base-port "$base" --admin-base-port "$((base + 10))" --http-port "$((base + 9))")
  [[ $precision == int8 ]] && flags+=(--int8)
  # The load reaches one tower at a time, so each encoder gets every core, as Infinity's torch does; the
  # default split of `up` (cores shared by both towers) is measured with ENCODER_THREADS=split.
  [[ $ENCODER_THREADS != split ]] && flags+=(--encoder-flag "onnxruntime.intra-op-threads=$ENCODER_THREADS")
  ./mmserve up "${flags[@]}" >"$work/mmserve-$precision.log" 2>&1 &
  stack_pid[$precision]=$! gateway_target[$precision]=127.0.0.1:$base
  pids+=("$!")
  # one at a time: ./mmserve builds its jars when they are missing
  wait_for "$work/mmserve-$precision.log" "^mmserve ready" "${stack_pid[$precision]}"
done
"$INFINITY_VENV/bin/infinity_emb" v2 --model-id "$HF" --served-model-name clip --engine torch --device cpu \
  --batch-size 16 --host 127.0.0.1 --port "$INFINITY_PORT" --no-bettertransformer >"$work/infinity.log" 2>&1 &
infinity_pid=$!
pids+=("$infinity_pid")
wait_for "$work/infinity.log" "Uvicorn running" "$infinity_pid"
echo "infinity.sh: all servers ready" >&2

python3 bench/ghz_report.py prepare bench/ghz/embed-text.json "$IMAGE" "$work/text.json"
python3 bench/ghz_report.py prepare bench/ghz/embed-image.json "$IMAGE" "$work/image.json"
python3 - "$work/text.json" "$TEXT" <<'PY'
import json, sys
c = json.load(open(sys.argv[1])); c["data"]["texts"] = [sys.argv[2]]; json.dump(c, open(sys.argv[1], "w"))
PY
rows="$work/rows.tsv"
cpu() { python3 bench/infinity/proc_cpu.py "$1"; }
load_mmserve() { # precision modality concurrency -> "rps p50 p99 errors"
  "$ghz" --config "$work/$2.json" -c "$3" -z "$DURATION" --format json --output "$work/out.json" \
    --duration-stop ignore "${gateway_target[$1]}" >/dev/null 2>&1 || true
  python3 bench/ghz_report.py fields "$work/out.json"
}
load_infinity() { # modality concurrency
  local what=(--text "$TEXT")
  [[ $1 == image ]] && what=(--image "$IMAGE")
  python3 bench/infinity/http_load.py --url "http://127.0.0.1:$INFINITY_PORT/embeddings" --model clip "${what[@]}" \
    --concurrency "$2" --duration "$(secs "$DURATION")" --warmup 0 |
    python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["rps"], r["p50_ms"], r["p99_ms"], sum(r["errors"].values())); print("infinity.sh:   errors", r["errors"], file=sys.stderr) if r["errors"] else None'
}
measure() { # server precision modality concurrency
  local pid=$infinity_pid
  [[ $1 == mmserve ]] && pid=${stack_pid[$2]}
  # warm-up, not recorded
  if [[ $1 == mmserve ]]; then DURATION=$WARMUP load_mmserve "$2" "$3" "$4" >/dev/null; else DURATION=$WARMUP load_infinity "$3" "$4" >/dev/null; fi
  local load c0 c1 r
  load=$(cut -d' ' -f1 /proc/loadavg)
  c0=$(cpu "$pid")
  if [[ $1 == mmserve ]]; then r=$(load_mmserve "$2" "$3" "$4"); else r=$(load_infinity "$3" "$4"); fi
  c1=$(cpu "$pid")
  read -r rps p50 p99 errs <<<"$r"
  cpu_ms=$(python3 -c "print(f'{1000 * ($c1 - $c0) / ($rps * $(secs "$DURATION")):.1f}' if $rps > 0 else 'n/a')")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$1" "$2" "$3" "$4" "$rps" "$p50" "$p99" "$errs" \
    "$cpu_ms	$load" >>"$rows"
  echo "infinity.sh: round $round $1 $2 $3 c=$4: $rps items/s, p50 $p50 ms, p99 $p99 ms, errors $errs, $cpu_ms CPU ms/item, load $load" >&2
}
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
for round in $(seq 1 "$ROUNDS"); do
  for modality in text image; do
    for c in 16 1; do
      for precision in $PRECISIONS; do measure mmserve "$precision" "$modality" "$c"; done
      measure infinity fp32 "$modality" "$c"
    done
  done
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)
cleanup
pids=()
echo "infinity.sh: floor, ONNX Runtime in process, batch 16 ..." >&2
floor=$("$JAVA" -Djava.io.tmpdir="$work" -Dai.djl.offline=true -cp bench/jmh/target/benchmarks.jar \
  io.mmserve.bench.EncoderVariantBench --packs "$PACK" --precisions "${PRECISIONS// /,}" \
  --duration "$DURATION" --warmup 2s --rounds 1 2>/dev/null)
echo
echo "### Infinity run, $(date -u '+%F %H:%M') UTC"
echo
echo "- load average: $load_start at the start, $load_end at the end; command: \`DURATION=$DURATION WARMUP=$WARMUP ROUNDS=$ROUNDS bench/infinity.sh\`"
echo
echo "| round | server | precision | input | concurrency | items/s | p50 ms | p99 ms | errors | CPU ms/item | load |"
echo "| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
sed 's/\t/ | /g; s/^/| /; s/$/ |/' "$rows"
echo
echo "Floor (ONNX Runtime in process, batch 16, one thread calling):"
echo
echo '```'
echo "$floor"
echo '```'
