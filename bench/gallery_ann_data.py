"""Writes the approximate-search benchmark's data set, shared by the Lucene and FAISS sides.

Usage: gallery_ann_data.py N DIM QUERIES OUT_DIR

Clustered unit vectors, seeded: N / 200 centroids drawn uniformly on the sphere, each point a centroid
plus Gaussian noise of norm about NOISE, normalised (cosine to its centroid about 0.8, to another
point of its cluster about 0.64, to the rest about 0). The queries are drawn the same way from the
same centroids with another seed. OUT_DIR gets base.npy (float32 N x DIM), queries.npy (float32
QUERIES x DIM) and truth.npy (int64 QUERIES x 10: the exact top 10 by cosine, best first). Does
nothing if the three files exist.
"""

import os
import sys

import numpy as np

K = 10
NOISE = 0.75
POINTS_PER_CLUSTER = 200
CHUNK = 50_000


def unit_rows(x):
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x


def clustered(rng, centroids, n, dim):
    out = np.empty((n, dim), dtype=np.float32)
    for start in range(0, n, CHUNK):
        m = min(CHUNK, n - start)
        which = rng.integers(0, len(centroids), size=m)
        noise = rng.standard_normal((m, dim), dtype=np.float32) * (NOISE / np.sqrt(dim))
        out[start : start + m] = unit_rows(centroids[which] + noise)
    return out


def exact_top_k(base, queries):
    best_scores = np.full((len(queries), K), -np.inf, dtype=np.float32)
    best_ids = np.zeros((len(queries), K), dtype=np.int64)
    for start in range(0, len(base), CHUNK):
        scores = queries @ base[start : start + CHUNK].T
        ids = np.argpartition(-scores, K, axis=1)[:, :K] + start
        cand_scores = np.concatenate([best_scores, np.take_along_axis(scores, ids - start, 1)], 1)
        cand_ids = np.concatenate([best_ids, ids], 1)
        keep = np.argsort(-cand_scores, axis=1, kind="stable")[:, :K]
        best_scores = np.take_along_axis(cand_scores, keep, 1)
        best_ids = np.take_along_axis(cand_ids, keep, 1)
    return best_ids


def main():
    n, dim, nq, out = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    files = [os.path.join(out, f) for f in ("base.npy", "queries.npy", "truth.npy")]
    if all(os.path.exists(f) for f in files):
        return
    os.makedirs(out, exist_ok=True)
    centroids = unit_rows(
        np.random.default_rng(12).standard_normal((max(1, n // POINTS_PER_CLUSTER), dim))
    ).astype(np.float32)
    base = clustered(np.random.default_rng(42), centroids, n, dim)
    queries = clustered(np.random.default_rng(7), centroids, nq, dim)
    truth = exact_top_k(base, queries)
    np.save(files[0], base)
    np.save(files[1], queries)
    np.save(files[2], truth)


if __name__ == "__main__":
    main()
