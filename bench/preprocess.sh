#!/usr/bin/env bash
# CLIP preprocessing throughput, single-threaded: Java (JMH PreprocessBenchmark.decodeAndPreprocess)
# against PIL + numpy (bench/preprocess_pil.py) on the same JPEGs, in one invocation.
#
#   bench/preprocess.sh [--rebuild] [--no-record]
#
# Builds bench/jmh/target/benchmarks.jar if it is missing (or with --rebuild), runs PIL, then JMH,
# then PIL again (PIL's figure is the mean of its two runs, which bracket the Java run in time),
# prints a markdown table and appends it, with date, machine and command, to docs/benchmarks.md
# (unless --no-record).
#
# Environment: PYTHON (default models/.venv/bin/python), PIL_SECONDS (default 10 per image per run),
# JMH_ARGS (default "-wi 3 -i 5 -f 1 -w 1s -r 2s").
set -euo pipefail
# Java 25, the JDK mmserve builds and runs on (.mvn/java-home.sh says what to install when it is missing)
export JAVA_HOME="$("$(dirname "${BASH_SOURCE[0]}")/../.mvn/java-home.sh")"
export PATH="$JAVA_HOME/bin:$PATH"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

rebuild=0
record=1
for arg in "$@"; do
  case "$arg" in
    --rebuild) rebuild=1 ;;
    --no-record) record=0 ;;
    *) echo "usage: bench/preprocess.sh [--rebuild] [--no-record]" >&2; exit 2 ;;
  esac
done

JAR=bench/jmh/target/benchmarks.jar
PYTHON="${PYTHON:-models/.venv/bin/python}"
PIL_SECONDS="${PIL_SECONDS:-10}"
JMH_ARGS="${JMH_ARGS:--wi 3 -i 5 -f 1 -w 1s -r 2s}"
IMAGES=(bench/data/photo_640x480.jpg bench/data/photo_1920x1080.jpg)

# numpy and its BLAS single-threaded, like the one Java thread
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 NUMEXPR_NUM_THREADS=1 \
  VECLIB_MAXIMUM_THREADS=1

if [[ $rebuild == 1 || ! -f $JAR ]]; then
  echo "preprocess.sh: building $JAR ..." >&2
  ./mvnw -B package -pl bench/jmh -am -DskipTests -DskipITs -Dspotless.check.skip=true >&2
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
machine="$(bench/machine.sh)"

echo "preprocess.sh: PIL + numpy, run 1 of 2 ..." >&2
"$PYTHON" bench/preprocess_pil.py --json --seconds "$PIL_SECONDS" "${IMAGES[@]}" >"$work/pil1.json"
echo "preprocess.sh: Java (JMH) ..." >&2
# shellcheck disable=SC2086  # JMH_ARGS is a list of flags
java -jar "$JAR" 'PreprocessBenchmark.decodeAndPreprocess' $JMH_ARGS \
  -rf json -rff "$work/jmh.json" >"$work/jmh.txt" 2>&1 || { cat "$work/jmh.txt" >&2; exit 1; }
grep -E '^(Benchmark|PreprocessBenchmark)' "$work/jmh.txt" >&2 || true
echo "preprocess.sh: PIL + numpy, run 2 of 2 ..." >&2
"$PYTHON" bench/preprocess_pil.py --json --seconds "$PIL_SECONDS" "${IMAGES[@]}" >"$work/pil2.json"

pillow="$("$PYTHON" -c 'import PIL, numpy; print(f"Pillow {PIL.__version__}, numpy {numpy.__version__}")')"
table="$("$PYTHON" bench/preprocess_report.py "$work/jmh.json" "$work/pil1.json" "$work/pil2.json")"
section="### CLIP preprocessing run, $(date -u +%F)

${machine}
- python: $("$PYTHON" --version 2>&1), ${pillow}
- command: \`bench/preprocess.sh\` (JMH: \`${JMH_ARGS}\`, PIL: ${PIL_SECONDS} s per image per run, twice)

${table}
"
echo
echo "$section"
if [[ $record == 1 ]]; then
  printf '\n%s' "$section" >>docs/benchmarks.md
  echo "preprocess.sh: appended to docs/benchmarks.md" >&2
fi
