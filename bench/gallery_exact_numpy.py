"""Exact top-k of 1 query against N unit vectors in numpy: scores = E @ q, argpartition, sort the k.

Prints one line: "exact <threads> <microseconds per call>". Thread count comes from the environment
(OMP_NUM_THREADS etc.), set by bench/gallery_exact.sh before numpy is imported.
"""

import os
import sys
import time

import numpy as np

N = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
DIM = int(sys.argv[2]) if len(sys.argv) > 2 else 512
K = 10
MIN_SECONDS = 3.0


def exact(e, q):
    s = e @ q
    top = np.argpartition(-s, K)[:K]
    return top[np.argsort(-s[top])], s


def main():
    rng = np.random.default_rng(42)
    e = rng.standard_normal((N, DIM)).astype(np.float32)
    e /= np.linalg.norm(e, axis=1, keepdims=True)
    q = rng.standard_normal(DIM).astype(np.float32)
    q /= np.linalg.norm(q)
    for _ in range(10):
        exact(e, q)
    iters, start = 0, time.perf_counter()
    while True:
        for _ in range(10):
            exact(e, q)
        iters += 10
        elapsed = time.perf_counter() - start
        if elapsed >= MIN_SECONDS:
            break
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "?")
    print(f"exact {threads} {elapsed / iters * 1e6:.1f}", flush=True)


if __name__ == "__main__":
    main()
