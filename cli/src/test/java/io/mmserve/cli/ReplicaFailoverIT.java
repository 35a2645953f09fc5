package io.mmserve.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 5 fault test: one of two text-encoder-svc replicas is killed with SIGKILL during a steady
 * EmbedText load, and the gateway's load balancing, health checking and retries keep at least 99.9%
 * of the calls successful.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class ReplicaFailoverIT {
  private static final int CALLERS = 8;
  private static final int CALLS = 3000;
  private static final int KILL_AFTER = 600;
  private static final long DEADLINE_SECONDS = 20;
  private static final Duration LOAD_WAIT = Duration.ofMinutes(3);
  private static final double REQUIRED_SUCCESS = 0.999;
  private static final String REQUESTS = "mmserve_grpc_server_requests_seconds_count";

  @Test
  void killOneOfTwoTextReplicas_duringLoad_atLeast999PerMilleOfCallsSucceed() throws Exception {
    try (FaultStack stack = FaultStack.start("ReplicaFailoverIT", 2)) {
      String victim = stack.textEncoders().get(1);
      CallerLoad.Result result;
      try (CallerLoad load =
          new CallerLoad(
              CALLERS,
              CALLS,
              i ->
                  stack
                      .gateway()
                      .withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS)
                      .embedText(FaultStack.texts(i, 1)))) {
        assertTrue(load.awaitCompleted(KILL_AFTER, LOAD_WAIT), stack::logTail);
        double servedByVictim =
            stack.metrics(victim).samples(REQUESTS, Map.of()).stream()
                .filter(s -> s.labels().getOrDefault("method", "").contains("TextEncoder/"))
                .mapToDouble(PrometheusText.Sample::value)
                .sum();
        stack.stack().process(victim).kill();
        System.out.printf(
            "ReplicaFailoverIT: killed %s (SIGKILL) after %d calls; it had served %.0f%n",
            victim, load.completed(), servedByVictim);
        assertTrue(
            servedByVictim > 0,
            "the gateway sent no calls to " + victim + " before the kill: is it balancing?");
        assertTrue(load.await(LOAD_WAIT), stack::logTail);
        result = load.result();
      }

      System.out.println("ReplicaFailoverIT: " + result.summary());
      assertEquals(CALLS, result.calls());
      assertTrue(
          result.successRate() >= REQUIRED_SUCCESS,
          () -> "success rate below 99.9%: " + result.summary() + "\n" + stack.logTail());
      assertTrue(stack.gatewayServing(), stack::logTail);
    }
  }
}
