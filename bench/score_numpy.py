"""Score of 1 query against N unit embeddings in numpy: logits = scale * E @ q, then a stable softmax.

Prints one line per case: "<case> <threads> <microseconds per call>". Thread count comes from the
environment (OMP_NUM_THREADS etc.), set by bench/score.sh before numpy is imported.
"""

import os
import sys
import time

import numpy as np

N = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
DIM = 64
SCALE = np.float32(50.0)
MIN_SECONDS = 3.0


def unit_rows(rng, rows):
    m = rng.standard_normal((rows, DIM)).astype(np.float32)
    return m / np.linalg.norm(m, axis=1, keepdims=True)


def logits(e, q):
    return SCALE * (e @ q)


def logits_softmax(e, q):
    z = SCALE * (e @ q)
    z = np.exp(z - z.max())
    return z / z.sum()


def per_call_us(fn, e, q):
    for _ in range(20):
        fn(e, q)
    iters, start = 0, time.perf_counter()
    while True:
        for _ in range(50):
            fn(e, q)
        iters += 50
        elapsed = time.perf_counter() - start
        if elapsed >= MIN_SECONDS:
            return elapsed / iters * 1e6


def main():
    rng = np.random.default_rng(42)
    q = unit_rows(rng, 1)[0]
    e = unit_rows(rng, N)
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "?")
    for name, fn in (("logits", logits), ("logitsSoftmax", logits_softmax)):
        print(f"{name} {threads} {per_call_us(fn, e, q):.1f}", flush=True)


if __name__ == "__main__":
    main()
