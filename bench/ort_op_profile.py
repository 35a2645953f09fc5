"""Where an encoder's time goes inside ONNX Runtime: its own profiler, summed by operator type.

  models/.venv-check/bin/python bench/ort_op_profile.py MODEL.onnx [--batch 16] [--runs 5] [--threads 2]

Runs the model (random inputs of the declared shapes, batch BATCH; an int64 input gets ids below 1000 and a
mask of ones) RUNS times after two warm-up runs, with the encoder services' thread settings (THREADS intra-op
threads, spinning off), and prints the share of the operators' time by type and the wall and process CPU ms per
item (the warm-up runs are not counted). The profile's JSON is deleted afterwards.
"""

import argparse
import collections
import json
import os
import tempfile
import time

import numpy as np
import onnxruntime as ort


def inputs(session, batch, rng):
    feed = {}
    for i in session.get_inputs():
        shape = [batch if not isinstance(d, int) or d < 0 else d for d in i.shape]
        if len(shape) == 2 and not isinstance(i.shape[1], int):
            shape[1] = 16  # a dynamic text length: the 16-position bucket
        if i.type == "tensor(int64)":
            feed[i.name] = (np.ones(shape, np.int64) if "mask" in i.name
                            else rng.integers(1, 1000, shape, dtype=np.int64))
        else:
            feed[i.name] = rng.standard_normal(shape).astype(np.float32)
    return feed


def main():
    p = argparse.ArgumentParser()
    p.add_argument("model")
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        so = ort.SessionOptions()
        so.intra_op_num_threads = a.threads
        so.add_session_config_entry("session.intra_op.allow_spinning", "0")
        so.enable_profiling = True
        so.profile_file_prefix = os.path.join(tmp, "profile")
        session = ort.InferenceSession(a.model, so, providers=["CPUExecutionProvider"])
        feed = inputs(session, a.batch, np.random.default_rng(0))
        for _ in range(2):
            session.run(None, feed)
        cpu0 = time.process_time()
        for _ in range(a.runs):
            session.run(None, feed)
        cpu = time.process_time() - cpu0
        events = json.load(open(session.end_profiling()))
    runs = sorted((e for e in events if e.get("name") == "model_run"), key=lambda e: e["ts"])[2:]
    start = runs[0]["ts"]
    by_type = collections.Counter()
    for e in events:
        if e.get("cat") == "Node" and e["name"].endswith("_kernel_time") and e["ts"] >= start:
            by_type[e["args"]["op_name"]] += e["dur"]
    total = sum(by_type.values())
    wall = sum(e["dur"] for e in runs) / 1000
    print(f"{os.path.basename(a.model)}: batch {a.batch}, {a.runs} runs, {a.threads} intra-op threads: "
          f"{wall / (a.runs * a.batch):.2f} wall ms, {1000 * cpu / (a.runs * a.batch):.2f} CPU ms per item")
    print("| operator | share of operator time | ms per item |\n| --- | ---: | ---: |")
    for op, us in by_type.most_common(12):
        print(f"| {op} | {100 * us / total:.1f}% | {us / 1000 / (a.runs * a.batch):.2f} |")


if __name__ == "__main__":
    main()
