#!/usr/bin/env bash
# CPU per text of the serving path (issue 16): the gateway and the text encoder hop, in CPU
# microseconds per item from /proc, EmbedText at concurrency 64 with the bundled pack.
#
#   bench/serving_cpu.sh LABEL=JARDIR[:FLAGS] [LABEL=JARDIR[:FLAGS] ...]
#
# Each argument is a side: a folder holding gateway.jar and text-encoder-svc.jar ("." for this
# tree's gateway/target and text-encoder-svc/target) and service flags given to both services
# (space-separated, e.g. "--grpc.transport=nio"). For ROUNDS rounds (default 3), in turn for each
# side: start text-encoder-svc and the gateway on loopback (ports BASE_PORT, BASE_PORT+1; admin
# ADMIN_BASE_PORT, +1), warm up WARMUP seconds, measure DURATION seconds with
# io.mmserve.bench.GrpcLoad (closed loop, one text per EmbedText) reading both processes' CPU
# ticks per thread from /proc/PID/task (bench/thread_cpu.py), read the encoder's mmserve_batch_size,
# stop both (by PID). The CPU per text is split by thread: the encoder's model (its batcher thread
# and ONNX Runtime's threads), the JIT compilers (shown apart: they fall as the JVMs warm up), and
# the rest, which is the serving path ("hop": the gateway and the encoder less its model). The
# gateway's other backends (vision-encoder-svc, fusion-svc, gallery-svc) run once for the whole run
# from this tree's jars on BASE_PORT+2..4 and are not measured: without them the gateway would keep
# reconnecting to their ports (every 250 ms, BackendPool), 3-4% of its CPU. ONNX
# Runtime then runs the text encoder in-process at the mean batch size the encoder formed
# (io.mmserve.bench.OnnxBaseline) for reference. With PROFILE=1 a last round per side runs with JFR
# on both services during the measured window and prints each one's hottest methods (jfr view
# hot-methods, sampling every millisecond; the recordings are kept in JFR_DIR when set); with
# PROFILE=async that round runs async-profiler 4.1 instead (CPU samples every millisecond, Java,
# JVM and kernel frames, loaded into the running services with jcmd; the library comes from Maven
# into ~/.cache/mmserve on first use) and prints each service's share of samples by thread and by
# kind of frame and its hottest frames (bench/profile_top.py); the collapsed stacks and flame
# graphs are kept in PROFILE_DIR when set. Profiled rounds are not in the table.
#
# Environment: ROUNDS (3), WARMUP (45), DURATION (20), CONCURRENCY (64), PROFILE (0, 1 or async),
# ORT_INTRA_OP_THREADS (0: the services' default), BASE_PORT (28051), ADMIN_BASE_PORT (28091),
# BENCH_JAR (bench/jmh/target/benchmarks.jar).
set -euo pipefail
export JAVA_HOME="$("$(dirname "${BASH_SOURCE[0]}")/../.mvn/java-home.sh")"
export PATH="$JAVA_HOME/bin:$PATH"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

(($# > 0)) || { echo "usage: bench/serving_cpu.sh LABEL=JARDIR[:FLAGS] ..." >&2; exit 2; }
ROUNDS="${ROUNDS:-3}"
WARMUP="${WARMUP:-45}"
DURATION="${DURATION:-20}"
CONCURRENCY="${CONCURRENCY:-64}"
PROFILE="${PROFILE:-0}"
ORT_INTRA_OP_THREADS="${ORT_INTRA_OP_THREADS:-0}"
BASE_PORT="${BASE_PORT:-28051}"
ADMIN_BASE_PORT="${ADMIN_BASE_PORT:-28091}"
BENCH_JAR="${BENCH_JAR:-bench/jmh/target/benchmarks.jar}"
TEXT="a red circle next to a blue square"
GW_PORT=$BASE_PORT
TEXT_PORT=$((BASE_PORT + 1))
GW_ADMIN=$ADMIN_BASE_PORT
TEXT_ADMIN=$((ADMIN_BASE_PORT + 1))

work="$(mktemp -d)"
pids=()
others=()
stop_services() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=()
}
trap 'stop_services; for p in "${others[@]}"; do kill "$p" 2>/dev/null || true; done; wait; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

jar_of() { # dir module
  if [[ $1 == . ]]; then echo "$2/target/$2.jar"; else echo "$1/$2.jar"; fi
}

wait_healthy() { # admin ports...; every process in pids and others must stay alive
  local deadline=$((SECONDS + 180))
  for admin in "$@"; do
    until curl -fsS "http://127.0.0.1:$admin/healthz" >/dev/null 2>&1; do
      for pid in "${pids[@]}" "${others[@]}"; do
        kill -0 "$pid" 2>/dev/null || { tail -n 20 "$work"/*.log >&2; exit 1; }
      done
      ((SECONDS < deadline)) || { echo "serving_cpu.sh: not healthy" >&2; tail -n 20 "$work"/*.log >&2; exit 1; }
      sleep 0.5
    done
  done
}

start_others() { # the gateway's backends that are not measured, from this tree, for the whole run
  local svc i=2
  for svc in vision-encoder-svc fusion-svc gallery-svc; do
    local extra="--model.packs=models/shapes-clip"
    [[ $svc == gallery-svc ]] && extra="--data.dir=$work/gallery"
    java -jar "$svc/target/$svc.jar" --grpc.host=127.0.0.1 --admin.host=127.0.0.1 \
      --grpc.port=$((BASE_PORT + i)) --admin.port=$((ADMIN_BASE_PORT + i)) $extra >"$work/$svc.log" 2>&1 &
    others+=($!)
    i=$((i + 1))
  done
  wait_healthy $((ADMIN_BASE_PORT + 2)) $((ADMIN_BASE_PORT + 3)) $((ADMIN_BASE_PORT + 4))
}

start_side() { # jardir flags
  local dir=$1 flags=$2
  # shellcheck disable=SC2086  # flags is a list
  java -jar "$(jar_of "$dir" text-encoder-svc)" --grpc.host=127.0.0.1 --admin.host=127.0.0.1 \
    --grpc.port=$TEXT_PORT --admin.port=$TEXT_ADMIN --model.packs=models/shapes-clip \
    --onnxruntime.intra-op-threads=$ORT_INTRA_OP_THREADS $flags >"$work/text.log" 2>&1 &
  pids+=($!)
  # shellcheck disable=SC2086
  java -jar "$(jar_of "$dir" gateway)" --grpc.host=127.0.0.1 --admin.host=127.0.0.1 \
    --grpc.port=$GW_PORT --admin.port=$GW_ADMIN --text-encoder.target=127.0.0.1:$TEXT_PORT \
    --vision-encoder.target=127.0.0.1:$((BASE_PORT + 2)) --fusion.target=127.0.0.1:$((BASE_PORT + 3)) \
    --gallery.target=127.0.0.1:$((BASE_PORT + 4)) $flags >"$work/gateway.log" 2>&1 &
  pids+=($!)
  wait_healthy $TEXT_ADMIN $GW_ADMIN
}

grpc_load() { # seconds warmup [extra]
  java -cp "$BENCH_JAR" io.mmserve.bench.GrpcLoad --target "127.0.0.1:$GW_PORT" --call embed-text \
    --text "$TEXT" --concurrency "$CONCURRENCY" --duration "$1s" --warmup "$2s" "${@:3}"
}

batch_totals() { # admin port -> "sum count" of mmserve_batch_size
  curl -fsS "http://127.0.0.1:$1/metrics" | awk '
    /^mmserve_batch_size_sum/ {s += $NF} /^mmserve_batch_size_count/ {c += $NF}
    END {printf "%.0f %.0f\n", s, c}'
}

run_side() { # label dir flags round profile
  local label=$1 dir=$2 flags=$3 round=$4 profile=$5
  start_side "$dir" "$flags"
  local text_pid=${pids[0]} gw_pid=${pids[1]}
  echo "serving_cpu.sh: $label round $round (pids $text_pid $gw_pid) ..." >&2
  grpc_load "$WARMUP" 0 >/dev/null
  if [[ $profile == 1 ]]; then
    jcmd "$text_pid" JFR.start name=hop settings=profile method-profiling=max >/dev/null
    jcmd "$gw_pid" JFR.start name=hop settings=profile method-profiling=max >/dev/null
  elif [[ $profile == async ]]; then # jcmd reads key=value as its own option unless quoted
    jcmd "$text_pid" JVMTI.agent_load "$ASYNC_LIB" '"start,event=cpu,interval=1ms,threads"' >/dev/null
    jcmd "$gw_pid" JVMTI.agent_load "$ASYNC_LIB" '"start,event=cpu,interval=1ms,threads"' >/dev/null
  fi
  local s0 c0 s1 c1 out load
  read -r s0 c0 < <(batch_totals $TEXT_ADMIN)
  load="$(cut -d' ' -f1 /proc/loadavg)"
  python3 bench/thread_cpu.py snapshot "$text_pid" "$gw_pid" >"$work/threads0.json"
  out="$(grpc_load "$DURATION" 1 --cpu-pids "$text_pid,$gw_pid")"
  python3 bench/thread_cpu.py snapshot "$text_pid" "$gw_pid" >"$work/threads1.json"
  read -r s1 c1 < <(batch_totals $TEXT_ADMIN)
  local requests threads
  requests="$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["requests"])' "$out")"
  threads="$(python3 bench/thread_cpu.py diff "$work/threads0.json" "$work/threads1.json" "$requests" |
    paste -sd, -)"
  if [[ $profile == 1 ]]; then
    jcmd "$text_pid" JFR.stop name=hop filename="$work/$label-text.jfr" >/dev/null
    jcmd "$gw_pid" JFR.stop name=hop filename="$work/$label-gateway.jfr" >/dev/null
  elif [[ $profile == async ]]; then
    for svc in text gateway; do
      local pid=$text_pid
      [[ $svc == gateway ]] && pid=$gw_pid
      jcmd "$pid" JVMTI.agent_load "$ASYNC_LIB" "\"dump,file=$work/$label-$svc.html,flamegraph\"" >/dev/null
      jcmd "$pid" JVMTI.agent_load "$ASYNC_LIB" "\"stop,file=$work/$label-$svc.collapsed,collapsed\"" >/dev/null
    done
  else
    echo "{\"label\": \"$label\", \"round\": $round, \"load\": $load, \"items\": $((s1 - s0)), \"calls\": $((c1 - c0)), \"threads\": [$threads], ${out#\{}" \
      >>"$work/results.jsonl"
  fi
  stop_services
}

async_profiler() { # the agent library, from Maven into ~/.cache on first use
  local version=4.1 arch
  case "$(uname -m)" in x86_64) arch=linux-x64 ;; aarch64) arch=linux-arm64 ;; *) return 1 ;; esac
  local dir=$HOME/.cache/mmserve/async-profiler-$version
  if [[ ! -f $dir/$arch/libasyncProfiler.so ]]; then
    ./mvnw -B -q dependency:get -Dartifact=tools.profiler:async-profiler:$version >&2
    mkdir -p "$dir"
    unzip -o -q "$HOME/.m2/repository/tools/profiler/async-profiler/$version/async-profiler-$version.jar" \
      "$arch/*" -d "$dir"
  fi
  echo "$dir/$arch/libasyncProfiler.so"
}
ASYNC_LIB=""
if [[ $PROFILE == async ]]; then ASYNC_LIB="$(async_profiler)"; fi

start_others
sides=("$@")
for round in $(seq "$ROUNDS"); do
  for side in "${sides[@]}"; do
    label=${side%%=*} rest=${side#*=}
    dir=${rest%%:*} flags=""
    [[ $rest == *:* ]] && flags=${rest#*:}
    run_side "$label" "$dir" "$flags" "$round" 0
  done
done

[[ -s $work/results.jsonl ]] || ROUNDS=0
if ((ROUNDS > 0)); then
mean_batch=$(python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
items = sum(r["items"] for r in rows); calls = sum(r["calls"] for r in rows)
print(max(1, round(items / calls)) if calls else 1)' "$work/results.jsonl")
echo "serving_cpu.sh: in-process ONNX Runtime, batch $mean_batch ..." >&2
model="$(java -cp "$BENCH_JAR" io.mmserve.bench.OnnxBaseline --encoder text --batch "$mean_batch" \
  --intra-op-threads "$ORT_INTRA_OP_THREADS" --duration "${DURATION}s" --warmup "${WARMUP}s" 2>/dev/null)"

python3 - "$work/results.jsonl" "$model" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
model = json.loads(sys.argv[2])
model_us = model["cpu_ms_per_item"] * 1000
print(f"model (ONNX Runtime in-process, batch {model['batch'] if 'batch' in model else '?'}): "
      f"{model_us:.0f} CPU us per text\n")
print("CPU us per text by thread group (bench/thread_cpu.py): io = gRPC event loops and call executor, "
      "model = the batcher and ONNX Runtime threads, jit = the JIT compilers; hop = gateway + encoder "
      "less its model, without jit (jit falls as the JVMs warm up; it is shown on its own)\n")
print("| side | round | load | texts/s | p50 ms | errors | texts per encoder call "
      "| gateway us/text (jit) | encoder io + other us/text (jit) | encoder model us/text | hop total us/text |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
by = {}
for r in rows:
    enc, gw = r["threads"]
    errors = sum(r["errors"].values())
    per_call = r["items"] / r["calls"] if r["calls"] else float("nan")
    gw_us = gw["io"] + gw["other"] + gw["gc"] + gw["model"]
    hop_enc = enc["io"] + enc["other"] + enc["gc"]
    by.setdefault(r["label"], []).append((gw_us, hop_enc, gw_us + hop_enc, r["rps"], enc["model"]))
    print(f"| {r['label']} | {r['round']} | {r['load']} | {r['rps']:.0f} | {r['p50_ms']:.1f} | {errors} "
          f"| {per_call:.1f} | {gw_us:.0f} ({gw['jit']:.0f}) | {hop_enc:.0f} ({enc['jit']:.0f}) "
          f"| {enc['model']:.0f} | {gw_us + hop_enc:.0f} |")
print()
print("| side | median gateway us/text | median encoder hop us/text | median hop total us/text "
      "| median encoder model us/text | median texts/s |")
print("| --- | ---: | ---: | ---: | ---: | ---: |")
for label, v in by.items():
    med = lambda i: statistics.median(x[i] for x in v)
    print(f"| {label} | {med(0):.0f} | {med(1):.0f} | {med(2):.0f} | {med(4):.0f} | {med(3):.0f} |")
PY
fi

if [[ $PROFILE == 1 || $PROFILE == async ]]; then
  for side in "${sides[@]}"; do
    label=${side%%=*} rest=${side#*=}
    dir=${rest%%:*} flags=""
    [[ $rest == *:* ]] && flags=${rest#*:}
    run_side "$label" "$dir" "$flags" profile "$PROFILE"
    for svc in gateway text; do
      echo
      if [[ $PROFILE == 1 ]]; then
        echo "JFR hot methods, $label, $svc:"
        jfr view --width 150 hot-methods "$work/$label-$svc.jfr" | head -n 30
        [[ -z ${JFR_DIR:-} ]] || cp "$work/$label-$svc.jfr" "$JFR_DIR/"
      else
        echo "async-profiler, $label, $svc:"
        python3 bench/profile_top.py "$work/$label-$svc.collapsed" 25
        if [[ $svc == text ]]; then # the model dominates: the serving path on its own
          echo "async-profiler, $label, $svc, gRPC threads only:"
          python3 bench/profile_top.py "$work/$label-$svc.collapsed" 25 grpc- | tail -n +10
        fi
        [[ -z ${PROFILE_DIR:-} ]] || cp "$work/$label-$svc.collapsed" "$work/$label-$svc.html" "$PROFILE_DIR/"
      fi
    done
  done
fi
