package io.mmserve.inference.batch;

import java.util.concurrent.locks.ReentrantLock;

/**
 * The one timer of an {@link AsyncBatcher} that wakes it when the oldest queued item has waited
 * {@code maxDelay}. Armed under the batcher's lock; arming again for a later time than the armed
 * one does nothing, since a younger item never comes due first.
 */
final class DelayTimer {
  private final Timers timers;
  private final ReentrantLock lock;
  private final Runnable expired;
  private long dueNanos; // guarded by lock
  private boolean armed; // guarded by lock

  /**
   * @param lock the batcher's lock, which guards this timer's state
   * @param expired runs, without the lock, when a timer fires
   */
  DelayTimer(Timers timers, ReentrantLock lock, Runnable expired) {
    this.timers = timers;
    this.lock = lock;
    this.expired = expired;
  }

  /** Makes sure a timer fires at {@code due} or earlier; call with the lock held. */
  void arm(long due, long now) {
    if (armed && dueNanos <= due) {
      return;
    }
    armed = true;
    dueNanos = due;
    timers.schedule(() -> fired(due), Math.max(0, due - now));
  }

  private void fired(long due) {
    lock.lock();
    try {
      if (armed && dueNanos == due) {
        armed = false;
      }
    } finally {
      lock.unlock();
    }
    expired.run();
  }
}
