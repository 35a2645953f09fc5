package io.mmserve.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.mmserve.api.v1.EmbedTextResponse;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 5 fault test: the only text-encoder-svc is frozen with SIGSTOP, so it holds its connections
 * and answers nothing. Callers get DEADLINE_EXCEEDED at their own deadline, a caller without one at
 * the gateway's {@code deadline.default} (1 s here); after SIGCONT calls succeed again.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class SlowBackendIT {
  /** A sanity bound far above the deadlines (1 s); never a timing assertion. */
  private static final long SANITY_SECONDS = 10;

  private static final Duration RECOVERY_WAIT = Duration.ofSeconds(60);
  private static final Duration POLL_INTERVAL = Duration.ofMillis(200);

  @Test
  void frozenTextEncoder_callsEndWithDeadlineExceededAndRecoverAfterResume() throws Exception {
    try (FaultStack stack =
        FaultStack.start("SlowBackendIT", 1, "--gateway-flag", "deadline.default=1s")) {
      String encoder = stack.textEncoders().get(0);
      // the stack works (its first calls may miss the 1 s deadline while the JVMs warm up on a
      // busy machine: poll until one succeeds)
      awaitSuccess(stack, "before SIGSTOP");
      ServiceProcess process = stack.stack().process(encoder);

      process.pause();
      try {
        long start = System.nanoTime();
        Status withDeadline = outcome(stack, true);
        long middle = System.nanoTime();
        Status withoutDeadline = outcome(stack, false);
        long end = System.nanoTime();
        System.out.printf(
            "SlowBackendIT: frozen encoder: with a 1 s deadline %s after %.0f ms; without a"
                + " deadline (deadline.default=1s) %s after %.0f ms%n",
            withDeadline.getCode(), (middle - start) / 1e6, withoutDeadline, (end - middle) / 1e6);
        assertEquals(Status.Code.DEADLINE_EXCEEDED, withDeadline.getCode(), stack::logTail);
        assertEquals(Status.Code.DEADLINE_EXCEEDED, withoutDeadline.getCode(), stack::logTail);
      } finally {
        process.resume();
      }

      awaitSuccess(stack, "after SIGCONT");
    }
  }

  /** Calls until one succeeds; fails the test if none does within {@link #RECOVERY_WAIT}. */
  private static void awaitSuccess(FaultStack stack, String when) throws Exception {
    long deadline = System.nanoTime() + RECOVERY_WAIT.toNanos();
    while (true) {
      Status status = outcome(stack, true);
      if (status.isOk()) {
        return;
      }
      if (System.nanoTime() - deadline > 0) {
        fail("no successful call " + when + ": " + status + "\n" + stack.logTail());
      }
      TimeUnit.NANOSECONDS.sleep(POLL_INTERVAL.toNanos());
    }
  }

  /** The status of one EmbedText call, with a 1 s client deadline or none. */
  private static Status outcome(FaultStack stack, boolean withDeadline) throws Exception {
    try {
      embed(stack, withDeadline);
      return Status.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus();
    }
  }

  /**
   * One EmbedText call, with a 1 s client deadline or none. Fails the test if the call has not
   * ended within {@link #SANITY_SECONDS}.
   */
  private static EmbedTextResponse embed(FaultStack stack, boolean withDeadline)
      throws InterruptedException {
    var stub = stack.gatewayFuture();
    if (withDeadline) {
      stub = stub.withDeadlineAfter(1, TimeUnit.SECONDS);
    }
    ListenableFuture<EmbedTextResponse> call = stub.embedText(FaultStack.texts(0, 1));
    try {
      return call.get(SANITY_SECONDS, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      call.cancel(true);
      throw new AssertionError(
          "the call had not ended "
              + SANITY_SECONDS
              + " s after it started (deadline "
              + (withDeadline ? "1 s" : "none: the gateway's deadline.default is 1 s")
              + ")");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof StatusRuntimeException s) {
        throw s;
      }
      throw new AssertionError(e.getCause());
    }
  }
}
