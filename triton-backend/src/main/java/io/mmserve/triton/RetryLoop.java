package io.mmserve.triton;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.mmserve.inference.batch.Ticker;
import io.mmserve.kit.errors.CancelledException;
import java.time.Duration;
import java.util.function.Predicate;

/**
 * Repeats a call while it fails with a retryable status and time is left before a deadline, waiting
 * between attempts with exponential backoff (initial, doubled, capped). Before each wait it asks
 * the channel to reconnect at once, so a restarted Triton is found as soon as it listens again
 * instead of after grpc-java's own reconnect backoff (which grows to minutes).
 *
 * <p>When the time runs out during retries, the caller gets the retryable failure that the retries
 * were for (Triton unavailable, a model not loaded), never a DEADLINE_EXCEEDED of the retry itself:
 * no retry starts once the deadline has passed on the {@link Ticker}, and a retry that runs out of
 * time reports the failure it retried (with its own timeout as a suppressed exception). Only a
 * first attempt that runs out of time is DEADLINE_EXCEEDED. So the outcome depends on what Triton
 * answered, not on how busy the machine was.
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
  private final Ticker ticker;
  private final Runnable reconnectNow;

  /**
   * @param ticker the clock of the deadlines given to {@link #run}
   * @param reconnectNow asks the channel to reconnect before a wait; null for nothing
   */
  RetryLoop(
      Duration initialBackoff,
      Duration maxBackoff,
      Sleeper sleeper,
      Ticker ticker,
      Runnable reconnectNow) {
    this.initialBackoff = initialBackoff;
    this.maxBackoff = maxBackoff;
    this.sleeper = sleeper;
    this.ticker = ticker;
    this.reconnectNow = reconnectNow;
  }

  /**
   * The first successful result of {@code attempt}.
   *
   * @param deadlineNanos when to give up, on the ticker
   * @throws StatusRuntimeException a failure that is not retryable, or, once the time is up, the
   *     last retryable one (see the class comment)
   * @throws CancelledException if interrupted while waiting (the interrupt flag is restored)
   */
  <T> T run(Attempt<T> attempt, long deadlineNanos, Predicate<Status> retryable) {
    Duration backoff = initialBackoff;
    StatusRuntimeException retrying = null; // the failure the next attempt retries
    while (true) {
      long remaining = deadlineNanos - ticker.nanoTime();
      if (retrying != null && remaining <= 0) {
        throw retrying;
      }
      try {
        return attempt.call(Math.max(remaining, 1));
      } catch (StatusRuntimeException e) {
        if (retrying != null && e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED) {
          retrying.addSuppressed(e);
          throw retrying;
        }
        if (!retryable.test(e.getStatus())
            || ticker.nanoTime() + backoff.toNanos() >= deadlineNanos) {
          throw e;
        }
        retrying = e;
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
