#!/usr/bin/env bash
# Vision encoder thread settings on CLIP ViT-B/32 (issue 16, "Vision threads on ViT-B/32" in
# docs/benchmarks.md), in one command:
#
#   bench/vision_threads.sh            (PRECISION=int8 DURATION=20s WARMUP=5s ROUNDS=3 CONCURRENCY=16)
#
# Starts three `./mmserve up --model-pack PACK` stacks at once on loopback, each with other
# --vision-flag thread settings (A: 2 intra-op threads, 2 preparation threads; B: 2 and 1; C: 1 and 1,
# up's split on 2 cores), then for ROUNDS rounds measures each in turn with ghz EmbedImage (the
# 640x480 JPEG) at CONCURRENCY: images/s, p50, p99, errors, and the CPU ms per image of the whole
# stack (launcher and every service, from /proc) over the images answered. PACK defaults to the
# cache bench/infinity.sh builds (~/.cache/mmserve/clip-vit-b-32). Stacks are stopped at exit.
set -euo pipefail
cd "$(dirname "$0")/.."
PACK=${PACK:-$HOME/.cache/mmserve/clip-vit-b-32}
PRECISION=${PRECISION:-int8}
DURATION=${DURATION:-20s}
WARMUP=${WARMUP:-5s}
ROUNDS=${ROUNDS:-3}
CONCURRENCY=${CONCURRENCY:-16}
BASE=29100
[[ -f $PACK/model.json ]] || { echo "vision_threads.sh: no pack at $PACK (bench/infinity.sh builds it)" >&2; exit 1; }
ghz="$(bench/install-ghz.sh)"
work="$(mktemp -d)"
declare -A config=(
  [A]="onnxruntime.intra-op-threads=2 preprocess.threads=2"
  [B]="onnxruntime.intra-op-threads=2 preprocess.threads=1"
  [C]="onnxruntime.intra-op-threads=1 preprocess.threads=1")
declare -A pid port
pids=()
cleanup() { for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
python3 bench/ghz_report.py prepare bench/ghz/embed-image.json bench/data/photo_640x480.jpg "$work/image.json"
n=0
for k in A B C; do
  base=$((BASE + 20 * n)) n=$((n + 1))
  flags=(--model-pack "$PACK" --base-port "$base" --admin-base-port "$((base + 10))" --http-port "$((base + 9))")
  [[ $PRECISION == int8 ]] && flags+=(--int8)
  for setting in ${config[$k]}; do flags+=(--vision-flag "$setting"); done
  ./mmserve up "${flags[@]}" >"$work/up-$k.log" 2>&1 &
  pid[$k]=$! port[$k]=$base
  pids+=("$!")
  until grep -q "^mmserve ready" "$work/up-$k.log"; do
    kill -0 "${pid[$k]}" 2>/dev/null || { tail -n 20 "$work/up-$k.log" >&2; exit 1; }
    sleep 2
  done
done
echo "| configuration (vision encoder) | round | images/s | p50 ms | p99 ms | errors | CPU ms per image | load |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for round in $(seq 1 "$ROUNDS"); do
  for k in A B C; do
    "$ghz" --config "$work/image.json" -c "$CONCURRENCY" -z "$WARMUP" --duration-stop ignore \
      "127.0.0.1:${port[$k]}" >/dev/null 2>&1 || true
    c0=$(python3 bench/infinity/proc_cpu.py "${pid[$k]}")
    "$ghz" --config "$work/image.json" -c "$CONCURRENCY" -z "$DURATION" --duration-stop ignore \
      --format json --output "$work/out.json" "127.0.0.1:${port[$k]}" >/dev/null 2>&1 || true
    c1=$(python3 bench/infinity/proc_cpu.py "${pid[$k]}")
    python3 - "$work/out.json" "$c0" "$c1" "$k: ${config[$k]}" "$round" "$(cut -d' ' -f1 /proc/loadavg)" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
lat = {d["percentage"]: d["latency"] / 1e6 for d in r.get("latencyDistribution") or []}
errors = sum(v for k, v in r.get("statusCodeDistribution", {}).items() if k != "OK")
answered = max(r["count"] - errors, 1)
cpu_ms = 1000 * (float(sys.argv[3]) - float(sys.argv[2])) / answered
print(f'| {sys.argv[4]} | {sys.argv[5]} | {r["rps"]:.2f} | {lat.get(50, 0):.0f} | {lat.get(99, 0):.0f} | {errors} '
      f'| {cpu_ms:.1f} | {sys.argv[6]} |', flush=True)
PY
  done
done
