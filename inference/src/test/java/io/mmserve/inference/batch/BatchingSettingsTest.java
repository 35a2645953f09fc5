package io.mmserve.inference.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmserve.kit.config.Config;
import io.mmserve.kit.config.ConfigException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BatchingSettingsTest {
  private static final Duration MS = Duration.ofMillis(1);

  @Test
  void off_onlyForAMaxBatchSizeOfOne() {
    assertTrue(new BatchingSettings(1, MS, 1, 1, 1, 1).off());
    assertFalse(new BatchingSettings(2, MS, 1, 1, 1, 1).off());
  }

  @Test
  void new_rejectsZeroMaxBatchSizeNamingItAndTheValue() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new BatchingSettings(0, MS, 1, 1, 1, 1));

    assertEquals("maxBatchSize must be in 1..4096, but was 0", e.getMessage());
  }

  @Test
  void new_rejectsZeroMaxInFlight() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new BatchingSettings(4, MS, 1, 1, 1, 0));

    assertEquals("maxInFlight must be in 1..1024, but was 0", e.getMessage());
  }

  @Test
  void new_rejectsNegativeMaxDelay() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new BatchingSettings(4, MS.negated(), 1, 1, 1, 1));

    assertEquals("maxDelay must be in 0ms..10s, but was PT-0.001S", e.getMessage());
  }

  @Test
  void new_acceptsZeroMaxDelay() {
    BatchingSettings settings = new BatchingSettings(4, Duration.ZERO, 1, 1, 1, 1);

    assertEquals(Duration.ZERO, settings.maxDelay());
  }

  @Test
  void from_readsEveryKeyUnderThePrefix() {
    Map<String, String> values = new HashMap<>(defaults());
    values.put("batching.text.max-in-flight", "7");

    BatchingSettings settings = BatchingSettings.from(Config.of(values), "batching.text");

    assertEquals(new BatchingSettings(64, Duration.ZERO, 4096, 64 << 20, 4 << 20, 7), settings);
  }

  @Test
  void from_leavesBytesUnboundedWhenTheConfigHasNoByteKeys() {
    Config config =
        Config.of(BatchingSettings.defaultSettings("batching", BatchingSettings.MODEL_DEFAULTS));

    assertEquals(BatchingSettings.MODEL_DEFAULTS, BatchingSettings.from(config, "batching"));
  }

  @Test
  void from_reportsTheRecordsRuleWithTheKeyAndTheValueAsWritten() {
    Map<String, String> values = new HashMap<>(defaults());
    values.put("batching.text.max-batch-size", "0");

    ConfigException e =
        assertThrows(
            ConfigException.class, () -> BatchingSettings.from(Config.of(values), "batching.text"));

    assertTrue(
        e.getMessage().startsWith("batching.text.max-batch-size must be in 1..4096, but was 0 ("),
        e.getMessage());
  }

  @Test
  void from_reportsADelayOverTheLimitAsWritten() {
    Map<String, String> values = new HashMap<>(defaults());
    values.put("batching.text.max-delay", "11s");

    ConfigException e =
        assertThrows(
            ConfigException.class, () -> BatchingSettings.from(Config.of(values), "batching.text"));

    assertTrue(
        e.getMessage().startsWith("batching.text.max-delay must be in 0ms..10s, but was 11s ("),
        e.getMessage());
  }

  @Test
  void defaultSettings_writeByteKeysOnlyWhenBytesAreBounded() {
    assertEquals(
        Map.of(
            "batching.max-batch-size", "32",
            "batching.max-delay", "2ms",
            "batching.max-queue-items", "1024",
            "batching.max-in-flight", "1"),
        BatchingSettings.defaultSettings("batching", BatchingSettings.MODEL_DEFAULTS));
    assertEquals("64MiB", defaults().get("batching.text.max-queue-bytes"));
  }

  private static Map<String, String> defaults() {
    return BatchingSettings.defaultSettings(
        "batching.text", new BatchingSettings(64, Duration.ZERO, 4096, 64 << 20, 4 << 20, 4));
  }
}
