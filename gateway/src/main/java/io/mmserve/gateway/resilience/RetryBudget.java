package io.mmserve.gateway.resilience;

/**
 * A token bucket that keeps retries from multiplying load during an outage: every first attempt
 * deposits {@code ratio} tokens, every retry withdraws one, and the bucket holds at most {@code
 * burst} tokens (it starts full). In a long outage retries are therefore at most {@code ratio}
 * times the first attempts; after a healthy spell, {@code burst} retries may happen at once (a
 * replica dying with calls in flight).
 */
final class RetryBudget {
  /** Absorbs the rounding of summed deposits: ten deposits of 0.1 are 0.9999999999999999. */
  private static final double ROUNDING = 1e-9;

  private final double ratio;
  private final double burst;
  private double tokens; // guarded by this

  RetryBudget(double ratio, int burst) {
    if (ratio < 0 || burst < 0) {
      throw new IllegalArgumentException(
          "retry budget ratio and burst must not be negative: " + ratio + ", " + burst);
    }
    this.ratio = ratio;
    this.burst = burst;
    this.tokens = burst;
  }

  /** Records a first attempt. */
  synchronized void deposit() {
    tokens = Math.min(burst, tokens + ratio);
  }

  /** Takes a token for a retry; false (and nothing taken) when the budget is spent. */
  synchronized boolean tryWithdraw() {
    if (tokens < 1 - ROUNDING) {
      return false;
    }
    tokens = Math.max(0, tokens - 1);
    return true;
  }

  synchronized double tokens() {
    return tokens;
  }
}
