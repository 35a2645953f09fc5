"""FAISS HNSW (IndexHNSWFlat, inner product on unit vectors = cosine) on the benchmark data set.

Usage: gallery_ann_faiss.py DATA_DIR M EF_CONSTRUCTION EF[,EF...]

One OpenMP thread for the build and the queries (the Lucene side is single-threaded too). The index
is written to DATA_DIR/faiss-M-EF_CONSTRUCTION.index with its build time beside it, and a later run
reuses it. Queries run one at a time (batch of one, as a service answers them): one untimed pass per
ef, then PASSES timed passes per ef, the fastest counting. Prints "build <seconds> <index bytes>" and
then "ef <ef> <recall@10> <queries/s>" per ef.
"""

import os
import sys
import time

import faiss
import numpy as np

K = 10
PASSES = 2


def main():
    data, m, ef_construction = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    efs = [int(e) for e in sys.argv[4].split(",")]
    faiss.omp_set_num_threads(1)
    base = np.load(os.path.join(data, "base.npy"))
    queries = np.load(os.path.join(data, "queries.npy"))
    truth = np.load(os.path.join(data, "truth.npy"))

    path = os.path.join(data, f"faiss-{m}-{ef_construction}.index")
    if not os.path.exists(path + ".build"):
        index = faiss.IndexHNSWFlat(base.shape[1], m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = ef_construction
        start = time.perf_counter()
        index.add(base)
        build = time.perf_counter() - start
        faiss.write_index(index, path)
        with open(path + ".build", "w") as f:
            f.write(f"{build:.1f}\n")
    index = faiss.read_index(path)
    build = float(open(path + ".build").read())
    print(f"build {build:.1f} {os.path.getsize(path)}", flush=True)

    for ef in efs:  # warm-up
        index.hnsw.efSearch = ef
        for q in queries:
            index.search(q[None, :], K)
    for ef in efs:
        index.hnsw.efSearch = ef
        found = np.empty((len(queries), K), dtype=np.int64)
        elapsed = float("inf")
        for _ in range(PASSES):
            start = time.perf_counter()
            for i, q in enumerate(queries):
                found[i] = index.search(q[None, :], K)[1][0]
            elapsed = min(elapsed, time.perf_counter() - start)
        recall = np.mean([len(set(found[i]) & set(truth[i])) / K for i in range(len(queries))])
        print(f"ef {ef} {recall:.4f} {len(queries) / elapsed:.1f}", flush=True)


if __name__ == "__main__":
    main()
