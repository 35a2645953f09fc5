package io.mmserve.triton;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The retry loop on a manual clock that moves only when the loop sleeps (by the backoff plus an
 * oversleep the test chooses) or when an attempt takes time.
 */
class RetryLoopTest {
  private static final Duration BACKOFF = Duration.ofMillis(10);
  private static final long DEADLINE = Duration.ofMillis(100).toNanos();

  private final AtomicLong now = new AtomicLong();
  private final List<Long> attemptsLeft =
      new ArrayList<>(); // remaining nanos given to each attempt
  private Duration oversleep = Duration.ZERO;

  private final RetryLoop loop =
      new RetryLoop(
          BACKOFF,
          Duration.ofMillis(40),
          d -> now.addAndGet(d.plus(oversleep).toNanos()),
          now::get,
          null);

  @Test
  void run_startsNoAttemptOnceTheDeadlineHasPassedAndThrowsTheRetriedFailure() {
    StatusRuntimeException unavailable = Status.UNAVAILABLE.asRuntimeException();
    oversleep = Duration.ofMillis(200);

    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> run(remaining -> unavailable));

    assertSame(unavailable, e);
    assertEquals(1, attemptsLeft.size());
  }

  @Test
  void run_throwsTheRetriedFailureWhenTheRetryItselfRunsOutOfTime() {
    StatusRuntimeException unavailable = Status.UNAVAILABLE.asRuntimeException();
    StatusRuntimeException timedOut = Status.DEADLINE_EXCEEDED.asRuntimeException();

    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () -> run(remaining -> attemptsLeft.size() == 1 ? unavailable : timedOut));

    assertSame(unavailable, e);
    assertSame(timedOut, e.getSuppressed()[0]);
  }

  @Test
  void run_throwsDeadlineExceededOfAFirstAttempt() {
    StatusRuntimeException timedOut = Status.DEADLINE_EXCEEDED.asRuntimeException();

    assertSame(timedOut, assertThrows(StatusRuntimeException.class, () -> run(r -> timedOut)));
  }

  @Test
  void run_givesEachAttemptTheTimeLeftOnTheClock() {
    StatusRuntimeException unavailable = Status.UNAVAILABLE.asRuntimeException();

    String answer =
        loop.run(
            attempt(r -> attemptsLeft.size() < 3 ? unavailable : null),
            DEADLINE,
            s -> s.getCode() == Status.Code.UNAVAILABLE);

    assertEquals("ok", answer);
    assertEquals(List.of(DEADLINE, DEADLINE - ms(10), DEADLINE - ms(30)), attemptsLeft);
  }

  @Test
  void run_stopsBeforeAWaitThatWouldEndPastTheDeadline() {
    StatusRuntimeException unavailable = Status.UNAVAILABLE.asRuntimeException();

    assertThrows(StatusRuntimeException.class, () -> run(r -> unavailable));

    // waits of 10, 20 and 40 ms end at 70 ms; the next (40 ms) would end at 110 ms
    assertEquals(
        List.of(DEADLINE, DEADLINE - ms(10), DEADLINE - ms(30), DEADLINE - ms(70)), attemptsLeft);
  }

  /** What an attempt does: throw the returned failure, or answer "ok" when it is null. */
  private interface Outcome {
    StatusRuntimeException failure(long remainingNanos);
  }

  private String run(Outcome outcome) {
    return loop.run(attempt(outcome), DEADLINE, s -> s.getCode() == Status.Code.UNAVAILABLE);
  }

  private RetryLoop.Attempt<String> attempt(Outcome outcome) {
    return remaining -> {
      attemptsLeft.add(remaining);
      StatusRuntimeException failure = outcome.failure(remaining);
      if (failure != null) {
        throw failure;
      }
      return "ok";
    };
  }

  private static long ms(long millis) {
    return Duration.ofMillis(millis).toNanos();
  }
}
