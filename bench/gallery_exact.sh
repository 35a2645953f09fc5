#!/usr/bin/env bash
# Exact gallery search, 1 query x 100,000 stored unit vectors x 512 dims, top 10: gallery-svc's
# Lucene exact path (JMH GalleryExactSearchBenchmark: Gallery.search(..., exact), 1 and 2 threads per
# search) against numpy (float32 E @ q, argpartition, sort of the 10) with 1 and 2 BLAS threads.
# ROUNDS rounds (default 3), each numpy then one JMH fork, so both sides see the same load; prints one
# table row per round with ratios (Java time / numpy time: below 1 is Java faster) and their range.
# Usage: bench/gallery_exact.sh [ROUNDS]   (from anywhere; offline Maven build if the jar is missing;
# the first run builds the index under bench/jmh/target, a few minutes)
set -euo pipefail
export JAVA_HOME="$("$(dirname "${BASH_SOURCE[0]}")/../.mvn/java-home.sh")"
export PATH="$JAVA_HOME/bin:$PATH"
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
JAR=bench/jmh/target/benchmarks.jar
PY=models/.venv/bin/python
[[ -x $PY ]] || PY=models/.venv-check/bin/python
[[ -x $PY ]] || PY=bench/.venv-ann/bin/python
N=100000
DIM=512
# no grep -q on a pipe under pipefail: grep's early exit would fail unzip with SIGPIPE
if [[ ! -f $JAR ]] || ! unzip -l "$JAR" | grep -c 'io/mmserve/bench/GalleryExactSearchBenchmark.class' >/dev/null; then
  ./mvnw -B -o package -pl bench/jmh -am -DskipTests -Dspotless.check.skip=true -q
fi
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
mkdir -p bench/jmh/target/tmp

echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq 1 "$ROUNDS"); do
  for t in 1 2; do
    # a current numpy runs slower under the OpenBLAS overrides some machines set; drop them here only
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_NUM_THREADS=$t OPENBLAS_NUM_THREADS=$t \
      MKL_NUM_THREADS=$t "$PY" bench/gallery_exact_numpy.py "$N" "$DIM" | sed "s/^/$r /" >> "$OUT/numpy.txt"
  done
  java -Djava.io.tmpdir=bench/jmh/target/tmp -jar "$JAR" \
    'io.mmserve.bench.GalleryExactSearchBenchmark' -p n=$N -p dim=$DIM -wi 4 -w 1s -i 5 -r 2s -f 1 \
    -jvmArgsAppend '--add-modules jdk.incubator.vector' -rf csv -rff "$OUT/jmh-$r.csv" > "$OUT/jmh-$r.log"
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"

"$PY" - "$OUT" "$ROUNDS" <<'PYEOF'
import csv, os, sys
out, rounds = sys.argv[1], int(sys.argv[2])
numpy = {}
for line in open(os.path.join(out, "numpy.txt")):
    r, case, threads, us = line.split()
    numpy[(int(r), int(threads))] = float(us)
print("exact search, 1 query x 100000 x 512, top 10; ms per query (lower is better); ratio = Java / numpy, same threads")
print()
print("| round | Java 1 thread (ms, ±99.9%) | numpy 1 thread (ms) | ratio | Java 2 threads (ms, ±99.9%) | numpy 2 threads (ms) | ratio |")
print("|---|---|---|---|---|---|---|")
ratios = {1: [], 2: []}
for r in range(1, rounds + 1):
    java = {}
    for row in csv.DictReader(open(os.path.join(out, f"jmh-{r}.csv"))):
        java[int(row["Param: threads"])] = (float(row["Score"]) / 1000, float(row["Score Error (99.9%)"] or "nan") / 1000)
    cells = [str(r)]
    for t in (1, 2):
        ratio = java[t][0] / (numpy[(r, t)] / 1000)
        ratios[t].append(ratio)
        cells += [f"{java[t][0]:.1f} ± {java[t][1]:.1f}", f"{numpy[(r, t)] / 1000:.1f}", f"{ratio:.2f}x"]
    print("| " + " | ".join(cells) + " |")
print()
for t in (1, 2):
    print(f"{t} thread(s): Java / numpy {min(ratios[t]):.2f}x - {max(ratios[t]):.2f}x over {rounds} rounds")
PYEOF
