#!/usr/bin/env bash
# Load tests with ghz through the gateway, in one command (see "Load tests (ghz)" in
# docs/benchmarks.md):
#
#   bench/ghz.sh [--quick] [--no-record] [--tail]
#
# 1. installs the pinned ghz (bench/install-ghz.sh: go install) and builds the jars if needed;
# 2. starts the local stack (./mmserve up) on loopback ports BASE_PORT.. (default 28151; admin
#    ADMIN_BASE_PORT.., default 28191) and waits for "mmserve ready";
# 3. runs the scenarios of bench/ghz/ through server reflection (no .proto): EmbedText, EmbedImage
#    (bench/data/photo_640x480.jpg) and Classify (same image, 8 labels), each at fixed concurrency 64
#    (the closed-loop peak); then open loop at fixed rates rising as PROBE_FRACTIONS of that peak,
#    PROBE_DURATION each, up to the last rate served in full with p50 and p99 near the first
#    probe's (the open-loop capacity);
#    then at 70% of that capacity, where p99/p50 is the tail goal;
# 4. restarts the stack with the gateway's batching off (batching.text/image.max-batch-size=1), then
#    with all batching off (also the encoders' batching.max-batch-size=1), and runs EmbedText and EmbedImage
#    at concurrency 64 on each;
# 5. stops the stack (by PID; also on error or Ctrl-C) and writes the results table, with the
#    batching on/off throughput ratio and p99/p50 at 70% of open-loop capacity, into docs/benchmarks.md between
#    <!-- ghz:begin --> and <!-- ghz:end --> (or prints it, with --no-record).
#
# --quick: a smoke run (3 s per measurement, 2 s warm-up, 2 s probes), about 5 minutes; the full run
# takes about 12. --tail: steps 2-3 only (peak, capacity and 70% of it on the stack as up starts
# it), for tail latency before/after comparisons; about 6 minutes. Environment: DURATION (default
# 20s), PROBE_DURATION (8s), PROBE_FRACTIONS ("0.3 0.5 0.6 0.7 0.8 0.9 1.0"), WARMUP
# (default 10s), CONCURRENCY (default 64), BASE_PORT, ADMIN_BASE_PORT, PYTHON (default python3),
# MMSERVE_JAVA_OPTS (launcher JVM flags), UP_FLAGS (more ./mmserve up flags for every stack, e.g.
# "--gateway-flag batching.image.max-in-flight=4").
set -euo pipefail
# Java 25, the JDK mmserve builds and runs on (.mvn/java-home.sh says what to install when it is missing)
export JAVA_HOME="$("$(dirname "${BASH_SOURCE[0]}")/../.mvn/java-home.sh")"
export PATH="$JAVA_HOME/bin:$PATH"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

quick=0
record=1
tail_only=0
for arg in "$@"; do
  case "$arg" in
    --quick) quick=1 ;;
    --no-record) record=0 ;;
    --tail) tail_only=1 ;;
    *) echo "usage: bench/ghz.sh [--quick] [--no-record] [--tail]" >&2; exit 2 ;;
  esac
done
read -r -a up_flags <<<"${UP_FLAGS:-}"

if [[ $quick == 1 ]]; then
  DURATION="${DURATION:-3s}"
  WARMUP="${WARMUP:-2s}"
  PROBE_DURATION="${PROBE_DURATION:-2s}"
else
  DURATION="${DURATION:-20s}"
  WARMUP="${WARMUP:-10s}"
  PROBE_DURATION="${PROBE_DURATION:-8s}"
fi
PROBE_FRACTIONS="${PROBE_FRACTIONS:-0.3 0.5 0.6 0.7 0.8 0.9 1.0}"
CONCURRENCY="${CONCURRENCY:-64}"
BASE_PORT="${BASE_PORT:-28151}"
ADMIN_BASE_PORT="${ADMIN_BASE_PORT:-28191}"
PYTHON="${PYTHON:-python3}"
IMAGE=bench/data/photo_640x480.jpg
RATE_FRACTION=0.7
READY_TIMEOUT_S=900 # the first build of the jars takes a few minutes
TARGET="127.0.0.1:$BASE_PORT"
REPORT=bench/ghz_report.py

ghz="$(bench/install-ghz.sh)"
work="$(mktemp -d)"
stack_pid=""

stop_stack() {
  if [[ -n $stack_pid ]]; then
    kill -TERM "$stack_pid" 2>/dev/null || true
    wait "$stack_pid" 2>/dev/null || true
    echo "ghz.sh: stack stopped (pid $stack_pid)" >&2
    stack_pid=""
  fi
}
trap 'stop_stack; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

machine="$(bench/machine.sh)"

# Scenario configs with the image filled in (ghz takes bytes fields as base64 in JSON data).
declare -A config=([EmbedText]=embed-text [EmbedImage]=embed-image [Classify]=classify)
for scenario in "${!config[@]}"; do
  "$PYTHON" "$REPORT" prepare "bench/ghz/${config[$scenario]}.json" "$IMAGE" \
    "$work/${config[$scenario]}.json"
done

start_stack() { # label [up flags...]: starts ./mmserve up in the background, waits for ready
  local label=$1
  shift
  local log="$work/stack-$label.log"
  echo "ghz.sh: starting the stack ($label) on $TARGET, log $log ..." >&2
  : >"$log"
  # HTTP on base + 9: a port of the block the plan keeps for this stack, not the default 8080
  ./mmserve up --base-port "$BASE_PORT" --admin-base-port "$ADMIN_BASE_PORT" \
    --http-port "$((BASE_PORT + 9))" "${up_flags[@]}" "$@" >"$log" 2>&1 &
  stack_pid=$!
  local deadline=$((SECONDS + READY_TIMEOUT_S))
  until grep -q "^mmserve ready" "$log"; do
    if ! kill -0 "$stack_pid" 2>/dev/null; then
      wait "$stack_pid" 2>/dev/null || true
      stack_pid=""
      echo "ghz.sh: the stack ($label) exited before it was ready; its log ends:" >&2
      tail -n 20 "$log" >&2
      return 1
    fi
    if ((SECONDS > deadline)); then
      echo "ghz.sh: the stack ($label) was not ready within ${READY_TIMEOUT_S} s" >&2
      tail -n 20 "$log" >&2
      stop_stack
      return 1
    fi
    sleep 1
  done
  echo "ghz.sh: stack ($label) ready (pid $stack_pid)" >&2
}

runs="$work/runs.tsv"
: >"$runs"
run_number=0

measure() { # scenario stack-label load-label [ghz flags...]: one recorded ghz run
  local scenario=$1 stack=$2 load=$3
  shift 3
  run_number=$((run_number + 1))
  local out="$work/run-$run_number.json"
  echo "ghz.sh: $scenario, $stack, $load ..." >&2
  if "$ghz" --config "$work/${config[$scenario]}.json" --format json --output "$out" \
    --duration-stop ignore "$@" "$TARGET" >/dev/null 2>"$work/run-$run_number.err"; then
    echo "ghz.sh:   $("$PYTHON" "$REPORT" line "$out")" >&2
  else
    echo "ghz.sh:   ghz failed: $(tail -n 3 "$work/run-$run_number.err")" >&2
    rm -f "$out"
  fi
  printf '%s\t%s\t%s\t%s\n' "$scenario" "$stack" "$load" "$out" >>"$runs"
}

warm_up() { # scenario...
  local scenario
  for scenario in "$@"; do
    echo "ghz.sh: warming up $scenario ($WARMUP at concurrency 16, not recorded) ..." >&2
    "$ghz" --config "$work/${config[$scenario]}.json" -c 16 -z "$WARMUP" "$TARGET" \
      >/dev/null 2>&1 || true
  done
}

scenarios=(EmbedText EmbedImage Classify)

# Batching on: the stack as ./mmserve up starts it.
if start_stack batching-on; then
  warm_up "${scenarios[@]}"
  for scenario in "${scenarios[@]}"; do
    measure "$scenario" "batching on" "concurrency $CONCURRENCY" -c "$CONCURRENCY" -z "$DURATION"
  done
  for scenario in "${scenarios[@]}"; do
    peak_file="$(awk -F'\t' -v s="$scenario" '$1 == s && $3 ~ /^concurrency/ {print $4}' "$runs")"
    if [[ -f $peak_file ]]; then
      peak="$("$PYTHON" "$REPORT" rps "$peak_file")"
      # Open-loop capacity: fixed rates rising as fractions of the closed-loop peak, until one is not
      # sustained, its p50 past 3x or its p99 past 5x the first's (ghz_report.py capacity); 70% of the last
      # good one is the steady rate. Deep closed-loop batches can reach a peak that one-by-one
      # arrivals never do, so 70% of the peak itself can be past what the stack serves open loop.
      probes=()
      capacity=0
      for fraction in $PROBE_FRACTIONS; do
        probe_rate="$(awk -v p="$peak" -v f="$fraction" 'BEGIN {r = int(p * f); print (r < 1 ? 1 : r)}')"
        measure "$scenario" "batching on" "open-loop probe $probe_rate rps" \
          -c "$CONCURRENCY" --rps "$probe_rate" -z "$PROBE_DURATION"
        probes+=("$probe_rate=$(awk -F'\t' 'END {print $4}' "$runs")")
        capacity="$("$PYTHON" "$REPORT" capacity "${probes[@]}")"
        if [[ $capacity != "$probe_rate" ]]; then
          break
        fi
      done
      if [[ $capacity -gt 0 ]]; then
        rate="$(awk -v c="$capacity" -v f=$RATE_FRACTION 'BEGIN {r = int(c * f); print (r < 1 ? 1 : r)}')"
        measure "$scenario" "batching on" "fixed rate $rate rps (70% of open-loop capacity $capacity rps)" \
          -c "$CONCURRENCY" --rps "$rate" -z "$DURATION"
      fi
    fi
  done
  stop_stack
fi

# Gateway batching off: the gateway sends each caller's request on its own; the encoders still
# batch the concurrent calls they receive.
if [[ $tail_only == 1 ]]; then
  : # peak, capacity and 70% of it only
elif start_stack gateway-batching-off \
  --gateway-flag batching.text.max-batch-size=1 --gateway-flag batching.image.max-batch-size=1; then
  warm_up EmbedText EmbedImage
  for scenario in EmbedText EmbedImage; do
    measure "$scenario" "gateway batching off" "concurrency $CONCURRENCY" -c "$CONCURRENCY" \
      -z "$DURATION"
  done
  stop_stack
fi

# Batching off: one item per model call in the gateway and in the encoders.
if [[ $tail_only == 1 ]]; then
  : # peak, capacity and 70% of it only
elif start_stack batching-off \
  --gateway-flag batching.text.max-batch-size=1 --gateway-flag batching.image.max-batch-size=1 \
  --encoder-flag batching.max-batch-size=1; then
  warm_up EmbedText EmbedImage
  for scenario in EmbedText EmbedImage; do
    measure "$scenario" "batching off" "concurrency $CONCURRENCY" -c "$CONCURRENCY" -z "$DURATION"
  done
  stop_stack
else
  printf '%s\t%s\t%s\t%s\n' EmbedText "batching off" "concurrency $CONCURRENCY" none >>"$runs"
  printf '%s\t%s\t%s\t%s\n' EmbedImage "batching off" "concurrency $CONCURRENCY" none >>"$runs"
fi

command="bench/ghz.sh${*:+ $*}"
header="$work/header.md"
cat >"$header" <<EOF
### ghz run, $(date -u +%F)

${machine}
- command: \`${command}\` (ghz $("$ghz" --version 2>&1); ${DURATION} per measurement after ${WARMUP} warm-up per scenario; concurrency ${CONCURRENCY}; stack, ghz and this script share the machine)
- stack: \`./mmserve up${UP_FLAGS:+ $UP_FLAGS}\` with the bundled shapes-clip pack, one replica of each service; "gateway batching off" adds \`--gateway-flag batching.text.max-batch-size=1 --gateway-flag batching.image.max-batch-size=1\`, "batching off" also \`--encoder-flag batching.max-batch-size=1\`
EOF

if [[ $record == 1 ]]; then
  "$PYTHON" "$REPORT" write "$runs" docs/benchmarks.md "$header"
  echo "ghz.sh: results written to docs/benchmarks.md" >&2
  sed -n '/<!-- ghz:begin -->/,/<!-- ghz:end -->/p' docs/benchmarks.md
else
  : >"$work/report.md"
  "$PYTHON" "$REPORT" write "$runs" "$work/report.md" "$header"
  cat "$work/report.md"
fi
