package io.mmserve.gateway.resilience;

import java.time.Duration;

/**
 * How the gateway calls one backend: routing, circuit breaking, bulkheads and retries. Every field
 * is a setting of the gateway's config file (see docs/configuration.md).
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

  /** How an endpoint is chosen. */
  public enum LoadBalancing {
    /** The endpoint with the fewest calls in flight (ties broken at random). */
    LEAST_REQUEST,
    /** Each endpoint in turn. */
    ROUND_ROBIN
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
   * Retries of a failed backend call: only for codes where the call did not run or may safely run
   * again (UNAVAILABLE, ABORTED), with exponential back-off and full jitter, never past the
   * caller's deadline, preferring an endpoint not tried yet, and within a budget.
   *
   * @param maxAttempts attempts in all, the first included; 1 turns retries off
   * @param initialBackoff the upper bound of the first random back-off
   * @param maxBackoff the largest back-off bound
   * @param multiplier growth of the bound per attempt
   * @param budgetRatio retries allowed per first attempt, in the long run (0.2 = at most 20% extra
   *     load from retries during an outage)
   * @param budgetBurst retries that may happen at once beyond the ratio (tokens of the bucket)
   */
  public record RetrySettings(
      int maxAttempts,
      Duration initialBackoff,
      Duration maxBackoff,
      double multiplier,
      double budgetRatio,
      int budgetBurst) {

    /** The random back-off before attempt {@code attempt + 1} (attempt counts from 1). */
    public long backoffNanos(int attempt, double random) {
      double bound = initialBackoff.toNanos() * Math.pow(multiplier, attempt - 1);
      return (long) (Math.min(bound, maxBackoff.toNanos()) * random);
    }
  }
}
