package io.mmserve.inference.batch;

import io.mmserve.kit.errors.CancelledException;
import io.mmserve.kit.errors.DeadlineExceededException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * One caller's request in an {@link AsyncBatcher}: its results as they arrive, from one or several
 * batches, and the future its caller waits on.
 *
 * @param <O> the result type of one item
 */
final class Request<O> {
  final CompletableFuture<List<O>> future = new CompletableFuture<>();
  final long deadlineNanos;
  private final String batcher;
  private final Object[] results;
  private final AtomicInteger remaining;
  private final BooleanSupplier cancelled;

  /**
   * @param batcher the batcher's name, for messages
   * @param deadlineNanos when the caller gives up, or {@link AsyncBatcher#NO_DEADLINE}
   */
  Request(String batcher, int items, long deadlineNanos, BooleanSupplier cancelled) {
    this.batcher = batcher;
    this.results = new Object[items];
    this.remaining = new AtomicInteger(items);
    this.deadlineNanos = deadlineNanos;
    this.cancelled = cancelled;
  }

  /** True, and the future failed, when nobody waits for the result any more. */
  boolean isAbandoned(long now) {
    if (future.isDone()) {
      return true;
    }
    if (cancelled.getAsBoolean()) {
      fail(new CancelledException("request cancelled before it was sent to " + batcher));
      return true;
    }
    if (deadlineNanos != AsyncBatcher.NO_DEADLINE && now >= deadlineNanos) {
      fail(new DeadlineExceededException("deadline exceeded before the request left " + batcher));
      return true;
    }
    return false;
  }

  /** Sets item {@code index}'s result; the last one completes the future (in item order). */
  @SuppressWarnings("unchecked")
  void complete(int index, O value) {
    results[index] = value;
    if (remaining.decrementAndGet() == 0) {
      future.complete((List<O>) Arrays.asList(results));
    }
  }

  /**
   * Fails this request with DEADLINE_EXCEEDED at its deadline, through {@code timers}, unless it
   * has none or completes first (the timer is then cancelled).
   *
   * @param nowNanos the batcher's ticker when the request was queued
   */
  void failAtDeadline(Timers timers, long nowNanos) {
    if (deadlineNanos == AsyncBatcher.NO_DEADLINE) {
      return;
    }
    Future<?> timer =
        timers.schedule(
            () ->
                fail(
                    new DeadlineExceededException(
                        "deadline exceeded while waiting for " + batcher + " to answer")),
            Math.max(0, deadlineNanos - nowNanos));
    future.whenComplete((r, t) -> timer.cancel(false));
  }

  void fail(Throwable t) {
    future.completeExceptionally(t);
  }
}
