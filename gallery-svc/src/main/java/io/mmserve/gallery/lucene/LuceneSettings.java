package io.mmserve.gallery.lucene;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How the embedded Lucene backend stores and searches.
 *
 * @param dataDir one folder per collection under it
 * @param quantization how the HNSW graph stores vectors for scoring; the full float vectors are
 *     always kept for re-ranking and exact search
 * @param hnswM neighbours per HNSW node (Lucene's maxConn)
 * @param hnswEfConstruction candidates considered while building the graph (Lucene's beamWidth)
 * @param exactMaxSize collections of at most this many items are always searched exactly
 * @param rerankOversample an approximate search fetches top_k x this many candidates and re-ranks
 *     them by their full vectors
 * @param exactThreads threads one exact search scores on (its caller's and exactThreads - 1 of a
 *     pool the index owns)
 * @param commitInterval how often a collection with logged writes commits them to its index and
 *     empties its write-ahead log
 */
public record LuceneSettings(
    Path dataDir,
    Quantization quantization,
    int hnswM,
    int hnswEfConstruction,
    int exactMaxSize,
    int rerankOversample,
    int exactThreads,
    Duration commitInterval) {
  public static final int DEFAULT_HNSW_M = 16;
  public static final int DEFAULT_HNSW_EF_CONSTRUCTION = 100;
  public static final int DEFAULT_EXACT_MAX_SIZE = 10_000;
  public static final int DEFAULT_RERANK_OVERSAMPLE = 4;
  public static final int DEFAULT_EXACT_THREADS = 2;
  public static final Duration DEFAULT_COMMIT_INTERVAL = Duration.ofSeconds(30);

  /** How HNSW vectors are stored for graph search. */
  public enum Quantization {
    /** int8 scalar quantization: a quarter of the memory, re-ranked against the full vectors. */
    INT8,
    /**
     * Binary quantization (Lucene's BBQ: one bit per dimension, queries at four bits): a 32nd of
     * the memory; needs a larger re-rank oversample for the same recall.
     */
    BINARY,
    /** Full float vectors in the graph too. */
    NONE
  }

  public LuceneSettings {
    if (hnswM < 2 || hnswM > 512) {
      throw new IllegalArgumentException("hnswM must be in 2..512, but was " + hnswM);
    }
    if (hnswEfConstruction < 1 || hnswEfConstruction > 3200) {
      throw new IllegalArgumentException(
          "hnswEfConstruction must be in 1..3200, but was " + hnswEfConstruction);
    }
    if (exactMaxSize < 0 || rerankOversample < 1) {
      throw new IllegalArgumentException("exactMaxSize >= 0 and rerankOversample >= 1");
    }
    if (exactThreads < 1 || exactThreads > 256) {
      throw new IllegalArgumentException("exactThreads must be in 1..256, but was " + exactThreads);
    }
    if (commitInterval.isNegative() || commitInterval.isZero()) {
      throw new IllegalArgumentException("commitInterval must be positive");
    }
  }

  /** The defaults above, storing under {@code dataDir}. */
  public static LuceneSettings defaults(Path dataDir) {
    return new LuceneSettings(
        dataDir,
        Quantization.INT8,
        DEFAULT_HNSW_M,
        DEFAULT_HNSW_EF_CONSTRUCTION,
        DEFAULT_EXACT_MAX_SIZE,
        DEFAULT_RERANK_OVERSAMPLE,
        DEFAULT_EXACT_THREADS,
        DEFAULT_COMMIT_INTERVAL);
  }
}
