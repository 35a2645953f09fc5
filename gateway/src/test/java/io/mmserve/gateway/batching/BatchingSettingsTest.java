package io.mmserve.gateway.batching;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BatchingSettingsTest {
  private static final Duration MS = Duration.ofMillis(1);

  @Test
  void off_onlyForAMaxBatchSizeOfOne() {
    assertTrue(new BatchingSettings(1, MS, 1, 1, 1, 1, MS).off());
    assertFalse(new BatchingSettings(2, MS, 1, 1, 1, 1, MS).off());
  }

  @Test
  void new_rejectsZeroMaxBatchSizeNamingItAndTheValue() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> new BatchingSettings(0, MS, 1, 1, 1, 1, MS));

    assertEquals("maxBatchSize must be at least 1, but was 0", e.getMessage());
  }

  @Test
  void new_rejectsZeroMaxInFlight() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> new BatchingSettings(4, MS, 1, 1, 1, 0, MS));

    assertEquals("maxInFlight must be at least 1, but was 0", e.getMessage());
  }

  @Test
  void new_rejectsNegativeMaxDelay() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new BatchingSettings(4, MS.negated(), 1, 1, 1, 1, MS));

    assertTrue(e.getMessage().startsWith("maxDelay must not be negative"), e::getMessage);
  }

  @Test
  void new_acceptsZeroMaxDelayAndZeroPushback() {
    BatchingSettings settings = new BatchingSettings(4, Duration.ZERO, 1, 1, 1, 1, Duration.ZERO);

    assertEquals(Duration.ZERO, settings.maxDelay());
  }
}
