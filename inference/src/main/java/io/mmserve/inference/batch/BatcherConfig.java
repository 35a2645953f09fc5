package io.mmserve.inference.batch;

import io.mmserve.kit.config.Config;
import java.time.Duration;
import java.util.Map;

/**
 * Limits of a {@link DynamicBatcher}.
 *
 * @param maxBatchSize most items in one batch call
 * @param maxDelay longest time the oldest queued item waits for a batch to fill
 * @param maxQueueSize most items waiting; more are rejected as overload
 */
public record BatcherConfig(int maxBatchSize, Duration maxDelay, int maxQueueSize) {
  public static final int DEFAULT_MAX_BATCH_SIZE = 32;
  public static final String DEFAULT_MAX_DELAY = "2ms";
  public static final int DEFAULT_MAX_QUEUE_SIZE = 1024;

  static final int MAX_BATCH_SIZE = 4096;
  static final int MAX_QUEUE_SIZE = 1_000_000;
  static final Duration MAX_DELAY = Duration.ofSeconds(10);

  public BatcherConfig {
    if (maxBatchSize < 1 || maxBatchSize > MAX_BATCH_SIZE) {
      throw new IllegalArgumentException(
          "maxBatchSize must be in 1.." + MAX_BATCH_SIZE + ", but was " + maxBatchSize);
    }
    if (maxDelay == null || maxDelay.isNegative() || maxDelay.compareTo(MAX_DELAY) > 0) {
      throw new IllegalArgumentException(
          "maxDelay must be in 0s.." + MAX_DELAY.toSeconds() + "s, but was " + maxDelay);
    }
    if (maxQueueSize < 1 || maxQueueSize > MAX_QUEUE_SIZE) {
      throw new IllegalArgumentException(
          "maxQueueSize must be in 1.." + MAX_QUEUE_SIZE + ", but was " + maxQueueSize);
    }
  }

  /** The settings under {@code prefix} ("batch" gives batch.max-size, ...) with their defaults. */
  public static Map<String, String> defaultSettings(String prefix) {
    return Map.of(
        prefix + ".max-size", Integer.toString(DEFAULT_MAX_BATCH_SIZE),
        prefix + ".max-delay", DEFAULT_MAX_DELAY,
        prefix + ".max-queue", Integer.toString(DEFAULT_MAX_QUEUE_SIZE));
  }

  /** Reads and validates the settings under {@code prefix}. */
  public static BatcherConfig from(Config config, String prefix) {
    return new BatcherConfig(
        config.getInt(prefix + ".max-size", 1, MAX_BATCH_SIZE),
        config.getDuration(prefix + ".max-delay", Duration.ZERO, MAX_DELAY),
        config.getInt(prefix + ".max-queue", 1, MAX_QUEUE_SIZE));
  }
}
