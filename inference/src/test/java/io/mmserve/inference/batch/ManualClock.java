package io.mmserve.inference.batch;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;

/**
 * A ticker and its timers that move only when a test advances them: {@link #advance} runs, on the
 * test's thread, every timer that has come due. Thread-safe.
 */
final class ManualClock implements Ticker, Timers {
  private record Timer(
      long dueNanos, long delayNanos, Runnable task, CompletableFuture<?> handle) {}

  private final List<Timer> timers = new ArrayList<>();
  private long nanos;

  @Override
  public synchronized long nanoTime() {
    return nanos;
  }

  @Override
  public synchronized Future<?> schedule(Runnable task, long delayNanos) {
    Timer timer = new Timer(nanos + delayNanos, delayNanos, task, new CompletableFuture<>());
    timers.add(timer);
    return timer.handle();
  }

  /** Moves the clock on and runs the timers that are due, earliest first. */
  void advance(Duration d) {
    synchronized (this) {
      nanos += d.toNanos();
    }
    Timer due;
    while ((due = nextDue()) != null) {
      if (due.handle().complete(null)) {
        due.task().run();
      }
    }
  }

  /** The delays of every timer scheduled so far, in order. */
  synchronized List<Long> delays() {
    return timers.stream().map(Timer::delayNanos).toList();
  }

  /** Timers neither run nor cancelled. */
  synchronized long pending() {
    return timers.stream().filter(t -> !t.handle().isDone()).count();
  }

  private synchronized Timer nextDue() {
    return timers.stream()
        .filter(t -> !t.handle().isDone() && t.dueNanos() <= nanos)
        .min(Comparator.comparingLong(Timer::dueNanos))
        .orElse(null);
  }
}
