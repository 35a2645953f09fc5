package io.mmserve.inference.batch;

/**
 * Observes a batcher, for metrics ({@link BatchMetrics}). Called on whichever thread did the work,
 * sometimes under the batcher's lock: must be quick and must not throw.
 */
public interface BatchListener {
  /** Does nothing. */
  BatchListener NONE = new BatchListener() {};

  /** A request of {@code items} items was refused at once because the queue had no room. */
  default void rejected(int items) {}

  /** Queued items were dropped before their batch call because their caller had gone. */
  default void dropped(int items) {}

  /** An item left the queue for a batch call after waiting {@code queuedNanos}. */
  default void dequeued(long queuedNanos) {}

  /** A batch call of {@code items} items, from {@code requests} requests, started. */
  default void batchStarted(int items, int requests) {}

  /** A batch call of {@code items} items ended, answered or failed, after {@code elapsedNanos}. */
  default void batchEnded(int items, long elapsedNanos) {}
}
