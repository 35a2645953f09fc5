#!/usr/bin/env bash
# Prints the machine description that goes with every benchmark result in docs/benchmarks.md.
set -euo pipefail
# Java 25, the JDK mmserve builds and runs on (.mvn/java-home.sh says what to install when it is missing)
export JAVA_HOME="$("$(dirname "${BASH_SOURCE[0]}")/../.mvn/java-home.sh")"
export PATH="$JAVA_HOME/bin:$PATH"
cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
java_version="$(java -version 2>&1 | head -2 | tail -1)"
echo "- date: $(date -u +%F) ($(date -u +%H:%M) UTC)"
echo "- machine: $(env -u OMP_NUM_THREADS -u OMP_THREAD_LIMIT nproc) CPUs, ${cpu:-unknown CPU}, $(awk '/MemTotal/ {printf "%.0f GB", $2 / 1048576}' /proc/meminfo) RAM"
echo "- java: ${java_version}"
echo "- load average at start: $(cut -d' ' -f1-3 /proc/loadavg) (other work shares these CPUs; compare ratios from one run)"
