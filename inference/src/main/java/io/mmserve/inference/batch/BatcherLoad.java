package io.mmserve.inference.batch;

/** How busy a batcher is right now, for gauges. Thread-safe. */
public interface BatcherLoad {
  /** Items waiting for a batch. */
  int queuedItems();

  /** Batch calls holding a call slot (sent and not yet answered). */
  int inFlight();
}
