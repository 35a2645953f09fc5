"""Prints the markdown tables of bench/serving.sh from its results (one JSON object per line).

    python3 bench/serving_report.py RESULTS_JSONL CLOCK_TICKS_PER_SECOND

GrpcLoad lines carry cpu_ticks: the CPU time of text-encoder-svc, vision-encoder-svc and the
gateway (in that order) during the measured window. Ratios pair measurements from the same round.
"""

import json
import statistics
import sys

OVERHEAD_GOAL_MS = 0.5
EFFICIENCY_GOAL = 0.8


def main() -> None:
    rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
    ticks_per_s = float(sys.argv[2])
    by_label = {r["label"]: r for r in rows}

    def rounds(prefix: str) -> list[dict]:
        out, n = [], 1
        while f"{prefix} {n}" in by_label:
            out.append(by_label[f"{prefix} {n}"])
            n += 1
        return out

    def cpu_ms_per_request(run: dict, which: list[int]) -> float:
        ticks = sum(run["cpu_ticks"][i] for i in which)
        return 1000 * ticks / ticks_per_s / max(1, run["requests"])

    verdicts = []
    print(
        "Gateway overhead, concurrency 1, one item per request. p50s are the median over the rounds;"
        " CPU columns are the CPU time the processes used per request (a floor for the latency the"
        " hop adds, independent of waiting for a core)."
    )
    print()
    print(
        "| call | direct p50 ms (rounds) | gateway p50 ms (rounds) | added at p50 ms |"
        " direct p99 ms | gateway p99 ms | gateway CPU ms/request | encoder CPU ms/request |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for kind, name, encoder in (("text", "EmbedText", 0), ("image", "EmbedImage (640x480 JPEG)", 1)):
        direct, gateway = rounds(f"{kind} direct"), rounds(f"{kind} gateway")
        d50 = statistics.median(r["p50_ms"] for r in direct)
        g50 = statistics.median(r["p50_ms"] for r in gateway)
        d99 = statistics.median(r["p99_ms"] for r in direct)
        g99 = statistics.median(r["p99_ms"] for r in gateway)
        gw_cpu = statistics.median(cpu_ms_per_request(r, [2]) for r in gateway)
        enc_cpu = statistics.median(cpu_ms_per_request(r, [encoder]) for r in direct)
        errors = sum(sum(r["errors"].values()) for r in direct + gateway)
        added = g50 - d50
        d_list = ", ".join(f"{r['p50_ms']:.2f}" for r in direct)
        g_list = ", ".join(f"{r['p50_ms']:.2f}" for r in gateway)
        print(
            f"| {name} | {d50:.3f} ({d_list}) | {g50:.3f} ({g_list}) | **{added:+.3f}** |"
            f" {d99:.2f} | {g99:.2f} | {gw_cpu:.3f} | {enc_cpu:.3f} |"
        )
        verdicts.append(
            f"{name}: {added:+.3f} ms added at p50 "
            f"({'meets' if added <= OVERHEAD_GOAL_MS else 'misses'} the {OVERHEAD_GOAL_MS} ms goal);"
            f" the gateway spends {gw_cpu:.3f} CPU ms per request; {errors} errors"
        )
    print()
    print(
        "Serving efficiency: concurrency 32 through the gateway against ONNX Runtime in-process at"
        " the mean batch size the encoder formed in that round. Throughput ratio = gateway items/s"
        " / in-process items/s of the same round (mean over rounds). CPU ratio = in-process CPU ms per"
        " item / CPU ms per item of the three service processes (the load generator excluded)."
    )
    print()
    print(
        "| load | gateway items/s (rounds) | p50 ms | p99 ms | errors | mean batch |"
        " in-process items/s (rounds) | throughput ratio | services CPU ms/item |"
        " in-process CPU ms/item | CPU ratio |"
    )
    print("|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|")
    for label, name in (
        ("text load", "EmbedText"),
        ("image load", "EmbedImage, 640x480 JPEG"),
        ("small image load", "EmbedImage, 64x64 JPEG (no resize)"),
    ):
        loads = rounds(label)
        batches = rounds(f"{label} batches")
        inproc = rounds(f"{label} in-process")
        ratios = [l["rps"] / o["items_per_s"] for l, o in zip(loads, inproc)]
        ratio = statistics.mean(ratios)
        svc_cpu = statistics.mean(cpu_ms_per_request(l, [0, 1, 2]) for l in loads)
        ort_cpu = statistics.mean(o["cpu_ms_per_item"] for o in inproc)
        cpu_ratio = ort_cpu / svc_cpu
        errors = {}
        for l in loads:
            for k, v in l["errors"].items():
                errors[k] = errors.get(k, 0) + v
        error_text = ", ".join(f"{k} {v}" for k, v in errors.items()) or "0"
        print(
            f"| {name} | {statistics.mean(l['rps'] for l in loads):.0f}"
            f" ({', '.join(format(l['rps'], '.0f') for l in loads)})"
            f" | {statistics.median(l['p50_ms'] for l in loads):.1f}"
            f" | {statistics.median(l['p99_ms'] for l in loads):.1f} | {error_text}"
            f" | {', '.join(str(b['mean_batch']) for b in batches)}"
            f" | {statistics.mean(o['items_per_s'] for o in inproc):.0f}"
            f" ({', '.join(format(o['items_per_s'], '.0f') for o in inproc)})"
            f" | **{ratio:.2f}** | {svc_cpu:.3f} | {ort_cpu:.3f} | {cpu_ratio:.2f} |"
        )
        verdicts.append(
            f"{name}: throughput ratio {ratio:.2f}, CPU ratio {cpu_ratio:.2f} "
            f"({'meets' if ratio >= EFFICIENCY_GOAL else 'misses'} the {EFFICIENCY_GOAL} goal)"
        )
    print()
    for v in verdicts:
        print(f"- {v}")


if __name__ == "__main__":
    main()
