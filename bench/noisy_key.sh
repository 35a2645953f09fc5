#!/usr/bin/env bash
# The noisy-neighbour benchmark of the gateway's per-key limits (docs/benchmarks.md, "Per-key limits"):
#
#   bench/noisy_key.sh [PAIRS]
#
# Starts the local stack with API keys on loopback ports BASE_PORT.. (default 28551): a "noisy" key
# limited to NOISY_LIMIT calls a second (rps=, burst= on its keys-file line) and a "quiet" key without
# limits. Then, PAIRS times (default 3), alternating in one command:
#   alone: the quiet key alone at QUIET_RPS EmbedText calls a second (ghz --rps, concurrency 8);
#   at limit: the same quiet load while the noisy key sends exactly its limit (all admitted);
#   noisy: the same quiet load while the noisy key is driven at 10x its limit (ghz --rps, concurrency 16).
# "at limit" separates the cost of the noisy key's admitted calls from that of refusing the rest.
# Prints the quiet key's p50 and p99 in each run, the ratios to "alone" of each pair, the noisy key's
# status counts, and a markdown block for docs/benchmarks.md. Stops the stack by PID (also on error).
# Environment: DURATION (default 15s per run), WARMUP (default 5s), QUIET_RPS (default 20),
# NOISY_LIMIT (default 20), BASE_PORT, ADMIN_BASE_PORT (default 28591).
# A benchmark, not a test: the machine is shared, so compare the ratios of one command's pairs.
set -euo pipefail
export JAVA_HOME="$("$(dirname "${BASH_SOURCE[0]}")/../.mvn/java-home.sh")"
export PATH="$JAVA_HOME/bin:$PATH"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PAIRS="${1:-3}"
DURATION="${DURATION:-15s}"
WARMUP="${WARMUP:-5s}"
QUIET_RPS="${QUIET_RPS:-20}"
NOISY_LIMIT="${NOISY_LIMIT:-20}"
NOISY_RPS=$((NOISY_LIMIT * 10))
BASE_PORT="${BASE_PORT:-28551}"
ADMIN_BASE_PORT="${ADMIN_BASE_PORT:-28591}"
TARGET="127.0.0.1:$BASE_PORT"
READY_TIMEOUT_S=900

ghz="$(bench/install-ghz.sh)"
work="$(mktemp -d)"
stack_pid=""
stop_stack() {
  if [[ -n $stack_pid ]]; then
    kill -TERM "$stack_pid" 2>/dev/null || true
    wait "$stack_pid" 2>/dev/null || true
    stack_pid=""
  fi
}
trap 'stop_stack; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

machine="$(bench/machine.sh)"
keys="$work/api-keys"
noisy_key="$(./mmserve keys new --id noisy --permissions read --file "$keys" 2>/dev/null)"
quiet_key="$(./mmserve keys new --id quiet --permissions read --file "$keys" 2>/dev/null)"
sed -i "s/^\(noisy read [0-9a-f]*\)$/\1 rps=$NOISY_LIMIT burst=$NOISY_LIMIT/" "$keys"

log="$work/stack.log"
./mmserve up --base-port "$BASE_PORT" --admin-base-port "$ADMIN_BASE_PORT" \
  --http-port "$((BASE_PORT + 9))" --api-keys "$keys" >"$log" 2>&1 &
stack_pid=$!
deadline=$((SECONDS + READY_TIMEOUT_S))
until grep -q "^mmserve ready" "$log"; do
  if ! kill -0 "$stack_pid" 2>/dev/null || ((SECONDS > deadline)); then
    echo "noisy_key.sh: the stack did not become ready; its log ends:" >&2
    tail -n 20 "$log" >&2
    exit 1
  fi
  sleep 1
done
echo "noisy_key.sh: stack ready (pid $stack_pid)" >&2

call=(--call mmserve.v1.Multimodal/EmbedText --insecure
  -d '{"texts": ["a red circle next to a blue square"]}')
quiet() { # output: the quiet key's steady load
  "$ghz" "${call[@]}" --metadata "{\"authorization\": \"Bearer $quiet_key\"}" \
    -c 8 --rps "$QUIET_RPS" -z "$DURATION" --format json --output "$1" "$TARGET" >/dev/null 2>&1
}
noisy() { # output rps: the noisy key at rps calls a second
  "$ghz" "${call[@]}" --metadata "{\"authorization\": \"Bearer $noisy_key\"}" \
    -c 16 --rps "$2" -z "$DURATION" --format json --output "$1" "$TARGET" >/dev/null 2>&1
}

echo "noisy_key.sh: warm-up ($WARMUP, not recorded) ..." >&2
"$ghz" "${call[@]}" --metadata "{\"authorization\": \"Bearer $quiet_key\"}" -c 8 -z "$WARMUP" \
  "$TARGET" >/dev/null 2>&1 || true

for ((i = 1; i <= PAIRS; i++)); do
  echo "noisy_key.sh: pair $i: quiet alone ..." >&2
  quiet "$work/alone-$i.json"
  echo "noisy_key.sh: pair $i: quiet beside the noisy key at its limit ..." >&2
  noisy "$work/atlimit-noisy-$i.json" "$NOISY_LIMIT" &
  noisy_pid=$!
  quiet "$work/atlimit-$i.json"
  wait "$noisy_pid" || true
  echo "noisy_key.sh: pair $i: quiet beside the noisy key at 10x its limit ..." >&2
  noisy "$work/noisy-$i.json" "$NOISY_RPS" &
  noisy_pid=$!
  quiet "$work/beside-$i.json"
  wait "$noisy_pid" || true
done
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$work" "$PAIRS" "$QUIET_RPS" "$NOISY_LIMIT" "$NOISY_RPS" "$DURATION" "$load_after" \
  "$machine" <<'PY'
import json, statistics, sys
work, pairs, quiet_rps, limit, noisy_rps, duration, load_after, machine = sys.argv[1:]

def read(name):
    with open(f"{work}/{name}.json") as f:
        r = json.load(f)
    lat = {int(d["percentage"]): d["latency"] / 1e6 for d in r.get("latencyDistribution") or []}
    return lat.get(50, float("nan")), lat.get(99, float("nan")), r.get("statusCodeDistribution", {}), r.get("rps", 0)

rows, p50s, p99s, l50s, l99s = [], [], [], [], []
for i in range(1, int(pairs) + 1):
    a50, a99, _, _ = read(f"alone-{i}")
    l50, l99, _, _ = read(f"atlimit-{i}")
    b50, b99, b_codes, _ = read(f"beside-{i}")
    _, _, n_codes, n_rps = read(f"noisy-{i}")
    p50s.append(b50 / a50)
    p99s.append(b99 / a99)
    l50s.append(l50 / a50)
    l99s.append(l99 / a99)
    noisy = ", ".join(f"{k} {v}" for k, v in sorted(n_codes.items()))
    quiet_codes = ", ".join(f"{k} {v}" for k, v in sorted(b_codes.items()))
    rows.append(f"| {i} | {a50:.2f} / {a99:.2f} | {l50:.2f} / {l99:.2f} ({l50 / a50:.2f} / {l99 / a99:.2f}) | {b50:.2f} / {b99:.2f} ({b50 / a50:.2f} / {b99 / a99:.2f}) | {quiet_codes} | {noisy} ({n_rps:.0f} rps sent) |")

print(machine)
print(f"- load average at the end: {load_after}")
print(f"- command: `bench/noisy_key.sh {pairs}` (DURATION={duration}; quiet key: EmbedText of one text at {quiet_rps} rps, concurrency 8; noisy key: limit rps={limit} burst={limit}, sent at its limit ({limit} rps) and at 10x ({noisy_rps} rps), concurrency 16; runs alternate alone / at limit / 10x)")
print()
print("| pair | quiet alone p50 / p99 (ms) | beside noisy at its limit (ratio to alone) | beside noisy at 10x (ratio to alone) | quiet statuses at 10x | noisy key's statuses at 10x |")
print("| --- | --- | --- | --- | --- | --- |")
print("\n".join(rows))
print()
print(f"Median ratios to alone: noisy at its limit p50 {statistics.median(l50s):.2f}, p99 {statistics.median(l99s):.2f}; noisy at 10x p50 {statistics.median(p50s):.2f}, p99 {statistics.median(p99s):.2f}.")
PY
