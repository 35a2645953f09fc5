#!/usr/bin/env python3
"""Resident memory of processes from /proc, for bench/memory.sh (standard library only).

  memory_watch.py snapshot PID=LABEL...     one JSON line: {label: {"rss_mib", "hwm_mib", "threads"}}
  memory_watch.py watch OUT PID=LABEL...    samples VmRSS and Threads every 0.2 s until SIGTERM, then
                                            writes {label: {"peak_rss_mib", "hwm_mib", "peak_threads"}}
                                            to OUT
  memory_watch.py files FILE...             total size of the files in MiB

VmRSS is the resident set now (heap, JIT code, native libraries, ONNX Runtime's buffers; file pages
such as the mapped libjvm.so included); VmHWM the highest VmRSS the kernel saw since the process
started, so it also covers model loading and moments between two samples.
"""
import json
import os
import signal
import sys
import time

KIB_PER_MIB = 1024


def status(pid):
    """VmRSS and VmHWM of pid in MiB and its thread count, or None when the process is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            fields = dict(line.split(":", 1) for line in f if ":" in line)
    except (FileNotFoundError, ProcessLookupError):
        return None
    kib = lambda key: int(fields[key].split()[0])  # noqa: E731 ("123456 kB")
    return kib("VmRSS") / KIB_PER_MIB, kib("VmHWM") / KIB_PER_MIB, int(fields["Threads"])


def parse(specs):
    pids = {}
    for spec in specs:
        pid, _, label = spec.partition("=")
        pids[label or pid] = int(pid)
    return pids


def snapshot(specs):
    out = {}
    for label, pid in parse(specs).items():
        now = status(pid)
        if now:
            out[label] = {"rss_mib": round(now[0], 1), "hwm_mib": round(now[1], 1), "threads": now[2]}
    print(json.dumps(out))


def watch(out_path, specs):
    pids = parse(specs)
    peaks = {label: 0.0 for label in pids}
    threads = {label: 0 for label in pids}
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
    signal.signal(signal.SIGINT, lambda *_: stop.append(True))
    hwm = {}
    while not stop:
        for label, pid in pids.items():
            now = status(pid)
            if now:
                peaks[label] = max(peaks[label], now[0])
                hwm[label] = now[1]
                threads[label] = max(threads[label], now[2])
        time.sleep(0.2)
    result = {
        label: {
            "peak_rss_mib": round(peaks[label], 1),
            "hwm_mib": round(hwm.get(label, 0), 1),
            "peak_threads": threads[label],
        }
        for label in pids
    }
    with open(out_path, "w") as f:
        json.dump(result, f)


def files(paths):
    print(f"{sum(os.path.getsize(p) for p in paths) / KIB_PER_MIB / KIB_PER_MIB:.1f}")


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    if command == "snapshot":
        snapshot(args)
    elif command == "watch":
        watch(args[0], args[1:])
    elif command == "files":
        files(args)
    else:
        sys.exit(__doc__)
