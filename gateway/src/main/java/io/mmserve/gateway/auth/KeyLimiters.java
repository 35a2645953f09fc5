package io.mmserve.gateway.auth;

import io.github.bucket4j.TimeMeter;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * The {@link KeyLimiter} of each key id, made on the key's first call from the configured defaults
 * and the key's own limits. When a reload changes a key's limits, its next call gets a limiter with
 * fresh buckets and the same count of calls in flight. Thread-safe.
 */
final class KeyLimiters {
  private final KeyLimits defaults;
  private final TimeMeter time;
  private final Duration concurrencyRetry;
  private final ConcurrentMap<String, KeyLimiter> byKeyId = new ConcurrentHashMap<>();

  /**
   * @param defaults the limits of a key that sets none of its own
   * @param nanoTime the clock the buckets refill by ({@code System::nanoTime} in production)
   * @param concurrencyRetry the pushback of a call refused for concurrency
   */
  KeyLimiters(KeyLimits defaults, LongSupplier nanoTime, Duration concurrencyRetry) {
    this.defaults = defaults;
    this.concurrencyRetry = concurrencyRetry;
    this.time =
        new TimeMeter() {
          @Override
          public long currentTimeNanos() {
            return nanoTime.getAsLong();
          }

          @Override
          public boolean isWallClockBased() {
            return false;
          }
        };
  }

  /** The limiter in force for {@code key}, null if it has no limit at all. */
  KeyLimiter limiterFor(ApiKey key) {
    KeyLimits limits = defaults.withOverrides(key.limits());
    KeyLimiter current = byKeyId.get(key.id());
    if (current != null && current.limits().equals(limits)) {
      return limits.unlimited() ? null : current;
    }
    if (limits.unlimited() && current == null) {
      return null;
    }
    KeyLimiter made =
        byKeyId.compute(
            key.id(),
            (id, old) ->
                old != null && old.limits().equals(limits)
                    ? old
                    : new KeyLimiter(
                        id,
                        limits,
                        time,
                        old == null ? new AtomicInteger() : old.inFlight(),
                        concurrencyRetry));
    return limits.unlimited() ? null : made;
  }
}
