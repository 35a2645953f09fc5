"""Prints the markdown result table of bench/preprocess.sh from its JSON outputs.

    python bench/preprocess_report.py JMH_JSON PIL_JSON...

JMH_JSON is JMH's -rf json output of PreprocessBenchmark.decodeAndPreprocess; each PIL_JSON holds
bench/preprocess_pil.py --json lines (the script runs it before and after JMH, and the PIL figures
are the mean of those runs). Ratios are Java over PIL: throughput by wall clock, and CPU time per
image (PIL's over Java's), which is steadier when other work shares the CPUs.
"""

import json
import statistics
import sys

GOAL = 1.5


def main() -> None:
    jmh = json.load(open(sys.argv[1]))
    pil: dict[str, list[dict]] = {}
    for path in sys.argv[2:]:
        for line in open(path):
            if line.strip():
                row = json.loads(line)
                pil.setdefault(row["image"], []).append(row)

    print("| image | PIL images/s | Java images/s | ratio | PIL CPU ms/image | Java CPU ms/image | CPU ratio |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    verdicts = []
    for result in jmh:
        if not result["benchmark"].endswith(".decodeAndPreprocess"):
            continue
        image = result["params"]["image"]
        java_rate = result["primaryMetric"]["score"]
        java_err = result["primaryMetric"].get("scoreError", float("nan"))
        aux = result.get("secondaryMetrics", {})
        java_cpu_ms = aux["cpuNanos"]["score"] / aux["calls"]["score"] / 1e6
        runs = pil[image]
        pil_rate = statistics.mean(r["images_per_s"] for r in runs)
        pil_cpu_ms = statistics.mean(r["cpu_ms_per_image"] for r in runs)
        ratio = java_rate / pil_rate
        cpu_ratio = pil_cpu_ms / java_cpu_ms
        spread = ", ".join(f"{r['images_per_s']:.1f}" for r in runs)
        print(
            f"| {image} | {pil_rate:.1f} ({spread}) | {java_rate:.1f} ± {java_err:.1f} | "
            f"**{ratio:.2f}x** | {pil_cpu_ms:.2f} | {java_cpu_ms:.2f} | {cpu_ratio:.2f}x |"
        )
        verdicts.append(
            f"{image}: {ratio:.2f}x by throughput, {cpu_ratio:.2f}x by CPU time "
            f"({'meets' if ratio >= GOAL else 'misses'} the {GOAL}x goal by throughput)"
        )
    print()
    for v in verdicts:
        print(f"- {v}")


if __name__ == "__main__":
    main()
