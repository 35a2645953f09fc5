package io.mmserve.gateway.resilience;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The gRPC service config of a backend's channel, from its {@link ResilienceSettings}: the {@value
 * GuardingLoadBalancerProvider#POLICY} policy (circuit breakers and bulkheads) over {@code
 * least_request_experimental} or {@code round_robin}, client-side health checking of every endpoint
 * ({@code grpc.health.v1.Health/Watch}), and a retry policy for UNAVAILABLE and ABORTED on every
 * method. The JSON equivalent for the defaults:
 *
 * <pre>{@code
 * {"loadBalancingConfig": [{"mmserve_endpoint_guard": {"choiceCount": 2}}],
 *  "healthCheckConfig": {"serviceName": ""},
 *  "methodConfig": [{"name": [{}], "retryPolicy": {"maxAttempts": 3, "initialBackoff": "0.01s",
 *      "maxBackoff": "0.2s", "backoffMultiplier": 2, "retryableStatusCodes": ["UNAVAILABLE", "ABORTED"]}}]}
 * }</pre>
 *
 * <p>No {@code retryThrottling}: gRPC's would be one bucket for the whole channel, which a failing
 * canary version could empty for the stable one. The {@code retry.throttling.*} settings go to
 * {@link RetryThrottle} instead, a bucket per version, which the load-balancing policy consults.
 */
public final class BackendServiceConfig {
  /** Codes whose call did not run or may safely run again: every backend call is a read. */
  static final List<String> RETRYABLE_CODES = List.of("UNAVAILABLE", "ABORTED");

  private BackendServiceConfig() {}

  /** The service config map a channel builder's {@code defaultServiceConfig} takes. */
  public static Map<String, ?> of(ResilienceSettings settings) {
    ResilienceSettings.RetrySettings retry = settings.retry();
    Map<String, Object> methodConfig =
        retry.maxAttempts() < 2
            ? Map.of("name", List.of(Map.of()))
            : Map.of(
                "name",
                List.of(Map.of()),
                "retryPolicy",
                Map.of(
                    "maxAttempts", (double) retry.maxAttempts(),
                    "initialBackoff", seconds(retry.initialBackoff()),
                    "maxBackoff", seconds(retry.maxBackoff()),
                    "backoffMultiplier", retry.multiplier(),
                    "retryableStatusCodes", RETRYABLE_CODES));
    return Map.of(
        "loadBalancingConfig",
        List.of(
            Map.of(
                GuardingLoadBalancerProvider.POLICY,
                Map.of(
                    GuardingLoadBalancerProvider.CHOICE_COUNT,
                    (double) settings.loadBalancing().choiceCount()))),
        "healthCheckConfig",
        Map.of("serviceName", ""),
        "methodConfig",
        List.of(methodConfig));
  }

  /** A duration as the service config writes it: "0.010000000s". */
  static String seconds(Duration duration) {
    return String.format("%d.%09ds", duration.getSeconds(), duration.getNano());
  }
}
