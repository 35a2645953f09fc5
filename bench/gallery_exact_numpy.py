"""Exact top-k of 1 query against N unit vectors in numpy: scores = E @ q, argpartition, sort the k.

Usage: gallery_exact_numpy.py [N] [DIM]          prints "exact <threads> <microseconds per call>"
       gallery_exact_numpy.py serve N DIM        prints "ready", then for each stdin line ITERATIONS
                                                 runs that many calls and prints "MEAN_US MIN_US"
Thread count comes from the environment (OMP_NUM_THREADS etc.), set by bench/gallery_exact.sh before
numpy is imported. The serve mode is the numpy side of bench/gallery_exact_alternate.py.
"""

import os
import sys
import time

import numpy as np

K = 10
MIN_SECONDS = 3.0


def exact(e, q):
    s = e @ q
    top = np.argpartition(-s, K)[:K]
    return top[np.argsort(-s[top])], s


def data(n, dim):
    rng = np.random.default_rng(42)
    e = rng.standard_normal((n, dim)).astype(np.float32)
    e /= np.linalg.norm(e, axis=1, keepdims=True)
    q = rng.standard_normal(dim).astype(np.float32)
    q /= np.linalg.norm(q)
    return e, q


def serve(n, dim):
    e, q = data(n, dim)
    print("ready", flush=True)
    for line in sys.stdin:
        iterations = int(line)
        total, best = 0.0, float("inf")
        for _ in range(iterations):
            start = time.perf_counter()
            exact(e, q)
            took = time.perf_counter() - start
            total += took
            best = min(best, took)
        print(f"{total / iterations * 1e6:.1f} {best * 1e6:.1f}", flush=True)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "serve":
        serve(int(sys.argv[2]), int(sys.argv[3]))
        return
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    dim = int(sys.argv[2]) if len(sys.argv) > 2 else 512
    e, q = data(n, dim)
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
