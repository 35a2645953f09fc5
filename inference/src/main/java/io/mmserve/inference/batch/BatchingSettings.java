package io.mmserve.inference.batch;

import io.mmserve.kit.config.Config;
import io.mmserve.kit.config.ConfigException;
import io.mmserve.kit.errors.OverloadedException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Limits of a batcher ({@link AsyncBatcher}, and the {@link DynamicBatcher} of the encoders), with
 * the one set of words every service uses for them. This record is the only place that checks them:
 * the config parser ({@link #from}) delegates here and only adds the key and its source to the
 * message.
 *
 * @param maxBatchSize most items in one batch call (1..{@value #MAX_BATCH_SIZE_LIMIT}); 1 turns
 *     batching off
 * @param maxDelay how long the oldest queued item may wait for more items while a call slot is free
 *     (0..10s); 0 sends at once whenever a slot is free
 * @param maxQueueItems most items waiting (1..{@value #MAX_QUEUE_ITEMS_LIMIT}); a request that does
 *     not fit is refused with an overload error
 * @param maxQueueBytes most bytes of items waiting (1..1TiB), as the batcher's sizer counts them
 * @param maxBatchBytes most bytes in one batch call (1..2GiB; one larger item goes alone)
 * @param maxInFlight most batch calls at the same time (1..{@value #MAX_IN_FLIGHT_LIMIT})
 */
public record BatchingSettings(
    int maxBatchSize,
    Duration maxDelay,
    int maxQueueItems,
    long maxQueueBytes,
    long maxBatchBytes,
    int maxInFlight) {

  /** Key of {@link #maxBatchSize} under a service's prefix ({@code batching.max-batch-size}). */
  public static final String MAX_BATCH_SIZE = "max-batch-size";

  public static final String MAX_DELAY = "max-delay";
  public static final String MAX_QUEUE_ITEMS = "max-queue-items";
  public static final String MAX_QUEUE_BYTES = "max-queue-bytes";
  public static final String MAX_BATCH_BYTES = "max-batch-bytes";
  public static final String MAX_IN_FLIGHT = "max-in-flight";

  public static final int MAX_BATCH_SIZE_LIMIT = 4096;
  public static final int MAX_QUEUE_ITEMS_LIMIT = 1_000_000;
  public static final int MAX_IN_FLIGHT_LIMIT = 1024;
  public static final long MAX_QUEUE_BYTES_LIMIT = 1L << 40;
  public static final long MAX_BATCH_BYTES_LIMIT = 1L << 31;
  public static final Duration MAX_DELAY_LIMIT = Duration.ofSeconds(10);

  // what the parser lets through unchecked, for the record to judge
  private static final Duration ANY_MIN = Duration.ofSeconds(Long.MIN_VALUE);
  private static final Duration ANY_MAX = Duration.ofSeconds(Long.MAX_VALUE);

  /**
   * The encoders' defaults: 32 items, 2 ms, 1024 queued, one model call at a time (the embedded
   * ONNX Runtime already spreads one call over every core), bytes not bounded.
   */
  public static final BatchingSettings MODEL_DEFAULTS = ofItems(32, Duration.ofMillis(2), 1024, 1);

  public BatchingSettings {
    check(MAX_BATCH_SIZE, "maxBatchSize", maxBatchSize, MAX_BATCH_SIZE_LIMIT);
    if (maxDelay == null || maxDelay.isNegative() || maxDelay.compareTo(MAX_DELAY_LIMIT) > 0) {
      throw new Invalid(MAX_DELAY, "maxDelay", "must be in 0ms..10s", maxDelay);
    }
    check(MAX_QUEUE_ITEMS, "maxQueueItems", maxQueueItems, MAX_QUEUE_ITEMS_LIMIT);
    check(MAX_QUEUE_BYTES, "maxQueueBytes", maxQueueBytes, MAX_QUEUE_BYTES_LIMIT);
    check(MAX_BATCH_BYTES, "maxBatchBytes", maxBatchBytes, MAX_BATCH_BYTES_LIMIT);
    check(MAX_IN_FLIGHT, "maxInFlight", maxInFlight, MAX_IN_FLIGHT_LIMIT);
  }

  /** Settings that bound items only (bytes up to their limits, which item counts reach first). */
  public static BatchingSettings ofItems(
      int maxBatchSize, Duration maxDelay, int maxQueueItems, int maxInFlight) {
    return new BatchingSettings(
        maxBatchSize,
        maxDelay,
        maxQueueItems,
        MAX_QUEUE_BYTES_LIMIT,
        MAX_BATCH_BYTES_LIMIT,
        maxInFlight);
  }

  /** True when every request goes to the backend on its own. */
  public boolean off() {
    return maxBatchSize == 1;
  }

  /** These settings with another {@link #maxBatchSize}. */
  public BatchingSettings withMaxBatchSize(int size) {
    return new BatchingSettings(
        size, maxDelay, maxQueueItems, maxQueueBytes, maxBatchBytes, maxInFlight);
  }

  /**
   * The error of a request refused because the queue has no room, with the numbers.
   *
   * @param retryPushback the retry hint the caller gets; null for none
   */
  OverloadedException overloaded(
      String batcher,
      int queuedItems,
      long queuedBytes,
      int items,
      long bytes,
      Duration retryPushback) {
    boolean byteBound = maxQueueBytes < MAX_QUEUE_BYTES_LIMIT;
    return new OverloadedException(
        batcher
            + " is overloaded: "
            + queuedItems
            + " items"
            + (byteBound ? " (" + queuedBytes + " bytes)" : "")
            + " already queued, a request of "
            + items
            + " items"
            + (byteBound ? " (" + bytes + " bytes)" : "")
            + " does not fit (limit "
            + maxQueueItems
            + " items"
            + (byteBound ? ", " + maxQueueBytes + " bytes" : "")
            + ")"
            + (retryPushback == null ? "" : "; retry after " + retryPushback.toMillis() + " ms"),
        retryPushback);
  }

  /** True when a byte bound is below its limit, so the byte keys are worth configuring. */
  private boolean boundsBytes() {
    return maxQueueBytes < MAX_QUEUE_BYTES_LIMIT || maxBatchBytes < MAX_BATCH_BYTES_LIMIT;
  }

  /**
   * The settings under {@code prefix} with {@code defaults} as their values: {@code
   * prefix.max-batch-size}, {@code .max-delay}, {@code .max-queue-items}, {@code .max-in-flight},
   * and the byte bounds {@code .max-queue-bytes} and {@code .max-batch-bytes} when {@code defaults}
   * bounds bytes.
   */
  public static Map<String, String> defaultSettings(String prefix, BatchingSettings defaults) {
    Map<String, String> out = new LinkedHashMap<>();
    out.put(prefix + "." + MAX_BATCH_SIZE, Integer.toString(defaults.maxBatchSize));
    out.put(prefix + "." + MAX_DELAY, defaults.maxDelay.toMillis() + "ms");
    out.put(prefix + "." + MAX_QUEUE_ITEMS, Integer.toString(defaults.maxQueueItems));
    out.put(prefix + "." + MAX_IN_FLIGHT, Integer.toString(defaults.maxInFlight));
    if (defaults.boundsBytes()) {
      out.put(prefix + "." + MAX_QUEUE_BYTES, bytes(defaults.maxQueueBytes));
      out.put(prefix + "." + MAX_BATCH_BYTES, bytes(defaults.maxBatchBytes));
    }
    return out;
  }

  /**
   * Reads the settings under {@code prefix}; the byte bounds only if the config has them. Values
   * are parsed here and checked by the record.
   *
   * @throws ConfigException naming the key, the rule, the value and its source
   */
  public static BatchingSettings from(Config config, String prefix) {
    try {
      return new BatchingSettings(
          config.getInt(prefix + "." + MAX_BATCH_SIZE, Integer.MIN_VALUE, Integer.MAX_VALUE),
          config.getDuration(prefix + "." + MAX_DELAY, ANY_MIN, ANY_MAX),
          config.getInt(prefix + "." + MAX_QUEUE_ITEMS, Integer.MIN_VALUE, Integer.MAX_VALUE),
          optionalBytes(config, prefix + "." + MAX_QUEUE_BYTES, MAX_QUEUE_BYTES_LIMIT),
          optionalBytes(config, prefix + "." + MAX_BATCH_BYTES, MAX_BATCH_BYTES_LIMIT),
          config.getInt(prefix + "." + MAX_IN_FLIGHT, Integer.MIN_VALUE, Integer.MAX_VALUE));
    } catch (Invalid e) {
      String key = prefix + "." + e.key;
      throw new ConfigException(
          key
              + " "
              + e.rule
              + ", but was "
              + config.find(key).orElse("")
              + " (from "
              + config.sourceOf(key)
              + ")");
    }
  }

  private static long optionalBytes(Config config, String key, long unset) {
    return config.find(key).isPresent()
        ? config.getBytes(key, Long.MIN_VALUE, Long.MAX_VALUE)
        : unset;
  }

  private static String bytes(long value) {
    return value % (1 << 20) == 0 ? (value >> 20) + "MiB" : Long.toString(value);
  }

  private static void check(String key, String field, long value, long max) {
    if (value < 1 || value > max) {
      throw new Invalid(key, field, "must be in 1.." + max, value);
    }
  }

  /** A value out of its range; the message names the field, the rule and the value. */
  public static final class Invalid extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String key;
    private final String rule;

    Invalid(String key, String field, String rule, Object value) {
      super(field + " " + rule + ", but was " + value);
      this.key = key;
      this.rule = rule;
    }
  }
}
