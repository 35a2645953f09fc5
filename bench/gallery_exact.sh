#!/usr/bin/env bash
# Exact gallery search, 1 query x 100,000 stored unit vectors x 512 dims, top 10: gallery-svc's
# Lucene exact path (JMH GalleryExactSearchBenchmark, one thread) against numpy (float32 E @ q,
# argpartition) with 1 and 2 BLAS threads. Prints a table with ratios from this one run.
# Usage: bench/gallery_exact.sh   (from anywhere; offline Maven build if the jar is missing; the first
# run builds the index under bench/jmh/target, a few minutes)
set -euo pipefail
export JAVA_HOME="$("$(dirname "${BASH_SOURCE[0]}")/../.mvn/java-home.sh")"
export PATH="$JAVA_HOME/bin:$PATH"
cd "$(dirname "$0")/.."
JAR=bench/jmh/target/benchmarks.jar
PY=models/.venv/bin/python
[[ -x $PY ]] || PY=models/.venv-check/bin/python
N=100000
DIM=512
# no grep -q on a pipe under pipefail: grep's early exit would fail unzip with SIGPIPE
if [[ ! -f $JAR ]] || ! unzip -l "$JAR" | grep -c 'io/mmserve/bench/GalleryExactSearchBenchmark.class' >/dev/null; then
  ./mvnw -B -o package -pl bench/jmh -am -DskipTests -Dspotless.check.skip=true -q
fi
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

for t in 1 2; do
  # a current numpy runs slower under the OpenBLAS overrides some machines set; drop them here only
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OMP_NUM_THREADS=$t OPENBLAS_NUM_THREADS=$t \
    MKL_NUM_THREADS=$t "$PY" bench/gallery_exact_numpy.py "$N" "$DIM" >> "$OUT/numpy.txt"
done
java --add-modules jdk.incubator.vector -Djava.io.tmpdir=bench/jmh/target/tmp -jar "$JAR" \
  'io.mmserve.bench.GalleryExactSearchBenchmark' -p n=$N -p dim=$DIM -wi 3 -w 2s -i 5 -r 2s -f 1 \
  -jvmArgsAppend '--add-modules jdk.incubator.vector' -rf csv -rff "$OUT/jmh.csv" > "$OUT/jmh.log"

"$PY" - "$OUT/jmh.csv" "$OUT/numpy.txt" <<'PYEOF'
import csv, sys
row = next(csv.DictReader(open(sys.argv[1])))
java, err = float(row["Score"]), float(row["Score Error (99.9%)"] or "nan")
numpy = {}
for line in open(sys.argv[2]):
    case, threads, us = line.split()
    numpy[threads] = float(us)
print("exact search, 1 query x 100000 x 512, top 10; microseconds per query (lower is better); ratio = Java / numpy")
print()
print("| Java 1 thread (us, ±99.9%) | numpy 1 thread (us) | numpy 2 threads (us) | Java/numpy-1t | Java/numpy-2t |")
print("|---|---|---|---|---|")
print(f"| {java:.0f} ± {err:.0f} | {numpy['1']:.0f} | {numpy['2']:.0f} | {java / numpy['1']:.2f}x | {java / numpy['2']:.2f}x |")
PYEOF
