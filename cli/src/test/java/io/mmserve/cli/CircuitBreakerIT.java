package io.mmserve.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 5 fault test: every text-encoder-svc replica is killed; the gateway's circuit breakers open
 * and calls fail fast with UNAVAILABLE (not at their 20 s deadline); when one replica comes back,
 * traffic recovers without restarting the gateway.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class CircuitBreakerIT {
  private static final long DEADLINE_SECONDS = 20;
  private static final String CIRCUIT_STATE = "mmserve_backend_circuit_state";
  private static final double OPEN = 1;

  /** Generous bounds for the polls; each poll ends as soon as its condition holds. */
  private static final Duration OPEN_WAIT = Duration.ofSeconds(60);

  private static final Duration RECOVERY_WAIT = Duration.ofSeconds(90);
  private static final Duration POLL_INTERVAL = Duration.ofMillis(200);

  @Test
  void stopEveryTextReplica_circuitOpensCallsFailFastAndTrafficRecoversWhenOneReturns()
      throws Exception {
    try (FaultStack stack = FaultStack.start("CircuitBreakerIT", 2)) {
      List<String> replicas = stack.textEncoders();
      call(stack); // the stack works
      for (String replica : replicas) {
        ServiceProcess process = stack.stack().process(replica);
        process.kill();
        assertTrue(process.awaitExit(Duration.ofSeconds(30)));
      }

      int failedCalls = 0;
      long deadline = System.nanoTime() + OPEN_WAIT.toNanos();
      while (!allOpen(stack, replicas)) {
        Status status = failingCall(stack);
        failedCalls++;
        assertEquals(
            Status.Code.UNAVAILABLE,
            status.getCode(),
            () -> "with every replica gone: " + status + "\n" + stack.logTail());
        if (System.nanoTime() - deadline > 0) {
          fail(
              "circuits not open for every replica after "
                  + failedCalls
                  + " failed calls:\n"
                  + stack.gatewayMetrics().samples(CIRCUIT_STATE, Map.of()));
        }
        waitPollInterval();
      }
      long start = System.nanoTime();
      Status open = failingCall(stack);
      System.out.printf(
          "CircuitBreakerIT: every circuit open after %d failed calls; then, in %.1f ms of a %d s"
              + " deadline: %s%n",
          failedCalls, (System.nanoTime() - start) / 1e6, DEADLINE_SECONDS, open);
      assertEquals(Status.Code.UNAVAILABLE, open.getCode(), open::toString);
      assertTrue(String.valueOf(open.getDescription()).contains("circuit open"), open::toString);

      stack.stack().restart(replicas.get(0), FaultStack.STARTUP);
      int attempts = 0;
      long recoveryDeadline = System.nanoTime() + RECOVERY_WAIT.toNanos();
      while (true) {
        attempts++;
        try {
          call(stack);
          break;
        } catch (StatusRuntimeException e) {
          if (System.nanoTime() - recoveryDeadline > 0) {
            fail("no successful call after the restart: " + e.getStatus() + "\n" + stack.logTail());
          }
        }
        waitPollInterval();
      }
      System.out.printf(
          "CircuitBreakerIT: calls succeed again %d attempts after %s returned%n",
          attempts, replicas.get(0));
      call(stack);
    }
  }

  private static boolean allOpen(FaultStack stack, List<String> replicas) throws Exception {
    PrometheusText metrics = stack.gatewayMetrics();
    for (String replica : replicas) {
      var state =
          metrics.value(
              CIRCUIT_STATE,
              Map.of("backend", "text-encoder-svc", "endpoint", stack.target(replica)));
      if (state.isEmpty() || state.getAsDouble() != OPEN) {
        return false;
      }
    }
    return true;
  }

  private static void call(FaultStack stack) {
    stack
        .gateway()
        .withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS)
        .embedText(FaultStack.texts(0, 1));
  }

  private static Status failingCall(FaultStack stack) {
    try {
      call(stack);
    } catch (StatusRuntimeException e) {
      return e.getStatus();
    }
    throw new AssertionError("a call succeeded with every text encoder gone");
  }

  /** The poll interval: the conditions polled depend on other processes' progress. */
  private static void waitPollInterval() throws InterruptedException {
    TimeUnit.NANOSECONDS.sleep(POLL_INTERVAL.toNanos());
  }
}
