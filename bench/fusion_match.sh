#!/usr/bin/env bash
# The match head on 32 image-text pairs (JMH FusionMatchBenchmark): fusion-svc's Vector API kernels
# (javaVector), its scalar kernels (javaScalar: the code before the Vector API, the baseline) and ONNX
# Runtime on the pack's fusion.onnx (onnxRuntime), on THREADS threads (default 1) with IMAGES images
# (distinct, the default, or one), in ROUNDS rounds. Each round runs the three as separate JMH runs in an
# order that rotates from round to round, and records the load average before it; the table gives each
# round's times and ratios (ORT time / Java time: above 1, Java is faster).
# Usage: [THREADS=1] [IMAGES=distinct] bench/fusion_match.sh [ROUNDS]   (offline build if the jar lacks it)
set -euo pipefail
export JAVA_HOME="$("$(dirname "${BASH_SOURCE[0]}")/../.mvn/java-home.sh")"
export PATH="$JAVA_HOME/bin:$PATH"
cd "$(dirname "$0")/.."
JAR=bench/jmh/target/benchmarks.jar
ROUNDS=${1:-3}
THREADS=${THREADS:-1}
IMAGES=${IMAGES:-distinct}
# grep reads the whole listing (grep -q would end unzip with SIGPIPE, a failure under pipefail)
if [[ ! -f $JAR ]] || ! unzip -l "$JAR" | grep 'FusionMatchBenchmark_javaVector' >/dev/null; then
  ./mvnw -B -o package -pl bench/jmh -am -DskipTests -Dspotless.check.skip=true
fi
mkdir -p bench/jmh/target/tmp
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
methods=(javaScalar javaVector onnxRuntime)
for ((r = 1; r <= ROUNDS; r++)); do
  echo "$r $(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/load.txt"
  for ((i = 0; i < 3; i++)); do
    m=${methods[$(((i + r - 1) % 3))]}
    java -Djava.io.tmpdir=bench/jmh/target/tmp -jar "$JAR" "FusionMatchBenchmark.$m\$" \
      -p threads="$THREADS" -p images="$IMAGES" -wi 3 -w 2s -i 5 -r 2s -f 1 \
      -rf csv -rff "$OUT/$r-$m.csv" >"$OUT/$r-$m.log"
  done
done

python3 - "$OUT" "$ROUNDS" "$THREADS" "$IMAGES" <<'PYEOF'
import csv, sys, statistics
out, rounds, threads, images = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
load = dict(line.split(" ", 1) for line in open(f"{out}/load.txt").read().splitlines())
def score(r, m):
    row = next(csv.DictReader(open(f"{out}/{r}-{m}.csv")))
    return float(row["Score"]), float(row["Score Error (99.9%)"] or "nan")
print(f"threads={threads}, images={images}; microseconds per 32 pairs (JMH 99.9% error); "
      "ratio = ORT time / Java time")
print()
print("| round | load average (1, 5, 15 min) | Java scalar (before) | Java Vector API (after) | ORT | "
      "ratio before | ratio after | after / before speed-up |")
print("|---|---|---:|---:|---:|---:|---:|---:|")
before, after = [], []
for r in range(1, rounds + 1):
    (s, se), (v, ve), (o, oe) = (score(r, m) for m in ("javaScalar", "javaVector", "onnxRuntime"))
    before.append(o / s)
    after.append(o / v)
    print(f"| {r} | {load[str(r)]} | {s:.0f} ± {se:.0f} | {v:.0f} ± {ve:.0f} | {o:.0f} ± {oe:.0f} | "
          f"{o / s:.2f}x | **{o / v:.2f}x** | {s / v:.2f}x |")
print()
print(f"median ratio before {statistics.median(before):.2f}x, after {statistics.median(after):.2f}x")
PYEOF
