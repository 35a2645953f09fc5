package io.mmserve.gateway.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import org.junit.jupiter.api.Test;

/** gRPC's retry throttling rules, one bucket per scope. */
class RetryThrottleTest {
  private final RetryThrottle throttle = new RetryThrottle(4, 0.5);

  @Test
  void retriesStop_atHalfTheTokens_andComeBackWithSuccesses() {
    assertTrue(throttle.allowsRetry("v1"), "a full bucket before the first call");
    throttle.record("v1", Status.UNAVAILABLE);
    assertEquals(3.0, throttle.tokens("v1"));
    assertTrue(throttle.allowsRetry("v1"), "3 of 4 tokens left");

    throttle.record("v1", Status.ABORTED);
    assertEquals(2.0, throttle.tokens("v1"));
    assertFalse(throttle.allowsRetry("v1"), "half the tokens left: no retry");

    throttle.record("v1", Status.OK);
    assertEquals(2.5, throttle.tokens("v1"));
    assertTrue(throttle.allowsRetry("v1"));
  }

  @Test
  void eachScopeHasItsOwnBucket() {
    for (int i = 0; i < 10; i++) {
      throttle.record("canary", Status.UNAVAILABLE);
    }

    assertFalse(throttle.allowsRetry("canary"));
    assertTrue(throttle.allowsRetry(""), "the shared scope keeps its tokens");
    assertTrue(throttle.allowsRetry("stable"));
    assertEquals(0.0, throttle.tokens("canary"), "never below empty");
  }

  @Test
  void onlyRetryableFailuresTakeTokens_andABucketNeverOverflows() {
    throttle.record("v1", Status.INVALID_ARGUMENT);
    throttle.record("v1", Status.DEADLINE_EXCEEDED);
    throttle.record("v1", Status.CANCELLED);
    assertEquals(4.0, throttle.tokens("v1"));

    throttle.record("v1", Status.OK);
    assertEquals(4.0, throttle.tokens("v1"), "never above full");
  }

  @Test
  void refusesAnEmptyBucketOrNoRefill() {
    assertThrows(IllegalArgumentException.class, () -> new RetryThrottle(0, 0.5));
    assertThrows(IllegalArgumentException.class, () -> new RetryThrottle(4, 0));
  }
}
