package io.mmserve.gateway.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ResilienceSettingsTest {
  private static final ResilienceSettings.RetrySettings RETRY =
      new ResilienceSettings.RetrySettings(
          3, Duration.ofMillis(10), Duration.ofMillis(200), 2.0, 0.2, 100);

  @Test
  void backoff_ofTheFirstRetryIsBoundedByTheInitialBackoff() {
    assertEquals(Duration.ofMillis(10).toNanos(), RETRY.backoffNanos(1, 1.0));
  }

  @Test
  void backoff_boundGrowsByTheMultiplierPerAttempt() {
    assertEquals(Duration.ofMillis(40).toNanos(), RETRY.backoffNanos(3, 1.0));
  }

  @Test
  void backoff_boundNeverExceedsTheMaxBackoff() {
    assertEquals(Duration.ofMillis(200).toNanos(), RETRY.backoffNanos(10, 1.0));
  }

  @Test
  void backoff_isTheRandomFractionOfTheBound() {
    assertEquals(Duration.ofMillis(5).toNanos(), RETRY.backoffNanos(1, 0.5));
    assertEquals(0, RETRY.backoffNanos(2, 0.0));
  }
}
