#!/usr/bin/env bash
# Serving benchmarks, in one run: gateway overhead at concurrency 1 and serving efficiency at
# concurrency 32 against ONNX Runtime called in-process (see docs/benchmarks.md).
#
#   bench/serving.sh [--no-record]
#
# Starts text-encoder-svc, vision-encoder-svc and the gateway from their jars (built if missing) on
# loopback ports 28751-56053 (admin 28791-59093), waits until each reports healthy, drives them
# with io.mmserve.bench.GrpcLoad, runs io.mmserve.bench.OnnxBaseline with the mean batch size the
# encoders formed, stops the services (by PID) and prints a markdown section that is appended to
# docs/benchmarks.md (unless --no-record).
#
# Environment: OVERHEAD_SECONDS (default 10: each concurrency-1 measurement; 3 rounds alternating
# direct and gateway calls), LOAD_SECONDS (default 15: each concurrency-32 load and each in-process
# baseline; 2 rounds alternating), WARMUP_SECONDS (default 5),
# SERVICE_WARMUP_SECONDS (default 20: unrecorded load per call before measuring), ORT_INTRA_OP_THREADS
# (default 0, the services' default: onnxruntime.intra-op-threads for both encoders and the in-process
# baseline), BASE_PORT (default 28751), ADMIN_BASE_PORT (default 28791), MMSERVE_JAVA_OPTS (service
# JVM flags).
set -euo pipefail
# Java 25, the JDK mmserve builds and runs on (.mvn/java-home.sh says what to install when it is missing)
export JAVA_HOME="$("$(dirname "${BASH_SOURCE[0]}")/../.mvn/java-home.sh")"
export PATH="$JAVA_HOME/bin:$PATH"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

record=1
for arg in "$@"; do
  case "$arg" in
    --no-record) record=0 ;;
    *) echo "usage: bench/serving.sh [--no-record]" >&2; exit 2 ;;
  esac
done

OVERHEAD_SECONDS="${OVERHEAD_SECONDS:-10}"
LOAD_SECONDS="${LOAD_SECONDS:-15}"
WARMUP_SECONDS="${WARMUP_SECONDS:-5}"
SERVICE_WARMUP_SECONDS="${SERVICE_WARMUP_SECONDS:-20}"
ORT_INTRA_OP_THREADS="${ORT_INTRA_OP_THREADS:-0}"
BASE_PORT="${BASE_PORT:-28751}"
ADMIN_BASE_PORT="${ADMIN_BASE_PORT:-28791}"
PYTHON="${PYTHON:-python3}"

GATEWAY_PORT=$BASE_PORT
TEXT_PORT=$((BASE_PORT + 1))
VISION_PORT=$((BASE_PORT + 2))
GATEWAY_ADMIN=$ADMIN_BASE_PORT
TEXT_ADMIN=$((ADMIN_BASE_PORT + 1))
VISION_ADMIN=$((ADMIN_BASE_PORT + 2))

BENCH_JAR=bench/jmh/target/benchmarks.jar
TEXT_JAR=text-encoder-svc/target/text-encoder-svc.jar
VISION_JAR=vision-encoder-svc/target/vision-encoder-svc.jar
GATEWAY_JAR=gateway/target/gateway.jar
PHOTO=bench/data/photo_640x480.jpg
SMALL=bench/data/photo_64x64.jpg
TEXT="a red circle next to a blue square"

missing=()
[[ -f $TEXT_JAR ]] || missing+=(text-encoder-svc)
[[ -f $VISION_JAR ]] || missing+=(vision-encoder-svc)
[[ -f $GATEWAY_JAR ]] || missing+=(gateway)
[[ -f $BENCH_JAR ]] || missing+=(bench/jmh)
if ((${#missing[@]})); then
  modules="$(IFS=,; echo "${missing[*]}")"
  echo "serving.sh: building $modules ..." >&2
  ./mvnw -B package -pl "$modules" -am -DskipTests -DskipITs -Dspotless.check.skip=true >&2
fi

for port in $GATEWAY_PORT $TEXT_PORT $VISION_PORT $GATEWAY_ADMIN $TEXT_ADMIN $VISION_ADMIN; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "serving.sh: port $port is in use; set BASE_PORT / ADMIN_BASE_PORT" >&2
    exit 1
  fi
done

work="$(mktemp -d)"
pids=()
stop_services() {
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  pids=()
}
trap 'stop_services; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

machine="$(bench/machine.sh)"

start() { # name jar flags...
  local name=$1 jar=$2
  shift 2
  # shellcheck disable=SC2086  # MMSERVE_JAVA_OPTS is a list of flags
  java ${MMSERVE_JAVA_OPTS:-} -jar "$jar" --grpc.host=127.0.0.1 --admin.host=127.0.0.1 "$@" \
    >"$work/$name.log" 2>&1 &
  pids+=($!)
  echo "serving.sh: started $name (pid $!), log $work/$name.log" >&2
}

start text-encoder-svc "$TEXT_JAR" --grpc.port=$TEXT_PORT --admin.port=$TEXT_ADMIN \
  --model.packs=models/shapes-clip --onnxruntime.intra-op-threads=$ORT_INTRA_OP_THREADS
start vision-encoder-svc "$VISION_JAR" --grpc.port=$VISION_PORT --admin.port=$VISION_ADMIN \
  --model.packs=models/shapes-clip --onnxruntime.intra-op-threads=$ORT_INTRA_OP_THREADS
start gateway "$GATEWAY_JAR" --grpc.port=$GATEWAY_PORT --admin.port=$GATEWAY_ADMIN \
  --text-encoder.target=127.0.0.1:$TEXT_PORT --vision-encoder.target=127.0.0.1:$VISION_PORT \
  --fusion.target=127.0.0.1:$((BASE_PORT + 3))

deadline=$((SECONDS + 240))
for admin in $TEXT_ADMIN $VISION_ADMIN $GATEWAY_ADMIN; do
  until curl -fsS "http://127.0.0.1:$admin/healthz" >/dev/null 2>&1; do
    for pid in "${pids[@]}"; do
      if ! kill -0 "$pid" 2>/dev/null; then
        echo "serving.sh: a service exited during start-up; its log:" >&2
        tail -n 30 "$work"/*.log >&2
        exit 1
      fi
    done
    if ((SECONDS > deadline)); then
      echo "serving.sh: services not healthy after 240 s" >&2
      tail -n 30 "$work"/*.log >&2
      exit 1
    fi
    sleep 1
  done
done
echo "serving.sh: all services healthy" >&2

cpu_ticks() { # pid -> user + system CPU time in clock ticks (/proc/PID/stat fields 14 and 15)
  sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'
}
TICKS_PER_S=$(getconf CLK_TCK)
TEXT_PID=${pids[0]}
VISION_PID=${pids[1]}
GATEWAY_PID=${pids[2]}

load() { # label target call concurrency seconds [extra GrpcLoad flags...]
  local label=$1 target=$2 call=$3 concurrency=$4 seconds=$5
  shift 5
  echo "serving.sh: $label ..." >&2
  local out t0 v0 g0
  out="$(java -cp "$BENCH_JAR" io.mmserve.bench.GrpcLoad --target "127.0.0.1:$target" \
    --call "$call" --concurrency "$concurrency" --duration "${seconds}s" \
    --warmup "${WARMUP_SECONDS}s" --cpu-pids "$TEXT_PID,$VISION_PID,$GATEWAY_PID" "$@")"
  echo "{\"label\": \"$label\", ${out#\{}" | tee -a "$work/results.jsonl" >&2
}

batch_totals() { # admin-port -> "sum count" of mmserve_batch_size over all its series
  curl -fsS "http://127.0.0.1:$1/metrics" | awk '
    /^mmserve_batch_size_sum/ {s += $NF} /^mmserve_batch_size_count/ {c += $NF}
    END {printf "%.0f %.0f\n", s, c}'
}

# 0. Warm the services up (JIT compilation, connection set-up, ONNX Runtime's first runs): every
#    measured call at concurrency 4, unrecorded.
for spec in "$TEXT_PORT encode-text" "$GATEWAY_PORT embed-text" "$VISION_PORT encode-image" \
  "$GATEWAY_PORT embed-image"; do
  read -r port call <<<"$spec"
  echo "serving.sh: warming up $call on port $port ..." >&2
  java -cp "$BENCH_JAR" io.mmserve.bench.GrpcLoad --target "127.0.0.1:$port" --call "$call" \
    --concurrency 4 --duration "${SERVICE_WARMUP_SECONDS}s" --warmup 0s --text "$TEXT" \
    --image "$PHOTO" >/dev/null
done

# 1. Gateway overhead at concurrency 1: direct and through the gateway, alternating, 3 rounds.
for round in 1 2 3; do
  load "text direct $round" $TEXT_PORT encode-text 1 "$OVERHEAD_SECONDS" --text "$TEXT"
  load "text gateway $round" $GATEWAY_PORT embed-text 1 "$OVERHEAD_SECONDS" --text "$TEXT"
  load "image direct $round" $VISION_PORT encode-image 1 "$OVERHEAD_SECONDS" --image "$PHOTO"
  load "image gateway $round" $GATEWAY_PORT embed-image 1 "$OVERHEAD_SECONDS" --image "$PHOTO"
done

# 2. Serving efficiency: concurrency 32 through the gateway, then ONNX Runtime in-process with the
#    mean batch size the encoder formed during that load; alternating, 2 rounds per load.
efficiency() { # label admin-port call encoder [GrpcLoad flags...]
  local label=$1 admin=$2 call=$3 encoder=$4
  shift 4
  local round sum0 count0 sum1 count1 mean
  for round in 1 2; do
    read -r sum0 count0 < <(batch_totals "$admin")
    load "$label $round" $GATEWAY_PORT "$call" 32 "$LOAD_SECONDS" "$@"
    read -r sum1 count1 < <(batch_totals "$admin")
    mean=$(awk -v s=$((sum1 - sum0)) -v c=$((count1 - count0)) \
      'BEGIN {m = c > 0 ? s / c : 32; printf "%d", (m < 1 ? 1 : m + 0.5)}')
    echo "{\"label\": \"$label batches $round\", \"items\": $((sum1 - sum0)), \"calls\": $((count1 - count0)), \"mean_batch\": $mean}" \
      | tee -a "$work/results.jsonl" >&2
    echo "serving.sh: $label in-process $round (batch $mean) ..." >&2
    java -cp "$BENCH_JAR" io.mmserve.bench.OnnxBaseline --encoder "$encoder" --batch "$mean" \
      --intra-op-threads "$ORT_INTRA_OP_THREADS" \
      --duration "${LOAD_SECONDS}s" --warmup "${WARMUP_SECONDS}s" 2>/dev/null \
      | sed "s/^{/{\"label\": \"$label in-process $round\", /" | tee -a "$work/results.jsonl" >&2
  done
}
efficiency "text load" $TEXT_ADMIN embed-text text --text "$TEXT"
efficiency "image load" $VISION_ADMIN embed-image vision --image "$PHOTO"
efficiency "small image load" $VISION_ADMIN embed-image vision --image "$SMALL"

stop_services
echo "serving.sh: services stopped" >&2

report="$("$PYTHON" bench/serving_report.py "$work/results.jsonl" "$TICKS_PER_S")"
section="### Serving run, $(date -u +%F)

${machine}
- command: \`bench/serving.sh\` (ORT_INTRA_OP_THREADS=${ORT_INTRA_OP_THREADS}; services warmed ${SERVICE_WARMUP_SECONDS} s per call; concurrency 1: ${OVERHEAD_SECONDS} s x 3 rounds per call; concurrency 32 and in-process: ${LOAD_SECONDS} s x 2 rounds; warm-up ${WARMUP_SECONDS} s each; services, load generator and in-process baseline share this machine)

${report}
"
echo
echo "$section"
if [[ $record == 1 ]]; then
  printf '\n%s' "$section" >>docs/benchmarks.md
  echo "serving.sh: appended to docs/benchmarks.md" >&2
fi
