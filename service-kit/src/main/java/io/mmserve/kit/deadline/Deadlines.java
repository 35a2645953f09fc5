package io.mmserve.kit.deadline;

import io.grpc.Context;
import io.grpc.Deadline;
import io.mmserve.kit.errors.CancelledException;
import io.mmserve.kit.errors.DeadlineExceededException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The gRPC-aware side of deadlines and cancellation. The gRPC layer reads the call's {@link
 * Context} here and hands domain code plain values: a {@link BooleanSupplier} that turns true once
 * the work is no longer wanted, or an absolute {@link System#nanoTime()} deadline.
 */
public final class Deadlines {
  /** The deadline of a context without one. */
  public static final long NO_DEADLINE = Long.MAX_VALUE;

  private Deadlines() {}

  /** {@link #checkNotExpired(Context)} for the current context. */
  public static void checkNotExpired() {
    checkNotExpired(Context.current());
  }

  /**
   * Throws if the caller no longer wants the answer.
   *
   * @throws DeadlineExceededException if the context's deadline has passed
   * @throws CancelledException if the context was cancelled for another reason
   */
  public static void checkNotExpired(Context context) {
    Deadline deadline = context.getDeadline();
    if (deadline != null && deadline.isExpired()) {
      throw new DeadlineExceededException("deadline exceeded before the request was processed");
    }
    if (context.isCancelled()) {
      throw new CancelledException("request cancelled by the caller");
    }
  }

  /** True once {@code context} is cancelled or its deadline has passed. */
  public static BooleanSupplier cancellationOf(Context context) {
    return () -> {
      Deadline deadline = context.getDeadline();
      return context.isCancelled() || (deadline != null && deadline.isExpired());
    };
  }

  /**
   * The context's deadline as an absolute {@code nanoTime} value: {@code nowNanos} plus the time
   * remaining, or {@link #NO_DEADLINE}.
   */
  public static long deadlineNanos(Context context, long nowNanos) {
    Deadline deadline = context.getDeadline();
    if (deadline == null) {
      return NO_DEADLINE;
    }
    long remaining = deadline.timeRemaining(TimeUnit.NANOSECONDS);
    long sum = nowNanos + remaining;
    // saturate instead of wrapping for very distant deadlines
    return remaining > 0 && sum < nowNanos ? NO_DEADLINE : sum;
  }
}
