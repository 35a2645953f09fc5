#!/usr/bin/env bash
# Issue 6 benchmark: EncodeText and EncodeImage through the encoders in triton mode against ghz
# straight to Triton (KServe v2 ModelInfer) on the same model, batch-1 requests, concurrency 32.
# Goal: at most 10% throughput lost and at most 0.5 ms added at p50.
#
#   triton/bench.sh [--no-record]
#
# Starts triton/serve.py (PyTriton's tritonserver, the pack's ONNX files, dynamic batcher on) and
# text-encoder-svc / vision-encoder-svc from their jars with backend=triton, all on free loopback
# ports; runs ghz (bench/install-ghz.sh) for each pair
# of calls, alternating direct and through-the-encoder, after a warm-up; stops everything by PID
# and prints a markdown section that is appended to docs/benchmarks.md (unless --no-record).
#
# Environment: LOAD_SECONDS (default 15, each measurement), ROUNDS (default 2: direct and encoder
# alternate, the report averages the rounds), WARMUP_SECONDS (default 5),
# CONCURRENCY (default 32), BATCH_MAX_DELAY (default 2ms, the encoders' batching.max-delay),
# BATCH_MAX_IN_FLIGHT (default 1, the encoders' batching.max-in-flight: model calls at once),
# MMSERVE_JAVA_OPTS (service JVM flags).
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
    *) echo "usage: triton/bench.sh [--no-record]" >&2; exit 2 ;;
  esac
done
LOAD_SECONDS="${LOAD_SECONDS:-15}"
WARMUP_SECONDS="${WARMUP_SECONDS:-5}"
CONCURRENCY="${CONCURRENCY:-32}"
BATCH_MAX_DELAY="${BATCH_MAX_DELAY:-2ms}"
BATCH_MAX_IN_FLIGHT="${BATCH_MAX_IN_FLIGHT:-1}"
ROUNDS="${ROUNDS:-2}"
PACK=models/shapes-clip
TEXT_JAR=text-encoder-svc/target/text-encoder-svc.jar
VISION_JAR=vision-encoder-svc/target/vision-encoder-svc.jar
KSERVE_PROTO_DIR=proto/src/main/protobuf

if [[ ! -f $TEXT_JAR || ! -f $VISION_JAR ]]; then
  echo "triton/bench.sh: building the encoder jars" >&2
  ./mvnw -B -q -DskipTests -Dspotless.check.skip=true package -pl text-encoder-svc,vision-encoder-svc -am >&2
fi
venv="$(triton/setup.sh)"
free_port() {
  "$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
TRITON_GRPC="$(free_port)"
TEXT_PORT="$(free_port)"
VISION_PORT="$(free_port)"
ghz="$(bench/install-ghz.sh)"
work="$(mktemp -d "${TMPDIR:-/tmp}/mmserve-triton-bench.XXXXXX")"
pids=()
cleanup() {
  local status=$?
  for pid in "${pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  if [[ $status == 0 ]]; then rm -rf "$work"; else echo "triton/bench.sh: logs kept in $work" >&2; fi
}
trap cleanup EXIT

# waits until FILE contains PATTERN or PID exits
await_line() {
  local file="$1" pattern="$2" pid="$3" waited=0
  until grep -q "$pattern" "$file" 2>/dev/null; do
    kill -0 "$pid" 2>/dev/null || { echo "triton/bench.sh: process $pid exited; see $file" >&2; exit 1; }
    (( waited++ < 1800 )) || { echo "triton/bench.sh: timed out waiting for $file" >&2; exit 1; }
    sleep 0.1
  done
}

"$venv/bin/python" triton/bench_requests.py "$PACK" "$work" >&2
"$venv/bin/python" triton/serve.py --pack "$PACK" --grpc-port "$TRITON_GRPC" --http-port "$(free_port)" \
  --metrics-port "$(free_port)" >"$work/triton.out" 2>"$work/triton.log" &
pids+=($!)
await_line "$work/triton.out" "triton serving" "${pids[0]}"

start_encoder() {
  local jar="$1" port="$2" log="$3"
  # shellcheck disable=SC2086
  java ${MMSERVE_JAVA_OPTS:-} -jar "$jar" --grpc.port="$port" --admin.port=0 --model.packs="$PACK" \
    --backend=triton --triton.target=127.0.0.1:$TRITON_GRPC --batching.max-delay="$BATCH_MAX_DELAY" \
    --batching.max-in-flight="$BATCH_MAX_IN_FLIGHT" \
    >"$log" 2>&1 &
  pids+=($!)
  await_line "$log" "serving on" "$!"
}
start_encoder "$TEXT_JAR" "$TEXT_PORT" "$work/text.log"
TEXT_PID="${pids[-1]}"
start_encoder "$VISION_JAR" "$VISION_PORT" "$work/vision.log"
VISION_PID="${pids[-1]}"

direct() { # CALL REQUEST DURATION OUT
  "$ghz" --insecure --proto "$KSERVE_PROTO_DIR/kserve/v2/grpc_service.proto" \
    --import-paths "$KSERVE_PROTO_DIR" --call inference.GRPCInferenceService/ModelInfer \
    -D "$work/$1-direct.json" -c "$CONCURRENCY" -z "$2" -O json -o "$3" "127.0.0.1:$TRITON_GRPC"
}
cpu_ticks() { # PID: user + system clock ticks so far
  awk '{print $14 + $15}' "/proc/$1/stat"
}
service() { # CALL REQUEST DURATION OUT; OUT.cpu gets the encoder's CPU ticks over the run
  local rpc port pid before
  if [[ $1 == text ]]; then rpc=mmserve.encoder.v1.TextEncoder/EncodeText; port=$TEXT_PORT; pid=$TEXT_PID
  else rpc=mmserve.encoder.v1.VisionEncoder/EncodeImage; port=$VISION_PORT; pid=$VISION_PID; fi
  before="$(cpu_ticks "$pid")"
  "$ghz" --insecure --call "$rpc" -D "$work/$1-service.json" -c "$CONCURRENCY" -z "$2" -O json \
    -o "$3" "127.0.0.1:$port"
  [[ $3 == /dev/null ]] || echo "$(( $(cpu_ticks "$pid") - before )) $(getconf CLK_TCK)" >"$3.cpu"
}
mkdir -p "$work/results"
for call in text image; do
  direct $call "${WARMUP_SECONDS}s" /dev/null
  service $call "${WARMUP_SECONDS}s" /dev/null
  for round in $(seq 1 "$ROUNDS"); do
    direct $call "${LOAD_SECONDS}s" "$work/results/$call-direct.$round.json"
    service $call "${LOAD_SECONDS}s" "$work/results/$call-service.$round.json"
  done
done
service jpeg "${WARMUP_SECONDS}s" /dev/null
service jpeg "${LOAD_SECONDS}s" "$work/results/jpeg-service.1.json"

section="$work/section.md"
{
  echo
  echo "### Triton run, $(date -u +%F)"
  echo
  bench/machine.sh
  echo "- command: \`triton/bench.sh\` (LOAD_SECONDS=$LOAD_SECONDS x ROUNDS=$ROUNDS alternating, WARMUP_SECONDS=$WARMUP_SECONDS, BATCH_MAX_DELAY=$BATCH_MAX_DELAY, BATCH_MAX_IN_FLIGHT=$BATCH_MAX_IN_FLIGHT, concurrency $CONCURRENCY, batch-1 requests, one connection each)"
  echo "- Triton: PyTriton 0.7.0's tritonserver 2.51.0 on CPU, the pack's FP32 ONNX files run by ONNX Runtime 1.20.1 in the bound Python functions, dynamic batcher on (max batch 32, queue delay 500 µs); Triton, the encoders and ghz share the machine's CPUs"
  echo "- direct: \`inference.GRPCInferenceService/ModelInfer\` with the golden token ids / pixels of one caption / image (raw_input_contents); encoder: \`EncodeText\` of the same caption (tokenised in the encoder), \`EncodeImage\` of the same image's 64x64 centre crop as raw RGB8 (normalised in the encoder) and, for information, of its 640x480 JPEG file (decoded, resized and cropped in the encoder)"
  echo
  "$venv/bin/python" triton/bench_report.py "$work/results"
} >"$section"
cat "$section"
if [[ $record == 1 ]]; then
  cat "$section" >>docs/benchmarks.md
  echo "triton/bench.sh: appended to docs/benchmarks.md" >&2
fi
