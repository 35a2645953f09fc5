#!/usr/bin/env bash
# Before and after the move to Java 25: builds bench/jmh's benchmarks.jar at a commit that still
# compiles for Java 17 (default 994628f, the last before the move) with a JDK 17, and runs its
# benchmarks on JDK 17 against this checkout's benchmarks.jar on JDK 25, alternating (17, 25, 17,
# 25, ...) so both see the same machine load. Prints CPU time per operation (CpuTime, steady on a
# shared machine) and throughput, with ratios.
#
#   bench/jdk_compare.sh [COMMIT]
#
# SAME_JAR=1 runs the old commit's jar on both JDKs instead: the JVM's own effect on the same code.
# JDK17=$(.mvn/java-home.sh) builds and runs the old commit on JDK 25 too: a before/after of a code
# change on one JDK (the table's columns then read "before" and "now" on the same JDK). With
# JMH_ARGS containing "-prof gc" the table adds the bytes each operation allocates on the heap.
#
# Environment: JDK17 (default /usr/lib/jvm/java-17-openjdk-amd64), JDK25 (default: .mvn/java-home.sh),
# ROUNDS (default 2), JMH_ARGS (default "-wi 2 -i 3 -f 1 -w 1s -r 2s"),
# BENCHMARKS (default "PreprocessBenchmark.decodeAndPreprocess ScoreBenchmark.logitsSoftmax").
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
commit="${1:-994628f}"
JDK17="${JDK17:-/usr/lib/jvm/java-17-openjdk-amd64}"
JDK25="${JDK25:-$(.mvn/java-home.sh)}"
ROUNDS="${ROUNDS:-2}"
JMH_ARGS="${JMH_ARGS:--wi 2 -i 3 -f 1 -w 1s -r 2s}"
BENCHMARKS="${BENCHMARKS:-PreprocessBenchmark.decodeAndPreprocess ScoreBenchmark.logitsSoftmax}"
[[ -x "$JDK17/bin/java" ]] || { echo "jdk_compare: no JDK 17 at $JDK17 (set JDK17)" >&2; exit 1; }

work="$(mktemp -d)"
tree="$work/tree"
cleanup() { git worktree remove --force "$tree" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
git worktree add -q --detach "$tree" "$commit"
echo "jdk_compare: building benchmarks.jar at $commit with $JDK17 ..." >&2
(cd "$tree" && JAVA_HOME="$JDK17" ./mvnw -B -q package -pl bench/jmh -am -DskipTests -DskipITs \
  -Dspotless.check.skip=true >&2)
old_jar="$tree/bench/jmh/target/benchmarks.jar"
if [[ "${SAME_JAR:-0}" == 1 ]]; then
  new_jar="$old_jar"
else
  echo "jdk_compare: building this checkout's benchmarks.jar with $JDK25 ..." >&2
  JAVA_HOME="$JDK25" ./mvnw -B -q package -pl bench/jmh -am -DskipTests -DskipITs \
    -Dspotless.check.skip=true >&2
  new_jar="$ROOT/bench/jmh/target/benchmarks.jar"
fi
machine="$(bench/machine.sh)"

for round in $(seq 1 "$ROUNDS"); do
  for jdk in 17 25; do
    home="JDK$jdk"
    jar="$old_jar" dir="$tree"
    if [[ $jdk == 25 && "${SAME_JAR:-0}" != 1 ]]; then jar="$new_jar" dir="$ROOT"; fi
    for bench in $BENCHMARKS; do
      echo "jdk_compare: round $round, JDK $jdk, $bench ..." >&2
      # run from the checkout so the benchmarks find the model pack and bench/data
      # shellcheck disable=SC2086  # JMH_ARGS is a list of flags
      (cd "$dir" && "${!home}/bin/java" -jar "$jar" "$bench" $JMH_ARGS -rf json \
        -rff "$work/r${round}-j${jdk}-${bench}.json" >"$work/log.txt" 2>&1) \
        || { cat "$work/log.txt" >&2; exit 1; }
    done
  done
done

LABEL_BEFORE="before ($commit), $("$JDK17/bin/java" -version 2>&1 | head -1 | cut -d'"' -f2)" \
LABEL_NOW="now, $("$JDK25/bin/java" -version 2>&1 | head -1 | cut -d'"' -f2)" \
python3 - "$work" <<'PY'
import glob, json, os, sys, collections
work = sys.argv[1]
rows = collections.defaultdict(lambda: {"17": [], "25": []})
units = {}
for path in glob.glob(os.path.join(work, "r*-j*-*.json")):
    jdk = os.path.basename(path).split("-")[1][1:]
    for r in json.load(open(path)):
        params = ",".join(f"{k}={v}" for k, v in sorted((r.get("params") or {}).items()))
        key = r["benchmark"].rsplit(".", 2)[-2] + "." + r["benchmark"].rsplit(".", 1)[-1] + (f" ({params})" if params else "")
        ops = r["primaryMetric"]["score"]
        units[key] = r["primaryMetric"]["scoreUnit"]
        sec = r.get("secondaryMetrics", {})
        cpu = None
        if "cpuNanos" in sec and "calls" in sec and sec["calls"]["score"]:
            cpu = sec["cpuNanos"]["score"] / sec["calls"]["score"] / 1e3
        alloc = sec.get("gc.alloc.rate.norm", {}).get("score")
        rows[key][jdk].append((ops, cpu, alloc))
before, now = os.environ["LABEL_BEFORE"], os.environ["LABEL_NOW"]
has_alloc = any(x[2] is not None for v in rows.values() for xs in v.values() for x in xs)
extra = " before: heap bytes/op | now: heap bytes/op |" if has_alloc else ""
print(f"| benchmark | unit | {before} | {now} | throughput ratio | before: CPU µs/op | now: CPU µs/op | CPU ratio (before/now) |{extra}")
print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |" + (" ---: | ---: |" if has_alloc else ""))
mean = lambda xs: sum(xs) / len(xs) if xs else float("nan")
for key in sorted(rows):
    a, b = rows[key]["17"], rows[key]["25"]
    ta, tb = mean([x[0] for x in a]), mean([x[0] for x in b])
    ca = [x[1] for x in a if x[1] is not None]; cb = [x[1] for x in b if x[1] is not None]
    cpu = f"{mean(ca):.1f} | {mean(cb):.1f} | {mean(ca) / mean(cb):.2f}x" if ca and cb else "n/a | n/a | n/a"
    row = f"| {key} | {units[key]} | {ta:.1f} | {tb:.1f} | {tb / ta:.2f}x | {cpu} |"
    if has_alloc:
        aa = [x[2] for x in a if x[2] is not None]; ab = [x[2] for x in b if x[2] is not None]
        row += f" {mean(aa):,.0f} | {mean(ab):,.0f} |" if aa and ab else " n/a | n/a |"
    print(row)
PY
echo
echo "$machine"
what="$commit's jar on JDK 17 against this checkout's on JDK 25"
[[ "${SAME_JAR:-0}" == 1 ]] && what="$commit's jar on JDK 17 and on JDK 25"
[[ "$JDK17" == "$JDK25" ]] && what="$commit's jar against this checkout's, both on JDK 25"
prefix="${SAME_JAR:+SAME_JAR=$SAME_JAR }"
[[ "$JDK17" == "$JDK25" ]] && prefix+='JDK17=$(.mvn/java-home.sh) '
echo "- command: \`${prefix}bench/jdk_compare.sh $commit\` ($what; JMH: \`$JMH_ARGS\`, $ROUNDS alternating rounds)"
