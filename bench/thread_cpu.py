#!/usr/bin/env python3
"""CPU of a process's threads by group, from /proc/PID/task/*/stat (utime + stime, in ticks).

  thread_cpu.py snapshot PID [PID ...] > before.json
  thread_cpu.py diff before.json after.json ITEMS   (one JSON line per PID: CPU us per item by group)

Groups, by thread name (Linux keeps the first 15 characters):
  io     grpc-*, the gRPC event loops and grpc-java's call executor (the serving path)
  model  mmserve-batcher-* (the batcher thread that runs the model) and threads named like the
         process ("java": ONNX Runtime's intra-op threads, which native code starts unnamed)
  prep   image-prepare-* (the vision encoder's threads that decode and preprocess images)
  jit    C1/C2 compiler threads
  gc     G1 and GC threads
  other  everything else (timers, admin HTTP, metrics)
A thread that ended between the snapshots is not counted (its ticks are gone with it).
"""
import json
import os
import sys


def group(name):
    if name.startswith("grpc-"):
        return "io"
    if name.startswith("mmserve-batcher") or name == "java":
        return "model"
    if name.startswith("image-prepare"):
        return "prep"
    if name.startswith(("C1 Compiler", "C2 Compiler")):
        return "jit"
    if name.startswith(("G1 ", "GC ")):
        return "gc"
    return "other"


def threads(pid):
    out = {}
    base = f"/proc/{pid}/task"
    for tid in os.listdir(base):
        try:
            with open(f"{base}/{tid}/stat") as f:
                stat = f.read()
        except OSError:
            continue  # the thread ended
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        out[tid] = [name, int(fields[11]) + int(fields[12])]  # utime, stime
    return out


def main():
    if sys.argv[1] == "snapshot":
        print(json.dumps({pid: threads(pid) for pid in sys.argv[2:]}))
        return
    before = json.load(open(sys.argv[2]))
    after = json.load(open(sys.argv[3]))
    items = int(sys.argv[4])
    hz = os.sysconf("SC_CLK_TCK")
    for pid, now in after.items():
        was = before.get(pid, {})
        groups = {g: 0 for g in ("io", "model", "prep", "jit", "gc", "other")}
        for tid, (name, ticks) in now.items():
            groups[group(name)] += ticks - was.get(tid, [name, 0])[1]
        print(json.dumps({"pid": int(pid), **{g: t * 1e6 / hz / items for g, t in groups.items()}}))


if __name__ == "__main__":
    main()
