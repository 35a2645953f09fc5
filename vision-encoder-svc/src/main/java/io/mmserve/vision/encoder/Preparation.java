package io.mmserve.vision.encoder;

import io.mmserve.inference.batch.BatchingSettings;

/**
 * The preparation stage of the vision pipeline ({@link ImageEncoder}): how many threads decode,
 * crop and normalise images, how many prepared images may wait for or be in a model call, and how
 * many bytes of images may be inside the encoder.
 *
 * @param threads preparation threads ({@code preprocess.threads}, 1..{@value #MAX_THREADS})
 * @param maxPrepared most images normalised and not yet answered ({@code preprocess.max-prepared},
 *     1..{@value #MAX_PREPARED}); at least the model's batch size, or batches could never fill
 * @param maxAdmittedBytes most bytes (encoded files, raw pixels) of the images inside the encoder
 *     from admission to answer ({@code preprocess.max-admitted-bytes}, positive)
 */
public record Preparation(int threads, int maxPrepared, long maxAdmittedBytes) {
  public static final int MAX_THREADS = 256;
  public static final int MAX_PREPARED = 65536;

  /** With {@link #defaultMaxAdmittedBytes()}. */
  public Preparation(int threads, int maxPrepared) {
    this(threads, maxPrepared, defaultMaxAdmittedBytes());
  }

  public Preparation {
    if (maxAdmittedBytes < 1) {
      throw new IllegalArgumentException(
          "maxAdmittedBytes must be positive, but was " + maxAdmittedBytes);
    }
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
   * A quarter of the heap: the images' bytes stay on the heap until their answer, and the rest must
   * hold the decoding of the largest photo (half the heap, {@code ImageCropper.decodeBudget}) and
   * the service's own objects.
   */
  public static long defaultMaxAdmittedBytes() {
    return Math.max(1, Runtime.getRuntime().maxMemory() / 4);
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
