#!/usr/bin/env bash
# Approximate gallery search: embedded Lucene (gallery-svc's vector formats and search path: plain
# float32 HNSW, int8 HNSW and binary-quantized (BBQ) HNSW, each re-ranked by the full vectors, ids and
# metadata read) against FAISS HNSW (IndexHNSWFlat, inner product) on the same seeded clustered unit
# vectors, with the same M and efConstruction and a sweep of ef (Lucene: HNSW beam ef, re-rank
# oversample ef / 10). Single-threaded builds and queries on both sides; one query at a time. Prints
# recall@10 and queries/s per ef, build time and index size, and the operating point (the smallest ef
# with recall@10 >= 0.95) of each, with its queries/s as a ratio of FAISS's.
# Usage: bench/gallery_ann.sh [N] [M] [EF_CONSTRUCTION]   (defaults 200000 16 100; 512 dimensions,
# 1000 queries); ROUNDS=3 bench/gallery_ann.sh runs the query sweeps of all the engines 3 times in
# turn (alternating, so each sees the same load) and gives the range of the ratios. ENGINES="none int8"
# limits the Lucene engines (default: none int8 binary, i.e. float32, int8 and BBQ).
# Makes bench/.venv-ann (faiss-cpu, numpy from bench/requirements-ann.txt, by bench/gallery_venv.sh),
# the data set and the indexes under ~/.cache/mmserve/gallery-ann-N (GALLERY_ANN_CACHE overrides
# ~/.cache/mmserve; kept: a later run reuses them and reports the build time they took; the Lucene
# ones are named by the document layout, lucene-hit-..., so an index of an older layout is not
# reused); builds the benchmarks jar offline if it lacks the Lucene side. PREPARE=1 only makes the
# data and builds the indexes (FAISS and each Lucene engine as parallel processes: build times then
# share the CPUs, as a loaded machine's would), without the query sweeps.
# BEFORE_JAR=path/to/benchmarks.jar also runs that jar's Lucene search (an older gallery-svc) on the same
# index of BEFORE_ENGINE (default int8) in each round, as "Lucene ... before": a before/after ratio from
# one command. EFS=10,20,... replaces the sweep's ef values.
set -euo pipefail
export JAVA_HOME="$("$(dirname "${BASH_SOURCE[0]}")/../.mvn/java-home.sh")"
export PATH="$JAVA_HOME/bin:$PATH"
cd "$(dirname "$0")/.."
N=${1:-200000}
M=${2:-16}
EF_CONSTRUCTION=${3:-100}
ROUNDS=${ROUNDS:-1}
ENGINES=${ENGINES:-none int8 binary}
DIM=512
QUERIES=1000
EFS=${EFS:-10,20,30,40,60,80,120,160,240,320,480,640}
BEFORE_ENGINE=${BEFORE_ENGINE:-int8}
JAR=bench/jmh/target/benchmarks.jar
DATA=${GALLERY_ANN_CACHE:-$HOME/.cache/mmserve}/gallery-ann-$N
# Lucene's heap: the writer buffers every vector before its one flush
HEAP=$(( N * DIM * 4 * 3 / 1024 / 1024 + 1024 ))m

PY=$(bench/gallery_venv.sh)
# no grep -q on a pipe under pipefail: grep's early exit would fail unzip with SIGPIPE
if [[ ! -f $JAR ]] || ! unzip -l "$JAR" | grep -c 'io/mmserve/gallery/lucene/GalleryAnnBench.class' >/dev/null; then
  ./mvnw -B -o package -pl bench/jmh -am -DskipTests -Dspotless.check.skip=true -q
fi
"$PY" bench/gallery_ann_data.py "$N" "$DIM" "$QUERIES" "$DATA"

OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
lucene() { # ENGINE EFS: one Lucene JVM (build if its index is missing, then the sweep)
  java --add-modules jdk.incubator.vector -Xmx$HEAP -Xms$HEAP -XX:+UseParallelGC \
    -cp "$JAR" io.mmserve.gallery.lucene.GalleryAnnBench "$DATA" "$DATA/lucene-hit-$1-$M-$EF_CONSTRUCTION" \
    "$1" "$M" "$EF_CONSTRUCTION" "$2"
}
if [[ -n ${PREPARE:-} ]]; then
  echo "building the missing indexes in parallel, load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  pids=()
  OMP_NUM_THREADS=1 "$PY" bench/gallery_ann_faiss.py "$DATA" "$M" "$EF_CONSTRUCTION" 10 | sed "s/^/faiss /" &
  pids+=($!)
  for q in $ENGINES; do
    lucene "$q" 10 2>>"$OUT/lucene.err" | sed "s/^/lucene-$q /" &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p"; done
  echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
  exit 0
fi
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq 1 "$ROUNDS"); do
  OMP_NUM_THREADS=1 "$PY" bench/gallery_ann_faiss.py "$DATA" "$M" "$EF_CONSTRUCTION" "$EFS" \
    | sed "s/^/faiss $r /" | tee -a "$OUT/results.txt"
  for q in $ENGINES; do
    lucene "$q" "$EFS" 2>>"$OUT/lucene.err" | sed "s/^/lucene-$q $r /" | tee -a "$OUT/results.txt"
  done
  if [[ -n ${BEFORE_JAR:-} ]]; then
    java --add-modules jdk.incubator.vector -Xmx$HEAP -Xms$HEAP -XX:+UseParallelGC \
      -cp "$BEFORE_JAR" io.mmserve.gallery.lucene.GalleryAnnBench "$DATA" "$DATA/lucene-hit-$BEFORE_ENGINE-$M-$EF_CONSTRUCTION" \
      "$BEFORE_ENGINE" "$M" "$EF_CONSTRUCTION" "$EFS" 2>>"$OUT/lucene.err" | sed "s/^/lucene-before $r /" | tee -a "$OUT/results.txt"
  fi
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
# Lucene says once per JVM whether its Vector API kernels are on; every Lucene JVM should have said so
echo "Lucene JVMs with the Vector API on: $(grep -c 'Java vector incubator API enabled' "$OUT/lucene.err" || true)"

"$PY" - "$OUT/results.txt" "$N" "$M" "$EF_CONSTRUCTION" "$ROUNDS" "$BEFORE_ENGINE" <<'PYEOF'
import sys
from collections import defaultdict
path, n, m, efc, rounds = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
before_engine = "lucene-" + sys.argv[6]
labels = {"faiss": "FAISS HNSW (float32)", "lucene-none": "Lucene HNSW float32",
          "lucene-int8": "Lucene int8 HNSW, re-ranked", "lucene-binary": "Lucene BBQ HNSW, re-ranked",
          "lucene-before": f"Lucene {sys.argv[6]} before (BEFORE_JAR)"}
build, size, curves = {}, {}, defaultdict(list)
for line in open(path):
    f = line.split()
    engine, r = f[0], int(f[1])
    if f[2] == "build":
        build[engine], size[engine] = float(f[3]), int(f[4])
    elif f[2] == "ef":
        curves[(engine, r)].append((int(f[3]), float(f[4]), float(f[5])))
labels = {e: label for e, label in labels.items() if (e, 1) in curves}

def operating_point(curve):
    return next(((ef, rec, qps) for ef, rec, qps in curve if rec >= 0.95), None)

print(f"\n{n} x 512 clustered, 1000 queries, top 10, M={m}, efConstruction={efc}; one thread, one query at a time; "
      f"operating point = smallest ef with recall@10 >= 0.95; ratio = queries/s / FAISS's at its operating point, "
      f"round 1 (range over {rounds} rounds)\n")
print("| engine | build (s) | index size (MB) | ef | recall@10 | queries/s | ratio to FAISS |")
print("|---|---|---|---|---|---|---|")
for engine, label in labels.items():
    op = operating_point(curves[(engine, 1)])
    if op is None:
        best = max(curves[(engine, 1)], key=lambda c: c[1])
        print(f"| {label} | {build[engine]:.0f} | {size[engine] / 1e6:.0f} | none up to {best[0]} | {best[1]:.3f} (best) | | |")
        continue
    ratios = []
    for r in range(1, rounds + 1):
        mine, theirs = operating_point(curves[(engine, r)]), operating_point(curves[("faiss", r)])
        if mine and theirs:
            ratios.append(mine[2] / theirs[2])
    span = f" ({min(ratios):.2f}-{max(ratios):.2f}x)" if rounds > 1 else ""
    print(f"| {label} | {build[engine]:.0f} | {size[engine] / 1e6:.0f} | {op[0]} | {op[1]:.3f} | {op[2]:.0f} | {ratios[0]:.2f}x{span} |")
if "lucene-before" in labels:
    op = operating_point(curves[(before_engine, 1)])
    if op:
        after = [dict((c[0], c[2]) for c in curves[(before_engine, r)])[op[0]] for r in range(1, rounds + 1)]
        before = [dict((c[0], c[2]) for c in curves[("lucene-before", r)])[op[0]] for r in range(1, rounds + 1)]
        ratios = [a / b for a, b in zip(after, before)]
        print(f"\nLucene {sys.argv[6]} now / before at ef {op[0]}: " + ", ".join(f"{x:.2f}x" for x in ratios)
              + " (rounds 1.." + str(rounds) + ")")
print("\nrecall@10 / queries/s by ef, round 1\n")
print("| ef | " + " | ".join(labels.values()) + " |")
print("|---|" + "---|" * len(labels))
for i, (ef, _, _) in enumerate(curves[("faiss", 1)]):
    print(f"| {ef} | " + " | ".join(f"{curves[(e, 1)][i][1]:.3f} / {curves[(e, 1)][i][2]:.0f}" for e in labels) + " |")
PYEOF
