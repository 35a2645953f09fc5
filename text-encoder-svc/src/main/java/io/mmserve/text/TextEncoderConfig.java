package io.mmserve.text;

import io.mmserve.inference.batch.BatchingSettings;
import io.mmserve.inference.onnx.OnnxRuntimeConfig;
import io.mmserve.inference.pack.ModelPrecision;
import io.mmserve.inference.pack.PackDirectories;
import io.mmserve.kit.config.Config;
import io.mmserve.kit.config.ConfigException;
import io.mmserve.kit.fault.FaultInjection;
import io.mmserve.kit.server.NettyTransport;
import io.mmserve.kit.server.ServerConfig;
import io.mmserve.text.encoder.SequenceBuckets;
import io.mmserve.text.encoder.TextLimits;
import io.mmserve.triton.BackendSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * text-encoder-svc's own settings, beside the shared {@link ServerConfig} and {@link
 * BackendSettings} (with {@link OnnxRuntimeConfig}).
 *
 * @param packs the model pack directories, absolute; the first is the default model
 * @param precision which encoder files to run
 * @param limits per-request limits
 * @param batching how texts of concurrent requests are grouped into model calls (under {@value
 *     #BATCHING_PREFIX})
 * @param djlCacheDir where DJL extracts the tokenizers native library, unless the environment names
 *     a folder (DJL_CACHE_DIR, ENGINE_CACHE_DIR)
 * @param buckets the sequence lengths text batches run at, for packs whose text encoder has a
 *     dynamic sequence axis; {@link SequenceBuckets#fixed()} when {@value #SEQUENCE_DYNAMIC} is off
 */
public record TextEncoderConfig(
    List<Path> packs,
    ModelPrecision precision,
    TextLimits limits,
    BatchingSettings batching,
    Path djlCacheDir,
    SequenceBuckets buckets) {
  public static final String MODEL_PACKS = PackDirectories.KEY;
  public static final String MODEL_PRECISION = "model.precision";
  public static final String MAX_ITEMS = "limits.max-items";
  public static final String MAX_TEXT_CHARS = "limits.max-text-chars";
  public static final String DJL_CACHE_DIR = "djl.cache-dir";
  public static final String BATCHING_PREFIX = "batching";
  public static final String SEQUENCE_DYNAMIC = "sequence.dynamic";
  public static final String SEQUENCE_BUCKETS = "sequence.buckets";

  public static final int DEFAULT_GRPC_PORT = 50052;
  public static final int DEFAULT_ADMIN_PORT = 9092;
  public static final String DEFAULT_MODEL_PACKS = PackDirectories.DEFAULT;
  public static final String DEFAULT_PRECISION = "fp32";
  public static final String DJL_CACHE_FOLDER = "mmserve-djl";

  private static final int MAX_ITEMS_LIMIT = 100_000;
  private static final int MAX_TEXT_CHARS_LIMIT = 10_000_000;

  public TextEncoderConfig {
    packs = List.copyOf(packs);
  }

  /** Every setting of the service with its default, the shared ones included. */
  public static Map<String, String> defaults() {
    Map<String, String> defaults =
        new HashMap<>(ServerConfig.defaults(DEFAULT_GRPC_PORT, DEFAULT_ADMIN_PORT));
    defaults.putAll(BackendSettings.defaultSettings()); // backend, onnxruntime.*, triton.*
    defaults.putAll(FaultInjection.defaults());
    // calls only check, tokenize and queue; the model runs on the batcher's thread: no hand-off
    defaults.put(NettyTransport.EXECUTOR, "direct");
    defaults.putAll(
        BatchingSettings.defaultSettings(BATCHING_PREFIX, BatchingSettings.MODEL_DEFAULTS));
    defaults.put(MODEL_PACKS, DEFAULT_MODEL_PACKS);
    defaults.put(MODEL_PRECISION, DEFAULT_PRECISION);
    defaults.put(MAX_ITEMS, Integer.toString(TextLimits.DEFAULT_MAX_ITEMS));
    defaults.put(MAX_TEXT_CHARS, Integer.toString(TextLimits.DEFAULT_MAX_TEXT_CHARS));
    defaults.put(SEQUENCE_DYNAMIC, "true");
    defaults.put(
        SEQUENCE_BUCKETS,
        String.join(",", SequenceBuckets.DEFAULT.stream().map(String::valueOf).toList()));
    defaults.put(
        DJL_CACHE_DIR, Path.of(System.getProperty("java.io.tmpdir"), DJL_CACHE_FOLDER).toString());
    return Map.copyOf(defaults);
  }

  /**
   * Reads and validates the settings; pack directories are resolved against the working directory.
   */
  public static TextEncoderConfig from(Config config) {
    List<Path> packs = PackDirectories.from(config);
    return new TextEncoderConfig(
        packs,
        config.getEnum(MODEL_PRECISION, ModelPrecision.class),
        new TextLimits(
            config.getInt(MAX_ITEMS, 1, MAX_ITEMS_LIMIT),
            config.getInt(MAX_TEXT_CHARS, 1, MAX_TEXT_CHARS_LIMIT)),
        BatchingSettings.from(config, BATCHING_PREFIX),
        config.getPath(DJL_CACHE_DIR).toAbsolutePath(),
        buckets(config));
  }

  /**
   * The sequence buckets, or none when {@value #SEQUENCE_DYNAMIC} is false.
   *
   * @throws ConfigException naming {@value #SEQUENCE_BUCKETS} and the bad entry
   */
  private static SequenceBuckets buckets(Config config) {
    if (!config.getBoolean(SEQUENCE_DYNAMIC)) {
      return SequenceBuckets.fixed();
    }
    List<Integer> lengths = new ArrayList<>();
    for (String entry : config.getList(SEQUENCE_BUCKETS)) {
      try {
        lengths.add(Integer.parseInt(entry));
      } catch (NumberFormatException e) {
        throw new ConfigException(
            SEQUENCE_BUCKETS
                + " must be a comma-separated list of sequence lengths, but has '"
                + entry
                + "'");
      }
    }
    try {
      return SequenceBuckets.of(SEQUENCE_BUCKETS, lengths);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage());
    }
  }
}
