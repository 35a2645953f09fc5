package io.mmserve.kit.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A scheduler whose time moves only when a test calls {@link #advance}: due tasks then run on the
 * test's thread, in order. Supports what {@link GrpcServer} uses: {@link #scheduleWithFixedDelay}.
 */
final class ManualScheduler extends AbstractExecutorService implements ScheduledExecutorService {
  private final List<Task> tasks = new ArrayList<>();
  private long nowNanos;
  private boolean shutdown;

  /** Moves time on by {@code step}, running each task as often as it fell due meanwhile. */
  void advance(Duration step) {
    long until = nowNanos + step.toNanos();
    Task next;
    while ((next = nextDue(until)) != null) {
      nowNanos = Math.max(nowNanos, next.dueNanos);
      next.dueNanos = nowNanos + next.delayNanos;
      next.command.run();
    }
    nowNanos = until;
  }

  /** Runs the tasks due now (those scheduled with no initial delay). */
  void runDue() {
    advance(Duration.ZERO);
  }

  /** Tasks scheduled and not cancelled. */
  long activeTasks() {
    return tasks.stream().filter(t -> !t.cancelled).count();
  }

  private Task nextDue(long until) {
    Task first = null;
    for (Task t : tasks) {
      if (!t.cancelled && t.dueNanos <= until && (first == null || t.dueNanos < first.dueNanos)) {
        first = t;
      }
    }
    return first;
  }

  @Override
  public ScheduledFuture<?> scheduleWithFixedDelay(
      Runnable command, long initialDelay, long delay, TimeUnit unit) {
    Task task =
        new Task(command, nowNanos + unit.toNanos(initialDelay), Math.max(1, unit.toNanos(delay)));
    tasks.add(task);
    return task;
  }

  @Override
  public ScheduledFuture<?> scheduleAtFixedRate(
      Runnable command, long initialDelay, long period, TimeUnit unit) {
    return scheduleWithFixedDelay(command, initialDelay, period, unit);
  }

  @Override
  public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
    throw new UnsupportedOperationException("one-shot tasks are not needed here");
  }

  @Override
  public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
    throw new UnsupportedOperationException("one-shot tasks are not needed here");
  }

  @Override
  public void execute(Runnable command) {
    command.run();
  }

  @Override
  public void shutdown() {
    shutdown = true;
  }

  @Override
  public List<Runnable> shutdownNow() {
    shutdown = true;
    tasks.forEach(t -> t.cancelled = true);
    return List.of();
  }

  @Override
  public boolean isShutdown() {
    return shutdown;
  }

  @Override
  public boolean isTerminated() {
    return shutdown;
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) {
    return shutdown;
  }

  private final class Task implements ScheduledFuture<Object> {
    final Runnable command;
    final long delayNanos;
    long dueNanos;
    boolean cancelled;

    Task(Runnable command, long dueNanos, long delayNanos) {
      this.command = command;
      this.dueNanos = dueNanos;
      this.delayNanos = delayNanos;
    }

    @Override
    public long getDelay(TimeUnit unit) {
      return unit.convert(dueNanos - nowNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public int compareTo(Delayed other) {
      return Long.compare(getDelay(TimeUnit.NANOSECONDS), other.getDelay(TimeUnit.NANOSECONDS));
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      boolean was = cancelled;
      cancelled = true;
      return !was;
    }

    @Override
    public boolean isCancelled() {
      return cancelled;
    }

    @Override
    public boolean isDone() {
      return cancelled;
    }

    @Override
    public Object get() {
      throw new UnsupportedOperationException("periodic tasks have no result");
    }

    @Override
    public Object get(long timeout, TimeUnit unit) {
      throw new UnsupportedOperationException("periodic tasks have no result");
    }
  }
}
