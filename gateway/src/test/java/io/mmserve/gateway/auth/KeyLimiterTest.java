package io.mmserve.gateway.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.bucket4j.TimeMeter;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** One key's buckets and slots, on a fake clock that only the test moves. */
class KeyLimiterTest {
  private long now = 1_000_000_000L;
  private final TimeMeter clock =
      new TimeMeter() {
        @Override
        public long currentTimeNanos() {
          return now;
        }

        @Override
        public boolean isWallClockBased() {
          return false;
        }
      };

  private KeyLimiter limiter(KeyLimits limits) {
    return new KeyLimiter("reader", limits, clock, new AtomicInteger(), Duration.ofMillis(100));
  }

  private void advanceMillis(long millis) {
    now += TimeUnit.MILLISECONDS.toNanos(millis);
  }

  @Test
  void calls_burstThenRefuseWithTheWaitForOneToken() {
    KeyLimiter limiter = limiter(new KeyLimits(10, 3, 0, 0, 0)); // 10/s: a token each 100 ms

    for (int i = 0; i < 3; i++) {
      assertTrue(limiter.tryStart().refusal().isEmpty(), "call " + i + " of the burst");
    }
    LimitRefusal refused = limiter.tryStart().refusal().orElseThrow();

    assertEquals(LimitKind.REQUESTS, refused.kind());
    assertEquals(100, refused.retryAfterMillis());
    assertEquals(
        "API key reader is over its limit of 10 calls per second (burst 3); retry after 100 ms",
        refused.message());
  }

  @Test
  void calls_refillWithTime() {
    KeyLimiter limiter = limiter(new KeyLimits(10, 1, 0, 0, 0));
    assertTrue(limiter.tryStart().refusal().isEmpty());
    advanceMillis(60);
    assertEquals(40, limiter.tryStart().refusal().orElseThrow().retryAfterMillis());

    advanceMillis(40);

    assertTrue(limiter.tryStart().refusal().isEmpty());
  }

  @Test
  void burst_defaultsToOneSecondsWorth() {
    KeyLimiter limiter = limiter(new KeyLimits(5, 0, 0, 0, 0));
    for (int i = 0; i < 5; i++) {
      assertTrue(limiter.tryStart().refusal().isEmpty());
    }
    assertTrue(limiter.tryStart().refusal().isPresent());
  }

  @Test
  void items_areTakenPerCallAndRefilled() {
    KeyLimiter limiter = limiter(new KeyLimits(0, 0, 100, 200, 0)); // 1 item each 10 ms

    assertEquals(Optional.empty(), limiter.tryTakeItems("EmbedText", 150));
    LimitRefusal refused = limiter.tryTakeItems("EmbedText", 80).orElseThrow();

    assertEquals(LimitKind.ITEMS, refused.kind());
    assertEquals(300, refused.retryAfterMillis()); // 30 missing items at 100 a second
    assertEquals(
        "API key reader is over its limit of 100 items per second (burst 200): EmbedText with 80"
            + " items; retry after 300 ms",
        refused.message());
    advanceMillis(300);
    assertEquals(Optional.empty(), limiter.tryTakeItems("EmbedText", 80));
  }

  @Test
  void items_moreThanTheBurst_areRefusedForGoodWithAClearMessage() {
    KeyLimiter limiter = limiter(new KeyLimits(0, 0, 100, 200, 0));

    LimitRefusal refused = limiter.tryTakeItems("Upsert", 201).orElseThrow();

    assertEquals(LimitRefusal.NEVER, refused.retryAfterMillis());
    assertEquals(
        "Upsert with 201 items can never fit API key reader's item burst of 200: send at most 200"
            + " items per call",
        refused.message());
    assertEquals(Optional.empty(), limiter.tryTakeItems("Upsert", 200)); // nothing was taken
  }

  @Test
  void refundCall_givesTheTokenBack() {
    KeyLimiter limiter = limiter(new KeyLimits(1, 1, 0, 0, 0));
    assertTrue(limiter.tryStart().refusal().isEmpty());

    limiter.refundCall();

    assertTrue(limiter.tryStart().refusal().isEmpty());
  }

  @Test
  void concurrency_refusesPastTheLimitUntilASlotIsReleased() {
    KeyLimiter limiter = limiter(new KeyLimits(0, 0, 0, 0, 2));
    KeyLimiter.Slot first = limiter.tryStart().slot().orElseThrow();
    assertTrue(limiter.tryStart().slot().isPresent());

    LimitRefusal refused = limiter.tryStart().refusal().orElseThrow();
    assertEquals(LimitKind.CONCURRENCY, refused.kind());
    assertEquals(100, refused.retryAfterMillis());
    assertEquals(
        "API key reader has 2 calls in flight, its concurrency limit; retry after 100 ms",
        refused.message());

    first.release();
    first.release(); // a second release changes nothing
    assertEquals(1, limiter.inFlight().get());
    assertTrue(limiter.tryStart().slot().isPresent());
    assertFalse(limiter.tryStart().slot().isPresent());
  }

  @Test
  void aCallRefusedForRate_holdsNoSlot() {
    KeyLimiter limiter = limiter(new KeyLimits(1, 1, 0, 0, 5));
    assertTrue(limiter.tryStart().slot().isPresent());

    assertTrue(limiter.tryStart().refusal().isPresent());

    assertEquals(1, limiter.inFlight().get());
  }

  @Test
  void twoKeys_haveTheirOwnBuckets() {
    KeyLimiters limiters =
        new KeyLimiters(new KeyLimits(1, 1, 0, 0, 0), () -> now, Duration.ofMillis(100));
    ApiKey noisy = new ApiKey("noisy", new byte[32], Permission.READ);
    ApiKey quiet = new ApiKey("quiet", new byte[32], Permission.READ);

    assertTrue(limiters.limiterFor(noisy).tryStart().refusal().isEmpty());
    assertTrue(limiters.limiterFor(noisy).tryStart().refusal().isPresent());

    assertTrue(limiters.limiterFor(quiet).tryStart().refusal().isEmpty());
  }

  @Test
  void aKeysOwnLimits_overrideTheDefaults_andAnUnlimitedKeyHasNoLimiter() {
    KeyLimiters limiters =
        new KeyLimiters(new KeyLimits(1, 1, 0, 0, 0), () -> now, Duration.ofMillis(100));
    ApiKey generous =
        new ApiKey(
            "generous", new byte[32], Permission.READ, java.util.Map.of(LimitSetting.RPS, 50));
    ApiKey free =
        new ApiKey("free", new byte[32], Permission.READ, java.util.Map.of(LimitSetting.RPS, 0));

    assertEquals(50, limiters.limiterFor(generous).limits().requestsPerSecond());
    assertEquals(null, limiters.limiterFor(free));
  }
}
