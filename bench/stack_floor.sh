#!/usr/bin/env bash
# The full stack against ONNX Runtime in process on the same model files (issue 16: "full stack at least 0.95
# of in-process ONNX Runtime"), and where the difference goes: the batch the stack forms, and the rest.
#
#   bench/stack_floor.sh LABEL[:UP_FLAGS] [LABEL[:UP_FLAGS] ...]
#
# Each argument is a side: `./mmserve up` options (space-separated) beside the pack's, e.g.
#   bench/stack_floor.sh default "inflight1:--gateway-flag batching.text.max-in-flight=1"
# For ROUNDS rounds, in turn for each side and input (MODALITIES): start `./mmserve up --model-pack PACK` on
# loopback (each encoder with ENCODER_THREADS intra-op threads, as bench/infinity.sh), ghz at CONCURRENCY
# (EmbedText with one 14-token caption, EmbedImage with bench/data/photo_640x480.jpg) for WARMUP, not recorded,
# then DURATION recorded: items/s, p50, errors, CPU ms per item of the stack's whole process tree (from /proc,
# bench/infinity/proc_cpu.py) and of its services' threads by kind (bench/thread_cpu.py: model = the batchers and
# ONNX Runtime's threads, jit = the JIT compilers, io = gRPC threads, prep = the vision encoder's image-prepare
# threads that decode and preprocess, rest = GC and the others), and
# the items per model call the encoder formed (its mmserve_batch_size); stop the stack. Then the floor: ONNX Runtime in process (EncoderVariantBench) at batch 16 for each of FLOORS
# ("CALLERSxTHREADS": threads calling the model at once, each call on that many intra-op threads), and with the
# first of FLOORS at each batch the stack formed (rounded); the table gives the stack's items/s over the best
# floor at batch 16 and over the floor at its own batch. A side whose flags set onnxruntime.intra-op-threads
# replaces ENCODER_THREADS.
#
# Environment: PACK (~/.cache/mmserve/clip-vit-b-32; bench/infinity.sh builds it), PRECISION (fp32 or int8),
# MODALITIES ("text image"), CONCURRENCY (16), WARMUP (10s), DURATION (30s), ROUNDS (2),
# ENCODER_THREADS (nproc), FLOORS ("1xENCODER_THREADS"), BASE_PORT (27051; admin BASE_PORT+20).
set -euo pipefail
cd "$(dirname "$0")/.."
PACK=${PACK:-$HOME/.cache/mmserve/clip-vit-b-32}
PRECISION=${PRECISION:-fp32}
MODALITIES=${MODALITIES:-text image}
CONCURRENCY=${CONCURRENCY:-16}
WARMUP=${WARMUP:-10s}
DURATION=${DURATION:-30s}
ROUNDS=${ROUNDS:-2}
ENCODER_THREADS=${ENCODER_THREADS:-$(nproc)}
FLOORS=${FLOORS:-1x$ENCODER_THREADS}
BASE_PORT=${BASE_PORT:-27051}
ADMIN=$((BASE_PORT + 20))
IMAGE=bench/data/photo_640x480.jpg
TEXT="a photo of a cat sitting on a sofa next to a window"
JAVA=${JAVA:-$(.mvn/java-home.sh)/bin/java}
(($# > 0)) || { echo "usage: bench/stack_floor.sh LABEL[:UP_FLAGS] ..." >&2; exit 2; }
grep -q int8_file "$PACK/model.json" 2>/dev/null ||
  { echo "stack_floor.sh: no pack in $PACK (bench/infinity.sh builds it)" >&2; exit 2; }
[[ -f bench/jmh/target/benchmarks.jar ]] || ./mvnw -B -o -q package -DskipTests -pl bench/jmh -am
ghz="$(bench/install-ghz.sh)"
work="$(mktemp -d)"
stack=""
stop_stack() {
  [[ -n $stack ]] || return 0
  kill -TERM "$stack" 2>/dev/null || true
  wait "$stack" 2>/dev/null || true
  stack=""
}
trap 'stop_stack; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

python3 bench/ghz_report.py prepare bench/ghz/embed-text.json "$IMAGE" "$work/text.json"
python3 bench/ghz_report.py prepare bench/ghz/embed-image.json "$IMAGE" "$work/image.json"
python3 - "$work/text.json" "$TEXT" <<'PY'
import json, sys
c = json.load(open(sys.argv[1])); c["data"]["texts"] = [sys.argv[2]]; json.dump(c, open(sys.argv[1], "w"))
PY

batch_totals() { # admin port -> "sum count" of mmserve_batch_size
  curl -fsS "http://127.0.0.1:$1/metrics" | awk '
    /^mmserve_batch_size_sum/ {s += $NF} /^mmserve_batch_size_count/ {c += $NF}
    END {printf "%.0f %.0f\n", s, c}'
}

ghz_run() { # modality duration -> "rps p50 p99 errors"
  "$ghz" --config "$work/$1.json" -c "$CONCURRENCY" -z "$2" --format json --output "$work/out.json" \
    --duration-stop ignore "127.0.0.1:$BASE_PORT" >/dev/null 2>&1 || true
  python3 bench/ghz_report.py fields "$work/out.json"
}

measure() { # label flags modality round
  local flags=(--model-pack "$PACK" --base-port "$BASE_PORT" --admin-base-port "$ADMIN" --http-port $((BASE_PORT + 9)))
  [[ $2 == *intra-op-threads* ]] || flags+=(--encoder-flag "onnxruntime.intra-op-threads=$ENCODER_THREADS")
  [[ $PRECISION == int8 ]] && flags+=(--int8)
  # shellcheck disable=SC2206  # the side's flags are a list
  flags+=($2)
  ./mmserve up "${flags[@]}" >"$work/up.log" 2>&1 &
  stack=$!
  until grep -q "^mmserve ready" "$work/up.log"; do
    kill -0 "$stack" 2>/dev/null || { tail -n 20 "$work/up.log" >&2; echo "stack_floor.sh: the stack exited" >&2; exit 1; }
    sleep 1
  done
  local admin=$((ADMIN + 1)) # the text encoder's admin port; the vision encoder's is next
  [[ $3 == image ]] && admin=$((ADMIN + 2))
  ghz_run "$3" "$WARMUP" >/dev/null
  local s0 c0 s1 c1 cpu0 cpu1 load r services
  services=$(pgrep -P "$stack" | paste -sd' ')
  load=$(cut -d' ' -f1 /proc/loadavg)
  read -r s0 c0 < <(batch_totals $admin)
  cpu0=$(python3 bench/infinity/proc_cpu.py "$stack")
  # shellcheck disable=SC2086  # services is a list of PIDs
  python3 bench/thread_cpu.py snapshot $services >"$work/threads0.json"
  r=$(ghz_run "$3" "$DURATION")
  # shellcheck disable=SC2086
  python3 bench/thread_cpu.py snapshot $services >"$work/threads1.json"
  cpu1=$(python3 bench/infinity/proc_cpu.py "$stack")
  read -r s1 c1 < <(batch_totals $admin)
  stop_stack
  read -r rps p50 _ errs <<<"$r"
  local items
  items=$(python3 -c "print(round($rps * ${DURATION%s}))")
  python3 bench/thread_cpu.py diff "$work/threads0.json" "$work/threads1.json" "$((items > 0 ? items : 1))" \
    >"$work/threads.jsonl"
  python3 - "$1" "$3" "$4" "$load" "$rps" "$p50" "$errs" "$((s1 - s0))" "$((c1 - c0))" "$cpu0" "$cpu1" \
    "${DURATION%s}" "$work/threads.jsonl" >>"$work/rows.jsonl" <<'PY'
import json, sys
label, modality, rnd, load, rps, p50, errs, items, calls, cpu0, cpu1, secs, threads = sys.argv[1:]
rps = float(rps)
groups = {"model": 0.0, "jit": 0.0, "io": 0.0, "prep": 0.0, "rest": 0.0}
for line in open(threads):  # us per item, summed over the services
    t = json.loads(line)
    for g in ("model", "jit", "io", "prep"):
        groups[g] += t[g] / 1000
    groups["rest"] += (t["gc"] + t["other"]) / 1000
print(json.dumps({"label": label, "modality": modality, "round": int(rnd), "load": float(load), "rps": rps,
                  "p50": float(p50), "errors": int(errs), "batch": int(items) / int(calls) if int(calls) else 0,
                  "cpu_ms": 1000 * (float(cpu1) - float(cpu0)) / (rps * float(secs)) if rps else 0,
                  "threads_ms": groups}))
PY
  tail -n 1 "$work/rows.jsonl" >&2
}

for round in $(seq "$ROUNDS"); do
  for side in "$@"; do
    for modality in $MODALITIES; do measure "${side%%:*}" "$([[ $side == *:* ]] && echo "${side#*:}")" "$modality" "$round"; done
  done
done

floor() { # encoder batch CALLERSxTHREADS -> one JSON line
  "$JAVA" -Djava.io.tmpdir="$work" -Dai.djl.offline=true -cp bench/jmh/target/benchmarks.jar \
    io.mmserve.bench.EncoderVariantBench --packs "$PACK" --precisions "$PRECISION" --encoders "$1" \
    --batch "$2" --callers "${3%x*}" --intra-op-threads "${3#*x}" --duration "$DURATION" --warmup 5s \
    --rounds 1 2>/dev/null
}
first_floor=${FLOORS%% *}
for modality in $MODALITIES; do
  encoder=$([[ $modality == text ]] && echo text || echo vision)
  for f in $FLOORS; do
    echo "stack_floor.sh: floor, $encoder, batch 16, $f ..." >&2
    floor "$encoder" 16 "$f" >>"$work/floor.jsonl"
  done
  for b in $(python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print(" ".join(sorted({str(max(1, round(r["batch"]))) for r in rows if r["modality"] == sys.argv[2]} - {"16"})))' \
    "$work/rows.jsonl" "$modality"); do
    echo "stack_floor.sh: floor, $encoder, batch $b, $first_floor ..." >&2
    floor "$encoder" "$b" "$first_floor" >>"$work/floor.jsonl"
  done
done

python3 - "$work/rows.jsonl" "$work/floor.jsonl" "$PRECISION" "$CONCURRENCY" "$first_floor" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
floors = [json.loads(l) for l in open(sys.argv[2])]
precision, concurrency, first = sys.argv[3], sys.argv[4], sys.argv[5]
config = lambda f: f"{f['callers']}x{f['intra_op_threads']}"
floor = {(f["encoder"], f["batch"]): f for f in floors if config(f) == first}
best16 = {}
for f in floors:
    if f["batch"] == 16:
        best16[f["encoder"]] = max(best16.get(f["encoder"], 0), f["items_per_s"])
print(f"Floor (ONNX Runtime in process, {precision}; callers x intra-op threads):\n")
print("| encoder | batch | callers x threads | items/s | CPU ms/item |\n| --- | ---: | --- | ---: | ---: |")
for f in floors:
    print(f"| {f['encoder']} | {f['batch']} | {config(f)} | {f['items_per_s']:.1f} | {f['cpu_ms_per_item']:.1f} |")
print(f"\nFull stack, concurrency {concurrency}, {precision}:\n")
print("| side | input | round | load | items/s | p50 ms | errors | items per model call | CPU ms/item "
      "| model / jit / io / prep / rest ms/item | / best floor at batch 16 | / floor at its batch |")
print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |")
for r in rows:
    enc = "text" if r["modality"] == "text" else "vision"
    f16 = best16[enc]
    own = floor.get((enc, max(1, round(r["batch"]))))
    ratio_own = f"{r['rps'] / own['items_per_s']:.2f}" if own else "n/a"
    split = " / ".join("%.2f" % r["threads_ms"][g] for g in ("model", "jit", "io", "prep", "rest"))
    print(f"| {r['label']} | {r['modality']} | {r['round']} | {r['load']} | {r['rps']:.1f} | {r['p50']:.0f} "
          f"| {r['errors']} | {r['batch']:.1f} | {r['cpu_ms']:.1f} "
          f"| {split} "
          f"| {r['rps'] / f16:.2f} | {ratio_own} |")
PY
