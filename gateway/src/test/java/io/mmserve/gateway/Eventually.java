package io.mmserve.gateway;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Bounded polling of a condition that another thread makes true (a dispatcher, a health stream):
 * the one way gateway tests wait. Never a fixed sleep; the bound only keeps a broken test from
 * hanging.
 */
public final class Eventually {
  /** Far longer than any condition needs on a loaded machine. */
  public static final Duration BOUND = Duration.ofSeconds(10);

  private Eventually() {}

  /**
   * Returns once {@code condition} holds.
   *
   * @throws AssertionError naming {@code what} if it does not hold within {@link #BOUND}
   */
  public static void await(String what, BooleanSupplier condition) {
    long end = System.nanoTime() + BOUND.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - end > 0) {
        throw new AssertionError("not within " + BOUND.toSeconds() + " s: " + what);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
    }
  }
}
