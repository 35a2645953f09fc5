package io.mmserve.kit.deadline;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Context;
import io.grpc.Deadline;
import io.mmserve.kit.errors.CancelledException;
import io.mmserve.kit.errors.DeadlineExceededException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DeadlinesTest {
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private final FakeTicker ticker = new FakeTicker();

  @AfterEach
  void stopScheduler() {
    scheduler.shutdownNow();
  }

  @Test
  void checkNotExpired_passesWithoutDeadline() {
    assertDoesNotThrow(() -> Deadlines.checkNotExpired(Context.ROOT));
  }

  @Test
  void checkNotExpired_throwsDeadlineExceededWhenDeadlinePassed() {
    Context.CancellableContext context =
        Context.ROOT.withDeadline(Deadline.after(-1, TimeUnit.SECONDS), scheduler);

    assertThrows(DeadlineExceededException.class, () -> Deadlines.checkNotExpired(context));
  }

  @Test
  void checkNotExpired_throwsCancelledWhenCallerCancelled() {
    Context.CancellableContext context = Context.ROOT.withCancellation();
    context.cancel(null);

    assertThrows(CancelledException.class, () -> Deadlines.checkNotExpired(context));
  }

  @Test
  void cancellationOf_turnsTrueWhenCancelled() {
    Context.CancellableContext context = Context.ROOT.withCancellation();
    var cancelled = Deadlines.cancellationOf(context);
    assertFalse(cancelled.getAsBoolean());

    context.cancel(null);

    assertTrue(cancelled.getAsBoolean());
  }

  @Test
  void deadlineNanos_addsRemainingTimeToNow() {
    Deadline deadline = Deadline.after(5, TimeUnit.SECONDS, ticker);
    Context.CancellableContext context = Context.ROOT.withDeadline(deadline, scheduler);

    assertEquals(1_000 + TimeUnit.SECONDS.toNanos(5), Deadlines.deadlineNanos(context, 1_000));
    context.cancel(null);
  }

  @Test
  void deadlineNanos_isNoDeadlineWithoutOne() {
    assertEquals(Deadlines.NO_DEADLINE, Deadlines.deadlineNanos(Context.ROOT, 42));
  }

  /** A deadline ticker that stands still. */
  private static final class FakeTicker extends Deadline.Ticker {
    @Override
    public long nanoTime() {
      return 0;
    }
  }
}
