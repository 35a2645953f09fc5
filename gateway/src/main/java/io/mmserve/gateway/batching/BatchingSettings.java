package io.mmserve.gateway.batching;

import java.time.Duration;

/**
 * Limits of an {@link AsyncBatcher}.
 *
 * @param maxBatchSize most items in one backend call; 1 turns batching off (every request goes to
 *     the backend on its own, limited only by the bulkheads)
 * @param maxDelay how long the oldest queued item may wait for more items while a backend call slot
 *     is free; 0 sends at once whenever a slot is free (batches then form from what queues while
 *     every slot is busy)
 * @param maxQueueItems most items waiting; a request that does not fit is shed
 * @param maxQueueBytes most bytes of items waiting; a request that does not fit is shed
 * @param maxBatchBytes most bytes of items in one backend call (one larger item goes alone)
 * @param maxInFlight most backend calls of this batcher at the same time
 * @param retryPushback the retry delay a shed request is told to wait
 */
public record BatchingSettings(
    int maxBatchSize,
    Duration maxDelay,
    int maxQueueItems,
    long maxQueueBytes,
    long maxBatchBytes,
    int maxInFlight,
    Duration retryPushback) {

  public BatchingSettings {
    positive("maxBatchSize", maxBatchSize);
    positive("maxQueueItems", maxQueueItems);
    positive("maxQueueBytes", maxQueueBytes);
    positive("maxBatchBytes", maxBatchBytes);
    positive("maxInFlight", maxInFlight);
    if (maxDelay == null || maxDelay.isNegative()) {
      throw new IllegalArgumentException("maxDelay must not be negative, but was " + maxDelay);
    }
    if (retryPushback == null || retryPushback.isNegative()) {
      throw new IllegalArgumentException(
          "retryPushback must not be negative, but was " + retryPushback);
    }
  }

  /** True when every request goes to the backend on its own. */
  public boolean off() {
    return maxBatchSize == 1;
  }

  private static void positive(String name, long value) {
    if (value < 1) {
      throw new IllegalArgumentException(name + " must be at least 1, but was " + value);
    }
  }
}
