package io.mmserve.vision.encoder;

import io.mmserve.inference.batch.BatchingSettings;

/**
 * The preparation stage of the vision pipeline ({@link ImageEncoder}): how many threads decode,
 * crop and normalise images, and how many prepared images may wait for or be in a model call.
 *
 * @param threads preparation threads ({@code preprocess.threads}, 1..{@value #MAX_THREADS})
 * @param maxPrepared most images normalised and not yet answered ({@code preprocess.max-prepared},
 *     1..{@value #MAX_PREPARED}); at least the model's batch size, or batches could never fill
 */
public record Preparation(int threads, int maxPrepared) {
  public static final int MAX_THREADS = 256;
  public static final int MAX_PREPARED = 65536;

  public Preparation {
    if (threads < 1 || threads > MAX_THREADS) {
      throw new IllegalArgumentException(
          "threads must be in 1.." + MAX_THREADS + ", but was " + threads);
    }
    if (maxPrepared < 1 || maxPrepared > MAX_PREPARED) {
      throw new IllegalArgumentException(
          "maxPrepared must be in 1.." + MAX_PREPARED + ", but was " + maxPrepared);
    }
  }

  /**
   * Enough prepared images for every model call in flight and one more full batch, ready while they
   * run: {@code maxBatchSize x (maxInFlight + 1)}.
   */
  public static int defaultMaxPrepared(BatchingSettings batching) {
    long n = (long) batching.maxBatchSize() * (batching.maxInFlight() + 1L);
    return (int) Math.min(n, MAX_PREPARED);
  }

  /**
   * @throws IllegalArgumentException if {@link #maxPrepared} is below the batch size
   */
  void check(BatchingSettings batching) {
    if (maxPrepared < batching.maxBatchSize()) {
      throw new IllegalArgumentException(
          "maxPrepared must be at least the batch size ("
              + batching.maxBatchSize()
              + "), but was "
              + maxPrepared);
    }
  }
}
