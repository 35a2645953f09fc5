package io.mmserve.triton;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.mmserve.kit.errors.CancelledException;
import java.time.Duration;
import java.util.function.Predicate;

/**
 * Repeats a call while it fails with a retryable status and time is left before a deadline, waiting
 * between attempts with exponential backoff (initial, doubled, capped). Before each wait it asks
 * the channel to reconnect at once, so a restarted Triton is found as soon as it listens again
 * instead of after grpc-java's own reconnect backoff (which grows to minutes).
 */
final class RetryLoop {
  /** One attempt, given the nanoseconds left before the deadline. */
  interface Attempt<T> {
    T call(long remainingNanos);
  }

  /** Waits between attempts; tests pass one that returns at once. */
  interface Sleeper {
    Sleeper THREAD =
        duration -> Thread.sleep(duration.toMillis(), duration.toNanosPart() % 1_000_000);

    void sleep(Duration duration) throws InterruptedException;
  }

  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final Sleeper sleeper;
  private final Runnable reconnectNow;

  RetryLoop(Duration initialBackoff, Duration maxBackoff, Sleeper sleeper, Runnable reconnectNow) {
    this.initialBackoff = initialBackoff;
    this.maxBackoff = maxBackoff;
    this.sleeper = sleeper;
    this.reconnectNow = reconnectNow;
  }

  /**
   * The first successful result of {@code attempt}.
   *
   * @throws StatusRuntimeException the last failure: one that is not retryable, or the last one
   *     before the deadline
   * @throws CancelledException if interrupted while waiting (the interrupt flag is restored)
   */
  <T> T run(Attempt<T> attempt, long deadlineNanos, Predicate<Status> retryable) {
    Duration backoff = initialBackoff;
    while (true) {
      long remaining = Math.max(deadlineNanos - System.nanoTime(), 1);
      try {
        return attempt.call(remaining);
      } catch (StatusRuntimeException e) {
        if (!retryable.test(e.getStatus())
            || System.nanoTime() + backoff.toNanos() >= deadlineNanos) {
          throw e;
        }
      }
      if (reconnectNow != null) {
        reconnectNow.run();
      }
      try {
        sleeper.sleep(backoff);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CancelledException("interrupted while waiting to retry a call to Triton", e);
      }
      backoff =
          backoff.multipliedBy(2).compareTo(maxBackoff) > 0 ? maxBackoff : backoff.multipliedBy(2);
    }
  }
}
