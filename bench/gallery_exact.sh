#!/usr/bin/env bash
# Exact gallery search, 1 query x 100,000 stored unit vectors x 512 dims, top 10: gallery-svc's
# Lucene exact path (GalleryExactServe: Gallery.search(..., exact) on the state of JMH's
# GalleryExactSearchBenchmark, the Vector API module on) against numpy (float32 E @ q, argpartition,
# sort of the 10), with 1 and then 2 threads per search on each side (gallery-svc's
# search.exact-threads; BLAS threads for numpy).
# Both sides run as servers side by side; bench/gallery_exact_alternate.py gives each in turn a slice
# of ITERATIONS searches (Java first in odd pairs, numpy first in even ones), PAIRS pairs per thread
# count, so that both see the same load within a second of each other. Prints one row per thread
# count: the median and range of the per-pair ratios of mean times (Java / numpy: below 1 is Java
# faster) and the ratio of the best single-search times.
# Usage: bench/gallery_exact.sh [PAIRS] [ITERATIONS]   (defaults 20 20; from anywhere; makes
# bench/.venv-ann by bench/gallery_venv.sh; offline Maven build if the jar is missing; the first run
# builds the index under ~/.cache/mmserve/gallery-exact-hit-100000x512, a few minutes)
set -euo pipefail
export JAVA_HOME="$("$(dirname "${BASH_SOURCE[0]}")/../.mvn/java-home.sh")"
export PATH="$JAVA_HOME/bin:$PATH"
cd "$(dirname "$0")/.."
PAIRS=${1:-20}
ITERATIONS=${2:-20}
JAR=bench/jmh/target/benchmarks.jar
N=100000
DIM=512
PY=$(bench/gallery_venv.sh)
# no grep -q on a pipe under pipefail: grep's early exit would fail unzip with SIGPIPE
if [[ ! -f $JAR ]] || ! unzip -l "$JAR" | grep -c 'io/mmserve/bench/GalleryExactServe.class' >/dev/null; then
  ./mvnw -B -o package -pl bench/jmh -am -DskipTests -Dspotless.check.skip=true -q
fi
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
mkdir -p bench/jmh/target/tmp

echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
for t in 1 2; do
  "$PY" bench/gallery_exact_alternate.py "$PAIRS" "$ITERATIONS" -- \
    java --add-modules jdk.incubator.vector -Xmx2g -XX:+UseParallelGC -Djava.io.tmpdir=bench/jmh/target/tmp \
      -cp "$JAR" io.mmserve.bench.GalleryExactServe "$N" "$DIM" "$t" -- \
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_NUM_THREADS=$t OPENBLAS_NUM_THREADS=$t MKL_NUM_THREADS=$t \
      "$PY" bench/gallery_exact_numpy.py serve "$N" "$DIM" 2>"$OUT/java-$t.err" | sed "s/^/$t /" >> "$OUT/pairs.txt"
  # a current numpy runs slower under the OpenBLAS overrides some machines set; dropped above, for numpy only
  echo "$t thread(s): $(grep -h 'vector scoring' "$OUT/java-$t.err" || echo 'no Vector API line')"
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"

"$PY" - "$OUT/pairs.txt" "$PAIRS" "$ITERATIONS" <<'PYEOF'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
pairs, iterations = sys.argv[2], sys.argv[3]
print(f"\nexact search, 1 query x 100000 x 512, top 10; {pairs} alternating pairs of {iterations} searches "
      "per side and thread count; ms per search; ratio = Java / numpy (below 1: Java faster)\n")
print("| threads | Java mean (ms, median of slices) | numpy mean (ms, median of slices) | ratio of means: median (range) "
      "| Java best (ms) | numpy best (ms) | ratio of bests |")
print("|---|---|---|---|---|---|---|")
for t in ("1", "2"):
    mine = [r for r in rows if r[0] == t]
    jm = [float(r[3]) / 1000 for r in mine]
    jb = [float(r[4]) / 1000 for r in mine]
    nm = [float(r[5]) / 1000 for r in mine]
    nb = [float(r[6]) / 1000 for r in mine]
    ratios = [a / b for a, b in zip(jm, nm)]
    print(f"| {t} | {statistics.median(jm):.1f} | {statistics.median(nm):.1f} | {statistics.median(ratios):.2f}x "
          f"({min(ratios):.2f}-{max(ratios):.2f}x) | {min(jb):.1f} | {min(nb):.1f} | {min(jb) / min(nb):.2f}x |")
PYEOF
