#!/usr/bin/env bash
# Score of 1 query against 100,000 unit embeddings (dim 64): fusion-svc's Similarity (JMH, one thread)
# against numpy (float32, scale * E @ q, stable softmax) with 1 and 2 BLAS threads. Prints a table with
# ratios from this one run. Usage: bench/score.sh   (from anywhere; offline Maven build if the jar is missing)
set -euo pipefail
# Java 25, the JDK mmserve builds and runs on (.mvn/java-home.sh says what to install when it is missing)
export JAVA_HOME="$("$(dirname "${BASH_SOURCE[0]}")/../.mvn/java-home.sh")"
export PATH="$JAVA_HOME/bin:$PATH"
cd "$(dirname "$0")/.."
JAR=bench/jmh/target/benchmarks.jar
PY=models/.venv/bin/python
N=100000
if [[ ! -f $JAR ]] || ! unzip -l "$JAR" | grep -q 'io/mmserve/bench/ScoreBenchmark.class'; then
  ./mvnw -B -o package -pl bench/jmh -am -DskipTests -Dspotless.check.skip=true -q
fi
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

for t in 1 2; do
  OMP_NUM_THREADS=$t OPENBLAS_NUM_THREADS=$t MKL_NUM_THREADS=$t "$PY" bench/score_numpy.py "$N" \
    >> "$OUT/numpy.txt"
done
java -jar "$JAR" 'io.mmserve.bench.ScoreBenchmark' -p n=$N -wi 2 -w 1s -i 3 -r 2s -f 1 \
  -rf csv -rff "$OUT/jmh.csv" > "$OUT/jmh.log"

"$PY" - "$OUT/jmh.csv" "$OUT/numpy.txt" <<'PYEOF'
import csv, sys
java = {}
for row in csv.DictReader(open(sys.argv[1])):
    name = row["Benchmark"].rsplit(".", 1)[1]
    java[name] = (float(row["Score"]), float(row["Score Error (99.9%)"] or "nan"))
numpy = {}
for line in open(sys.argv[2]):
    case, threads, us = line.split()
    numpy[(case, threads)] = float(us)
print(f"N=100000, dim=64, float32; microseconds per call (lower is better); ratio = Java / numpy")
print()
print("| case | Java 1 thread (us, ±99.9%) | numpy 1 thread (us) | numpy 2 threads (us) | Java/numpy-1t | Java/numpy-2t |")
print("|---|---|---|---|---|---|")
for case in ("logits", "logitsSoftmax"):
    j, err = java[case]
    n1, n2 = numpy[(case, "1")], numpy[(case, "2")]
    print(f"| {case} | {j:.1f} ± {err:.1f} | {n1:.1f} | {n2:.1f} | {j / n1:.2f}x | {j / n2:.2f}x |")
PYEOF
