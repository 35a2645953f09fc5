package io.mmserve.gateway.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BackendServiceConfigTest {
  private static final ResilienceSettings.BreakerSettings BREAKER =
      new ResilienceSettings.BreakerSettings(
          50, 100, Duration.ofSeconds(10), 20, 5, Duration.ofSeconds(1), 2);

  @Test
  void of_defaultsAsTheClassCommentShows() {
    Map<String, ?> config = BackendServiceConfig.of(settings(3));

    assertEquals(
        List.of(Map.of("mmserve_endpoint_guard", Map.of("choiceCount", 2.0))),
        config.get("loadBalancingConfig"));
    assertEquals(Map.of("serviceName", ""), config.get("healthCheckConfig"));
    assertEquals(
        List.of(
            Map.of(
                "name",
                List.of(Map.of()),
                "retryPolicy",
                Map.of(
                    "maxAttempts",
                    3.0,
                    "initialBackoff",
                    "0.010000000s",
                    "maxBackoff",
                    "0.200000000s",
                    "backoffMultiplier",
                    2.0,
                    "retryableStatusCodes",
                    List.of("UNAVAILABLE", "ABORTED")))),
        config.get("methodConfig"));
    // throttled per version by RetryThrottle instead: gRPC's would be one bucket per channel
    assertFalse(config.containsKey("retryThrottling"));
  }

  @Test
  void of_oneAttemptHasNoRetryPolicy() {
    Map<?, ?> methodConfig =
        (Map<?, ?>) ((List<?>) BackendServiceConfig.of(settings(1)).get("methodConfig")).getFirst();

    assertFalse(methodConfig.containsKey("retryPolicy"));
  }

  @Test
  void seconds_writesWholeAndFractionalSeconds() {
    assertEquals("90.000000000s", BackendServiceConfig.seconds(Duration.ofSeconds(90)));
    assertEquals("0.000001000s", BackendServiceConfig.seconds(Duration.ofNanos(1000)));
  }

  private static ResilienceSettings settings(int maxAttempts) {
    return new ResilienceSettings(
        ResilienceSettings.LoadBalancing.LEAST_REQUEST,
        Duration.ofSeconds(5),
        BREAKER,
        64,
        new ResilienceSettings.RetrySettings(
            maxAttempts, Duration.ofMillis(10), Duration.ofMillis(200), 2.0, 100, 0.2),
        Duration.ofMillis(100));
  }
}
