package io.mmserve.inference.batch;

import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Runs a task after a delay measured on the same clock as the batcher's {@link Ticker}. Production
 * code wraps a {@link ScheduledExecutorService}; tests use a manual clock that fires its timers as
 * the test advances it, so no test waits for real time.
 */
@FunctionalInterface
public interface Timers {
  /**
   * Runs {@code task} once, {@code delayNanos} from now, on a thread of the timers' choosing.
   *
   * @return cancels the task if it has not run yet
   */
  Future<?> schedule(Runnable task, long delayNanos);

  /** Timers on {@code executor}'s threads; the caller owns and shuts down the executor. */
  static Timers of(ScheduledExecutorService executor) {
    return (task, delayNanos) -> executor.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
  }
}
