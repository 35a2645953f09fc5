package io.mmserve.gateway.resilience;

import java.time.Duration;

/**
 * How the gateway calls one backend: routing, circuit breaking, bulkheads and retries. Every field
 * is a setting of the gateway's config file (see docs/configuration.md); {@link
 * BackendServiceConfig} turns the routing and retry parts into the channel's gRPC service config.
 *
 * @param loadBalancing how an endpoint is chosen among the healthy ones
 * @param discoveryRefresh how often a {@code dns:///} target is resolved again
 * @param breaker the circuit breaker of each endpoint
 * @param bulkheadMaxConcurrentCalls most calls in flight to one endpoint; more are shed
 * @param retry retries of failed calls
 * @param retryPushback the retry delay told to a caller whose call was shed
 */
public record ResilienceSettings(
    LoadBalancing loadBalancing,
    Duration discoveryRefresh,
    BreakerSettings breaker,
    int bulkheadMaxConcurrentCalls,
    RetrySettings retry,
    Duration retryPushback) {

  /** How an endpoint is chosen among the healthy ones. */
  public enum LoadBalancing {
    /** Of two endpoints in turn, the one with fewer calls in flight (power of two choices). */
    LEAST_REQUEST(2),
    /** Each endpoint in turn (gRPC's {@code round_robin}). */
    ROUND_ROBIN(1);

    private final int choiceCount;

    LoadBalancing(int choiceCount) {
      this.choiceCount = choiceCount;
    }

    /** Endpoints compared per call. */
    public int choiceCount() {
      return choiceCount;
    }
  }

  /**
   * The circuit breaker of one endpoint (Resilience4j, count-based sliding window).
   *
   * @param failureRateThreshold percentage of failed calls in the window that opens the circuit
   * @param slowCallRateThreshold percentage of slow calls in the window that opens the circuit
   * @param slowCallDuration a call slower than this counts as slow
   * @param windowSize calls in the sliding window
   * @param minimumCalls calls recorded before the rates are judged
   * @param openDuration how long an open circuit refuses calls before letting trial calls through
   * @param halfOpenCalls trial calls that decide whether the circuit closes again
   */
  public record BreakerSettings(
      float failureRateThreshold,
      float slowCallRateThreshold,
      Duration slowCallDuration,
      int windowSize,
      int minimumCalls,
      Duration openDuration,
      int halfOpenCalls) {}

  /**
   * Retries of a failed backend call, as gRPC's retry policy and, with gRPC's rules but a bucket
   * per routed model version, {@link RetryThrottle}: only codes where the call did not run or may
   * safely run again (UNAVAILABLE, ABORTED), with exponential back-off and full jitter, honouring
   * the backend's {@code grpc-retry-pushback-ms}, inside the caller's deadline.
   *
   * @param maxAttempts attempts in all, the first included; 1 turns retries off
   * @param initialBackoff the upper bound of the first random back-off
   * @param maxBackoff the largest back-off bound
   * @param multiplier growth of the bound per attempt
   * @param throttlingMaxTokens retry throttling: the size of each version's token bucket; a failed
   *     attempt takes a token, and retries stop while at most half the tokens are left
   * @param throttlingTokenRatio retry throttling: tokens a successful call puts back
   */
  public record RetrySettings(
      int maxAttempts,
      Duration initialBackoff,
      Duration maxBackoff,
      double multiplier,
      int throttlingMaxTokens,
      double throttlingTokenRatio) {}
}
