package io.mmserve.gateway.auth;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One API key's limits in force: a token bucket of calls, one of items (Bucket4j, greedy refill,
 * time from the caller's {@link TimeMeter}) and a count of calls in flight. Thread-safe (Bucket4j's
 * lock-free buckets; the count is an atomic). A key's buckets are its own: nothing one key does
 * takes tokens or slots from another.
 *
 * <p>A call is admitted in two steps: {@link #tryStart} when its headers arrive (a slot, then a
 * call token), {@link #tryTakeItems} when its message arrives; a call refused at the second step
 * gives its call token back ({@link #refundCall}) and its slot ({@link Slot#release}).
 */
final class KeyLimiter {
  private final String keyId;
  private final KeyLimits limits;
  private final Bucket calls;
  private final Bucket items;
  private final AtomicInteger inFlight;
  private final long concurrencyRetryMillis;

  /**
   * @param inFlight the key's count of calls in flight, shared with the limiter it replaces when
   *     the key's limits change (so slots taken before are released to the same count)
   * @param concurrencyRetry the pushback of a call refused for concurrency
   */
  KeyLimiter(
      String keyId,
      KeyLimits limits,
      TimeMeter time,
      AtomicInteger inFlight,
      Duration concurrencyRetry) {
    this.keyId = keyId;
    this.limits = limits;
    this.calls = bucket(limits.requestsPerSecond(), limits.requestCapacity(), time);
    this.items = bucket(limits.itemsPerSecond(), limits.itemCapacity(), time);
    this.inFlight = inFlight;
    this.concurrencyRetryMillis = Math.max(1, concurrencyRetry.toMillis());
  }

  private static Bucket bucket(int perSecond, int capacity, TimeMeter time) {
    if (perSecond == 0) {
      return null;
    }
    return Bucket.builder()
        .addLimit(l -> l.capacity(capacity).refillGreedy(perSecond, Duration.ofSeconds(1)))
        .withCustomTimePrecision(time)
        .build();
  }

  KeyLimits limits() {
    return limits;
  }

  AtomicInteger inFlight() {
    return inFlight;
  }

  /** A slot of the key's concurrency, released exactly once however often {@link #release} runs. */
  final class Slot {
    private final AtomicBoolean held = new AtomicBoolean(true);

    /** Gives the slot back; only the first call does anything. */
    void release() {
      if (held.compareAndSet(true, false) && limits.concurrency() > 0) {
        inFlight.decrementAndGet();
      }
    }
  }

  /**
   * Takes a slot, then a call token.
   *
   * @return the slot, or the refusal (then nothing is taken)
   */
  Admission tryStart() {
    if (limits.concurrency() > 0 && !tryIncrementBelow(limits.concurrency())) {
      return Admission.refused(
          new LimitRefusal(
              LimitKind.CONCURRENCY,
              "API key "
                  + keyId
                  + " has "
                  + limits.concurrency()
                  + " calls in flight, its concurrency limit; retry after "
                  + concurrencyRetryMillis
                  + " ms",
              concurrencyRetryMillis));
    }
    Slot slot = new Slot();
    if (calls != null) {
      ConsumptionProbe probe = calls.tryConsumeAndReturnRemaining(1);
      if (!probe.isConsumed()) {
        slot.release();
        long millis = retryMillis(probe);
        return Admission.refused(
            new LimitRefusal(
                LimitKind.REQUESTS,
                "API key "
                    + keyId
                    + " is over its limit of "
                    + limits.requestsPerSecond()
                    + " calls per second (burst "
                    + limits.requestCapacity()
                    + "); retry after "
                    + millis
                    + " ms",
                millis));
      }
    }
    return new Admission(Optional.of(slot), Optional.empty());
  }

  /** Gives back the call token {@link #tryStart} took, for a call refused before it ran. */
  void refundCall() {
    if (calls != null) {
      calls.addTokens(1);
    }
  }

  /**
   * Takes {@code count} item tokens.
   *
   * @return empty if taken, else the refusal (then nothing is taken)
   */
  Optional<LimitRefusal> tryTakeItems(String method, int count) {
    if (items == null) {
      return Optional.empty();
    }
    if (count > limits.itemCapacity()) {
      return Optional.of(
          new LimitRefusal(
              LimitKind.ITEMS,
              method
                  + " with "
                  + count
                  + " items can never fit API key "
                  + keyId
                  + "'s item burst of "
                  + limits.itemCapacity()
                  + ": send at most "
                  + limits.itemCapacity()
                  + " items per call",
              LimitRefusal.NEVER));
    }
    ConsumptionProbe probe = items.tryConsumeAndReturnRemaining(count);
    if (probe.isConsumed()) {
      return Optional.empty();
    }
    long millis = retryMillis(probe);
    return Optional.of(
        new LimitRefusal(
            LimitKind.ITEMS,
            "API key "
                + keyId
                + " is over its limit of "
                + limits.itemsPerSecond()
                + " items per second (burst "
                + limits.itemCapacity()
                + "): "
                + method
                + " with "
                + count
                + " items; retry after "
                + millis
                + " ms",
            millis));
  }

  private boolean tryIncrementBelow(int limit) {
    while (true) {
      int now = inFlight.get();
      if (now >= limit) {
        return false;
      }
      if (inFlight.compareAndSet(now, now + 1)) {
        return true;
      }
    }
  }

  /** Whole milliseconds until the bucket holds enough, rounded up, at least 1. */
  private static long retryMillis(ConsumptionProbe probe) {
    long nanos = probe.getNanosToWaitForRefill();
    return Math.max(1, (nanos + TimeUnit.MILLISECONDS.toNanos(1) - 1) / 1_000_000);
  }

  /**
   * The first step's outcome: a slot, or a refusal.
   *
   * @param slot the slot taken (to release when the call ends)
   * @param refusal why not
   */
  record Admission(Optional<Slot> slot, Optional<LimitRefusal> refusal) {
    static Admission refused(LimitRefusal refusal) {
      return new Admission(Optional.empty(), Optional.of(refusal));
    }
  }
}
