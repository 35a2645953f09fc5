"""Reads the ghz JSON reports of triton/bench.sh and prints the markdown table of docs/benchmarks.md.

    bench_report.py DIR

DIR holds {text,image}-{direct,service}.ROUND.json (and jpeg-service.ROUND.json) from `ghz -O json`. Goal (issue 6): through the encoder in
triton mode at most 10% less throughput and at most 0.5 ms more at p50 than ghz straight to Triton.
"""

import json
import pathlib
import statistics
import sys


def load_rounds(folder: pathlib.Path, name: str) -> dict:
    """The rounds NAME.1.json, NAME.2.json, ...: mean req/s, median p50 and p99, summed errors."""
    rounds = [load(p) for p in sorted(folder.glob(f"{name}.*.json"))]
    if not rounds:
        raise SystemExit(f"no results {name}.*.json in {folder}")
    return {
        "rps": statistics.mean(r["rps"] for r in rounds),
        "p50": statistics.median(r["p50"] for r in rounds),
        "p99": statistics.median(r["p99"] for r in rounds),
        "errors": sum(r["errors"] for r in rounds),
        "rounds": ", ".join(f"{r['rps']:.0f}" for r in rounds),
        "cpu_ms": cpu_ms_per_request(folder, name),
    }


def cpu_ms_per_request(folder: pathlib.Path, name: str):
    """The encoder's CPU ms per request over the rounds (NAME.ROUND.json.cpu: ticks and ticks/s)."""
    seconds = requests = 0
    for cpu in sorted(folder.glob(f"{name}.*.json.cpu")):
        used, per_second = (int(x) for x in cpu.read_text().split())
        seconds += used / per_second
        requests += json.loads(cpu.with_suffix("").read_text())["count"]
    return seconds * 1000 / requests if requests else None


def load(path: pathlib.Path) -> dict:
    report = json.loads(path.read_text())
    p50 = next(d["latency"] for d in report["latencyDistribution"] if d["percentage"] == 50) / 1e6
    p99 = next(d["latency"] for d in report["latencyDistribution"] if d["percentage"] == 99) / 1e6
    # ghz ends a timed run by closing its connection: the calls then in flight are not errors
    errors = sum(
        n for message, n in (report.get("errorDistribution") or {}).items()
        if "closed network connection" not in message
    )
    return {"rps": report["rps"], "p50": p50, "p99": p99, "count": report["count"], "errors": errors}


def main() -> int:
    folder = pathlib.Path(sys.argv[1])
    print(
        "| call | path | req/s (rounds) | p50 ms | p99 ms | errors | throughput vs direct | p50 added"
        " | encoder CPU ms/request |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    verdicts = []
    for call, rpc, direct_name in (
        ("text", "EncodeText", "text"),
        ("image", "EncodeImage, raw RGB8 crop", "image"),
        ("jpeg", "EncodeImage, JPEG file", "image"),
    ):
        if not list(folder.glob(f"{call}-service.*.json")):
            continue
        direct = load_rounds(folder, f"{direct_name}-direct")
        service = load_rounds(folder, f"{call}-service")
        if call != "jpeg":
            print(
                f"| {call} | ghz → Triton ModelInfer | {direct['rps']:.0f} ({direct['rounds']}) | {direct['p50']:.2f} | "
                f"{direct['p99']:.2f} | {direct['errors']} | | | |"
            )
        ratio = service["rps"] / direct["rps"]
        added = service["p50"] - direct["p50"]
        print(
            f"| {call} | ghz → {rpc} (triton mode) → Triton | {service['rps']:.0f} ({service['rounds']}) | {service['p50']:.2f} | "
            f"{service['p99']:.2f} | {service['errors']} | {ratio:.0%} | {added:+.2f} ms | {service['cpu_ms']:.3f} |"
        )
        if call == "jpeg":
            verdicts.append(f"jpeg: not a goal (the encoder also decodes and resizes); {ratio:.0%} of direct throughput")
            continue
        met = ratio >= 0.9 and added <= 0.5
        verdicts.append(f"{call}: {'goal met' if met else 'goal missed'} ({ratio:.0%} of direct throughput, {added:+.2f} ms at p50)")
    print()
    for verdict in verdicts:
        print(f"- {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
