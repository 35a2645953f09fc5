#!/usr/bin/env bash
# A/B of ONNX Runtime's intra-op spinning in text-encoder-svc: throughput, p50 and the encoder's CPU
# time per request with onnxruntime.allow-spinning=false and =true, alternated twice, ghz straight
# to the encoder at concurrency 32 (4 s warm-up, 8 s measured per round). Prints one line per round.
# Needs text-encoder-svc/target/text-encoder-svc.jar (./mvnw -B package -DskipTests) and ghz
# (bench/install-ghz.sh).
set -euo pipefail
# Java 25, the JDK mmserve builds and runs on (.mvn/java-home.sh says what to install when it is missing)
export JAVA_HOME="$("$(dirname "${BASH_SOURCE[0]}")/../.mvn/java-home.sh")"
export PATH="$JAVA_HOME/bin:$PATH"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ghz="$("$root/bench/install-ghz.sh")"
jar="$root/text-encoder-svc/target/text-encoder-svc.jar"
port="${PORT:-28651}"
call=(--insecure --call mmserve.encoder.v1.TextEncoder/EncodeText
      -d '{"texts":["a red circle on the left"],"normalize":true}' -c 32)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
for spin in false true false true; do
  java -jar "$jar" --grpc.port="$port" --admin.port=0 --model.packs="$root/models/shapes-clip" \
    --onnxruntime.allow-spinning="$spin" > "$log" 2>&1 &
  pid=$!
  for _ in $(seq 120); do grep -q "serving on" "$log" && break; sleep 0.5; done
  "$ghz" "${call[@]}" -z 4s "127.0.0.1:$port" > /dev/null 2>&1
  before=$(cpu_ticks "$pid")
  out="$("$ghz" "${call[@]}" -z 8s "127.0.0.1:$port" 2>&1)"
  after=$(cpu_ticks "$pid")
  ok=$(echo "$out" | awk '/\[OK\]/ {print $2}')
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '/50 % in/ {print $4, $5}')
  hz=$(getconf CLK_TCK)
  echo "allow-spinning=$spin  rps=$rps  p50=$p50  encoder CPU ms/request=$(python3 -c "print(round(($after - $before) * 1000 / $hz / $ok, 3))")"
  kill "$pid"; wait "$pid" 2>/dev/null || true
done
