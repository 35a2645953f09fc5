#!/usr/bin/env python3
"""Helpers of bench/ghz.sh (standard library only).

  ghz_report.py prepare CONFIG IMAGE OUT   copy a ghz config, every "@IMAGE@" string replaced by
                                           the base64 of IMAGE (ghz sends bytes fields as base64)
  ghz_report.py rps RESULT                 the rps of one ghz JSON result
  ghz_report.py line RESULT                a one-line summary of one ghz JSON result
  ghz_report.py fields RESULT              "rps p50_ms p99_ms failed_calls" of one ghz JSON result
  ghz_report.py capacity RATE=RESULT...    the open-loop capacity of fixed-rate probes given in rising
                                           order: the highest rate that was sustained (rps at least
                                           SUSTAINED of it, no errors) with p50 at most FLAT_P50 x and
                                           p99 at most BOUNDED_P99 x the lowest probe's; 0 when none was
  ghz_report.py write RUNS DOC HEADER      the results table of the runs listed in RUNS (tab-separated
                                           scenario, stack, load, result file), with the two issue-5
                                           ratios, written into DOC between the ghz markers; HEADER
                                           is a file with the lines that go above the table
"""
import base64
import json
import math
import sys
from pathlib import Path

BEGIN = "<!-- ghz:begin -->"
END = "<!-- ghz:end -->"
IMAGE_PLACEHOLDER = "@IMAGE@"

BATCHING_GOAL = 4.0
TAIL_GOAL = 3.0
SUSTAINED = 0.95
FLAT_P50 = 3.0
BOUNDED_P99 = 5.0


def prepare(config_path, image_path, out_path):
    config = json.loads(Path(config_path).read_text())
    encoded = base64.b64encode(Path(image_path).read_bytes()).decode("ascii")

    def substitute(value):
        if isinstance(value, dict):
            return {k: substitute(v) for k, v in value.items()}
        if isinstance(value, list):
            return [substitute(v) for v in value]
        return encoded if value == IMAGE_PLACEHOLDER else value

    Path(out_path).write_text(json.dumps(substitute(config)))


def load(result_path):
    return json.loads(Path(result_path).read_text())


def percentile_ms(result, percentage):
    for entry in result.get("latencyDistribution") or []:
        if entry.get("percentage") == percentage:
            return entry.get("latency", 0) / 1e6
    return math.nan


def errors(result):
    codes = result.get("statusCodeDistribution") or {}
    failed = {code: n for code, n in codes.items() if code != "OK" and n}
    if not failed:
        return "none"
    return ", ".join(f"{code} {n}" for code, n in sorted(failed.items()))


def requests(result):
    return sum((result.get("statusCodeDistribution") or {}).values())


def failed(result):
    """Calls that did not end OK."""
    return sum(n for code, n in (result.get("statusCodeDistribution") or {}).items() if code != "OK")


def fields(result):
    """'rps p50_ms p99_ms failed', space-separated, for shell scripts (0 for a missing percentile)."""
    p50, p99 = (percentile_ms(result, p) for p in (50, 99))
    return (
        f"{result.get('rps', 0):.2f} {0 if math.isnan(p50) else p50:.1f} "
        f"{0 if math.isnan(p99) else p99:.1f} {failed(result)}"
    )


def line(result):
    return (
        f"{requests(result)} requests, {result.get('rps', 0):.1f} rps, "
        f"p50 {percentile_ms(result, 50):.1f} ms, p95 {percentile_ms(result, 95):.1f} ms, "
        f"p99 {percentile_ms(result, 99):.1f} ms, errors: {errors(result)}"
    )


def capacity(probes):
    """The highest rate of (rate, result) probes, rising, sustained with a flat p50; 0 if none.

    Open loop, a stack keeps up until its queues start to grow: then the achieved rate falls short
    of the offered one, the median latency climbs, or, first, the tail does (a queue that forms in
    bursts and drains). A probe counts when it is served in full, its p50 is at most FLAT_P50 x the
    first probe's and its p99 at most BOUNDED_P99 x the first probe's; the capacity is the last such
    rate before the first that fails, since a failing rate is past the knee."""
    reference = None
    best = 0
    for rate, result in probes:
        p50 = percentile_ms(result, 50) if result else math.nan
        p99 = percentile_ms(result, 99) if result else math.nan
        if math.isnan(p50) or math.isnan(p99):
            break
        if reference is None:
            reference = (p50, p99)
        sustained = result.get("rps", 0) >= SUSTAINED * rate and errors(result) == "none"
        if not sustained or p50 > FLAT_P50 * reference[0] or p99 > BOUNDED_P99 * reference[1]:
            break
        best = rate
    return best


def read_runs(runs_path):
    runs = []
    for raw in Path(runs_path).read_text().splitlines():
        if not raw.strip():
            continue
        scenario, stack, load_label, result_path = raw.split("\t")
        result = load(result_path) if Path(result_path).is_file() else None
        runs.append({"scenario": scenario, "stack": stack, "load": load_label, "result": result})
    return runs


def find(runs, scenario, stack, load_prefix):
    for run in runs:
        if (
            run["scenario"] == scenario
            and run["stack"] == stack
            and run["load"].startswith(load_prefix)
            and run["result"] is not None
        ):
            return run["result"]
    return None


def fmt(value, digits=1):
    return "n/a" if value is None or math.isnan(value) else f"{value:.{digits}f}"


def table(runs):
    rows = [
        "| scenario | stack | load | requests | rps | p50 ms | p95 ms | p99 ms | errors by status |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for run in runs:
        result = run["result"]
        if result is None:
            rows.append(
                f"| {run['scenario']} | {run['stack']} | {run['load']} | | | | | | not run |"
            )
            continue
        rows.append(
            f"| {run['scenario']} | {run['stack']} | {run['load']} | {requests(result)} | "
            f"{result.get('rps', 0):.1f} | {fmt(percentile_ms(result, 50))} | "
            f"{fmt(percentile_ms(result, 95))} | {fmt(percentile_ms(result, 99))} | "
            f"{errors(result)} |"
        )
    return rows


def ratios(runs):
    lines = []
    for off_stack, goal in (("batching off", True), ("gateway batching off", False)):
        for scenario in ("EmbedText", "EmbedImage"):
            on = find(runs, scenario, "batching on", "concurrency 64")
            off = find(runs, scenario, off_stack, "concurrency 64")
            what = f"{scenario} throughput at concurrency 64, batching on / {off_stack}"
            if on and off and off.get("rps"):
                ratio = on["rps"] / off["rps"]
                verdict = "meets" if ratio >= BATCHING_GOAL else "misses"
                lines.append(
                    f"- {what}: {on['rps']:.1f} / {off['rps']:.1f} rps = **{ratio:.2f}x**"
                    + (f" ({verdict} the goal of at least {BATCHING_GOAL:.0f}x)" if goal else "")
                )
            elif goal:
                lines.append(f"- {what}: not measured (a run is missing; see the table)")
    for scenario in ("EmbedText", "EmbedImage", "Classify"):
        steady = find(runs, scenario, "batching on", "fixed rate")
        if steady:
            p50, p99 = percentile_ms(steady, 50), percentile_ms(steady, 99)
            ratio = p99 / p50 if p50 and not math.isnan(p50) else math.nan
            verdict = "meets" if ratio <= TAIL_GOAL else "misses"
            basis = "open-loop capacity" if "capacity" in steady_load(runs, scenario) else "peak"
            lines.append(
                f"- {scenario} p99 / p50 at 70% of its {basis} throughput: "
                f"{fmt(p99)} / {fmt(p50)} ms = **{fmt(ratio, 2)}** "
                f"({verdict} the goal of at most {TAIL_GOAL:.0f})"
            )
    return lines


def steady_load(runs, scenario):
    for run in runs:
        if run["scenario"] == scenario and run["load"].startswith("fixed rate") and run["result"]:
            return run["load"]
    return ""


def error_messages(runs, limit=3):
    lines = []
    for run in runs:
        distribution = (run["result"] or {}).get("errorDistribution") or {}
        top = sorted(distribution.items(), key=lambda item: -item[1])[:limit]
        for message, count in top:
            text = message.replace("`", "'").replace("\n", " ")
            lines.append(f"- {run['scenario']}, {run['stack']}, {run['load']}: {count} x `{text}`")
    return (["", "Errors (most frequent messages per run):", ""] + lines) if lines else []


def write(runs_path, doc_path, header_path):
    runs = read_runs(runs_path)
    block = "\n".join(
        [BEGIN, Path(header_path).read_text().rstrip(), ""]
        + table(runs)
        + ["", "Ratios (one run):", ""]
        + ratios(runs)
        + error_messages(runs)
        + [END]
    )
    doc = Path(doc_path)
    text = doc.read_text()
    if BEGIN in text and END in text:
        start = text.index(BEGIN)
        end = text.index(END) + len(END)
        text = text[:start] + block + text[end:]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    doc.write_text(text)


def main(argv):
    if len(argv) >= 2 and argv[1] == "prepare" and len(argv) == 5:
        prepare(argv[2], argv[3], argv[4])
    elif len(argv) == 3 and argv[1] == "rps":
        print(f"{load(argv[2]).get('rps', 0):.3f}")
    elif len(argv) == 3 and argv[1] == "fields":
        print(fields(load(argv[2])))
    elif len(argv) == 3 and argv[1] == "line":
        print(line(load(argv[2])))
    elif len(argv) >= 3 and argv[1] == "capacity":
        probes = []
        for arg in argv[2:]:
            rate, _, path = arg.partition("=")
            probes.append((int(rate), load(path) if Path(path).is_file() else None))
        print(capacity(probes))
    elif len(argv) == 5 and argv[1] == "write":
        write(argv[2], argv[3], argv[4])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
