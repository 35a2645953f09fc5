package io.mmserve.testsupport;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.Predicate;

/**
 * Waits for a condition by asking again every {@link #INTERVAL} until it holds or a deadline
 * passes; then fails with the last answer. Runs on the calling thread.
 */
public final class Poll {
  public static final Duration INTERVAL = Duration.ofMillis(250);

  private Poll() {}

  /**
   * Calls {@code probe} until {@code done} accepts its answer.
   *
   * @return the accepted answer
   * @throws AssertionError naming {@code what} and the last answer (or exception) after {@code
   *     timeout}
   */
  public static <T> T until(String what, Duration timeout, Callable<T> probe, Predicate<T> done)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      T answer = null;
      Exception failure = null;
      try {
        answer = probe.call();
        if (done.test(answer)) {
          return answer;
        }
      } catch (Exception e) {
        failure = e;
      }
      if (System.nanoTime() >= deadline) {
        AssertionError error =
            new AssertionError(
                "not within "
                    + timeout
                    + ": "
                    + what
                    + "; last answer: "
                    + (failure != null ? failure : answer));
        if (failure != null) {
          error.initCause(failure);
        }
        throw error;
      }
      Thread.sleep(INTERVAL.toMillis());
    }
  }
}
