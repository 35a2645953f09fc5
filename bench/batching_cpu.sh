#!/usr/bin/env bash
# Where the CPU goes with the gateway's batching on and off: starts text-encoder-svc, vision-encoder-svc
# and fusion-svc once, then the gateway alternately with batching.text.max-batch-size=64 and =1 (twice),
# and for each runs ghz EmbedText at concurrency 64 (5 s warm-up, 10 s measured). Prints throughput, p50,
# p99, items per encoder call, and the CPU ms per request of the gateway, the text encoder and ghz
# (from /proc). Needs the jars (./mvnw -B package -DskipTests) and ghz (bench/install-ghz.sh).
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Java 25, the JDK mmserve builds and runs on (.mvn/java-home.sh says what to install when it is missing)
export JAVA_HOME="$("$root/.mvn/java-home.sh")" || exit 1
export PATH="$JAVA_HOME/bin:$PATH"
ghz="$("$root/bench/install-ghz.sh")"
pack="$root/models/shapes-clip"
logs="$(mktemp -d)"
hz=$(getconf CLK_TCK)
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
start() { # name port admin extra...
  local name=$1 port=$2 admin=$3; shift 3
  java -jar "$root/$name/target/$name.jar" --grpc.port="$port" --admin.port="$admin" "$@" > "$logs/$name.log" 2>&1 &
  echo $!
}
wait_ready() { for _ in $(seq 120); do grep -q "serving on" "$1" && return 0; sleep 0.5; done; return 1; }
text=$(start text-encoder-svc 29052 9192 --model.packs="$pack")
vision=$(start vision-encoder-svc 29053 9193 --model.packs="$pack")
fusion=$(start fusion-svc 29054 9194 --model.packs="$pack")
trap 'kill $text $vision $fusion ${gw:-} 2>/dev/null; rm -rf "$logs"' EXIT
for f in text-encoder-svc vision-encoder-svc fusion-svc; do wait_ready "$logs/$f.log" || { echo "$f did not start"; exit 1; }; done
call=(--insecure --call mmserve.v1.Multimodal/EmbedText -d '{"texts":["a red circle"]}' -c 64)
for size in 64 1 64 1; do
  gw=$(start gateway 29051 9191 --text-encoder.target=127.0.0.1:29052 --vision-encoder.target=127.0.0.1:29053 \
    --fusion.target=127.0.0.1:29054 --batching.text.max-batch-size=$size)
  wait_ready "$logs/gateway.log" || { echo "gateway did not start"; exit 1; }
  "$ghz" "${call[@]}" -z 5s 127.0.0.1:29051 > /dev/null 2>&1
  g0=$(ticks "$gw"); t0=$(ticks "$text")
  out=$( { /usr/bin/time -f "ghzcpu %U %S" "$ghz" "${call[@]}" -z 10s 127.0.0.1:29051; } 2>&1)
  g1=$(ticks "$gw"); t1=$(ticks "$text")
  n=$(echo "$out" | awk '/\[OK\]/ {print $2}')
  items=$(curl -s 127.0.0.1:9191/metrics | awk '/^mmserve_batch_size_(count|sum)\{batcher="text"/ {v[$1 ~ /count/ ? "c" : "s"] = $2} END {if (v["c"] > 0) printf "%.1f", v["s"] / v["c"]; else print "-"}')
  python3 - "$size" "$n" "$g0" "$g1" "$t0" "$t1" "$hz" "$out" "$items" <<'PY'
import re, sys
size, n, g0, g1, t0, t1, hz, out, items = sys.argv[1:]
n = int(n); hz = int(hz)
ms = lambda a, b: (float(b) - float(a)) * 1000 / hz / n
rps = re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)
p50 = re.search(r"50 % in ([\d.]+ \w+)", out).group(1)
p99 = re.search(r"99 % in ([\d.]+ \w+)", out).group(1)
u, s = map(float, re.search(r"ghzcpu ([\d.]+) ([\d.]+)", out).groups())
print(f"max-batch-size={size:>2}  rps={rps}  p50={p50}  p99={p99}  items/call={items}  "
      f"CPU ms/request: gateway {ms(g0, g1):.3f}, text encoder {ms(t0, t1):.3f}, ghz {(u + s) * 1000 / n:.3f}")
PY
  kill "$gw"; wait "$gw" 2>/dev/null; gw=
done
