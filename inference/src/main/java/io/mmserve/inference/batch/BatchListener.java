package io.mmserve.inference.batch;

/**
 * Observes a {@link DynamicBatcher}, for metrics. Called on the batcher's worker thread; must be
 * quick and must not throw.
 */
public interface BatchListener {
  /** Does nothing. */
  BatchListener NONE = new BatchListener() {};

  /** An item left the queue for a batch after waiting {@code queuedNanos}. */
  default void itemDequeued(long queuedNanos) {}

  /** An item was dropped before the batch call because its caller no longer wants it. */
  default void itemDropped() {}

  /** A batch call of {@code size} items took {@code elapsedNanos}. */
  default void batchCompleted(int size, long elapsedNanos) {}
}
