package io.mmserve.gateway.discovery;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Bounded polling for the integration tests, whose conditions depend on other processes (the API
 * server, its controllers, the gateway): generous bounds that only keep a broken test from hanging,
 * never a measure of speed.
 */
final class Waits {
  /** Far longer than a controller, an informer and a channel need on a loaded machine. */
  static final Duration GENEROUS = Duration.ofSeconds(60);

  private Waits() {}

  /** A condition that may throw (an HTTP or API call). */
  @FunctionalInterface
  interface Condition {
    boolean holds() throws Exception;
  }

  /**
   * Returns once {@code condition} holds; an exception it throws counts as "not yet".
   *
   * @throws AssertionError naming {@code what} and {@code state} if it does not hold within {@code
   *     bound}
   */
  static void await(String what, Duration bound, Condition condition, Supplier<String> state)
      throws InterruptedException {
    long end = System.nanoTime() + bound.toNanos();
    Exception last = null;
    while (true) {
      try {
        if (condition.holds()) {
          return;
        }
      } catch (Exception e) {
        last = e;
      }
      if (System.nanoTime() - end > 0) {
        throw new AssertionError(
            "not within " + bound.toSeconds() + " s: " + what + "; " + state.get(), last);
      }
      TimeUnit.MILLISECONDS.sleep(50);
    }
  }
}
