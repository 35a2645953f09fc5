package io.mmserve.gateway.resilience;

import io.grpc.Status;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Retry throttling with gRPC's rules (its {@code retryThrottling} service config: a bucket of
 * {@code maxTokens}; an attempt that fails with a retryable code takes one token, a success puts
 * {@code tokenRatio} back, and no retry starts while at most half the tokens are left), but one
 * bucket per {@link BreakerScopes scope} of a backend instead of one per channel. A canary version
 * failing every call then uses up its own retries only: stable calls on the same channel keep
 * theirs. Tokens are counted in thousandths, as gRPC counts them. Thread-safe.
 */
final class RetryThrottle {
  private static final int MILLI = 1000;

  private final int maxTokens; // thousandths
  private final int threshold;
  private final int tokenRatio; // thousandths
  private final ConcurrentMap<String, AtomicInteger> buckets = new ConcurrentHashMap<>();

  /**
   * @param maxTokens the bucket's size, positive
   * @param tokenRatio tokens a success puts back, positive
   */
  RetryThrottle(int maxTokens, double tokenRatio) {
    if (maxTokens <= 0 || !(tokenRatio > 0)) {
      throw new IllegalArgumentException(
          "maxTokens and tokenRatio must be positive: " + maxTokens + ", " + tokenRatio);
    }
    this.maxTokens = maxTokens * MILLI;
    this.threshold = this.maxTokens / 2;
    this.tokenRatio = (int) Math.round(tokenRatio * MILLI);
  }

  /** Counts one attempt's end in its scope's bucket. */
  void record(String scope, Status status) {
    if (status.isOk()) {
      bucket(scope).accumulateAndGet(tokenRatio, (now, add) -> Math.min(maxTokens, now + add));
    } else if (BackendServiceConfig.RETRYABLE_CODES.contains(status.getCode().name())) {
      bucket(scope).accumulateAndGet(MILLI, (now, take) -> Math.max(0, now - take));
    }
  }

  /** Whether a retry of a call in {@code scope} may start: more than half its tokens are left. */
  boolean allowsRetry(String scope) {
    AtomicInteger bucket = buckets.get(scope);
    return bucket == null || bucket.get() > threshold;
  }

  /** The tokens left in {@code scope}'s bucket (a full bucket before its first call). */
  double tokens(String scope) {
    AtomicInteger bucket = buckets.get(scope);
    return (bucket == null ? maxTokens : bucket.get()) / (double) MILLI;
  }

  private AtomicInteger bucket(String scope) {
    return buckets.computeIfAbsent(scope, s -> new AtomicInteger(maxTokens));
  }
}
