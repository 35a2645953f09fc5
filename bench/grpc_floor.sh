#!/usr/bin/env bash
# The floor of a unary gRPC call on this machine (issue 16, "Serving path"): the server CPU per
# call of grpc.health.v1.Health/Check, the cheapest call a server answers, at concurrency 64.
#
#   bench/grpc_floor.sh
#
# For ROUNDS rounds (default 3), in turn for each side, starts io.mmserve.bench.FloorServer on
# loopback port PORT (default 28251), warms up WARMUP seconds and measures DURATION seconds with
# io.mmserve.bench.GrpcLoad --call health-check (closed loop), reading the server's CPU ticks from
# /proc/PID/stat, then stops it (by PID). Sides: "bare" (grpc-java's Netty server as it comes, with
# only the health service) and "kit" (mmserve's GrpcServer as every service builds it, with no
# service of its own). Prints one table row per round and the medians.
#
# The gateway's EmbedText makes one such server call per text plus its share of a batched call to
# the encoder, so the bare call's CPU is the least the serving path can cost per text while each
# text is its own call (compare bench/serving_cpu.sh).
#
# Environment: ROUNDS (3), WARMUP (10), DURATION (15), CONCURRENCY (64), PORT (28251),
# BENCH_JAR (bench/jmh/target/benchmarks.jar; built when missing).
set -euo pipefail
export JAVA_HOME="$("$(dirname "${BASH_SOURCE[0]}")/../.mvn/java-home.sh")"
export PATH="$JAVA_HOME/bin:$PATH"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

ROUNDS="${ROUNDS:-3}"
WARMUP="${WARMUP:-10}"
DURATION="${DURATION:-15}"
CONCURRENCY="${CONCURRENCY:-64}"
PORT="${PORT:-28251}"
BENCH_JAR="${BENCH_JAR:-bench/jmh/target/benchmarks.jar}"
HZ=$(getconf CLK_TCK)

if [[ ! -f $BENCH_JAR ]]; then
  ./mvnw -B -q package -pl bench/jmh -am -DskipTests
fi

work="$(mktemp -d)"
server_pid=""
stop_server() {
  if [[ -n $server_pid ]]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}
trap 'stop_server; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

grpc_load() { # seconds warmup [extra]
  java -cp "$BENCH_JAR" io.mmserve.bench.GrpcLoad --target "127.0.0.1:$PORT" --call health-check \
    --concurrency "$CONCURRENCY" --duration "$1s" --warmup "$2s" "${@:3}"
}

for round in $(seq "$ROUNDS"); do
  for side in bare kit; do
    java -cp "$BENCH_JAR" io.mmserve.bench.FloorServer "$side" "$PORT" >"$work/$side.log" 2>&1 &
    server_pid=$!
    deadline=$((SECONDS + 60))
    until grep -q "^floor server" "$work/$side.log"; do
      kill -0 "$server_pid" 2>/dev/null || { cat "$work/$side.log" >&2; exit 1; }
      ((SECONDS < deadline)) || { echo "grpc_floor.sh: $side did not start" >&2; exit 1; }
      sleep 0.2
    done
    echo "grpc_floor.sh: $side round $round (pid $server_pid) ..." >&2
    grpc_load "$WARMUP" 0 >/dev/null
    load="$(cut -d' ' -f1 /proc/loadavg)"
    out="$(grpc_load "$DURATION" 1 --cpu-pids "$server_pid")"
    echo "{\"side\": \"$side\", \"round\": $round, \"load\": $load, ${out#\{}" >>"$work/results.jsonl"
    stop_server
  done
done

python3 - "$work/results.jsonl" "$HZ" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
hz = int(sys.argv[2])
print("| side | round | load | calls/s | p50 ms | errors | server CPU us/call |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
by = {}
for r in rows:
    us = r["cpu_ticks"][0] * 1e6 / hz / r["requests"]
    by.setdefault(r["side"], []).append((us, r["rps"]))
    print(f"| {r['side']} | {r['round']} | {r['load']} | {r['rps']:.0f} | {r['p50_ms']:.2f} "
          f"| {sum(r['errors'].values())} | {us:.0f} |")
print()
print("| side | median server CPU us/call | median calls/s |")
print("| --- | ---: | ---: |")
for side, v in by.items():
    print(f"| {side} | {statistics.median(x[0] for x in v):.0f} | {statistics.median(x[1] for x in v):.0f} |")
PY
