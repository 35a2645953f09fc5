package io.mmserve.vision;

import io.mmserve.inference.batch.BatchingSettings;
import io.mmserve.inference.onnx.OnnxRuntimeConfig;
import io.mmserve.inference.pack.ModelPrecision;
import io.mmserve.inference.pack.PackDirectories;
import io.mmserve.kit.config.Config;
import io.mmserve.kit.config.ConfigException;
import io.mmserve.kit.fault.FaultInjection;
import io.mmserve.kit.server.ServerConfig;
import io.mmserve.triton.BackendSettings;
import io.mmserve.vision.encoder.ImageLimits;
import io.mmserve.vision.encoder.Preparation;
import io.mmserve.vision.image.ImageDecoder;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The settings of vision-encoder-svc beyond those every server shares ({@link ServerConfig}) and
 * those of the inference backend ({@link BackendSettings}: {@link OnnxRuntimeConfig} and Triton's).
 * Immutable; read once by {@link Main}.
 *
 * @param packs model pack directories, the default model first
 * @param precision which encoder file of each pack to run
 * @param limits what one request may hold
 * @param batching how images of concurrent requests are grouped into model calls (under {@value
 *     #BATCHING_PREFIX})
 * @param preparation the threads that decode and preprocess images, and how many prepared images
 *     may wait for the model (under {@code preprocess.})
 */
public record VisionEncoderConfig(
    List<Path> packs,
    ModelPrecision precision,
    ImageLimits limits,
    BatchingSettings batching,
    Preparation preparation) {
  /** Default gRPC message limit: the gateway's 64 MiB request limit plus 1 MiB of framing. */
  public static final String DEFAULT_MAX_MESSAGE = "65MiB";

  public static final int DEFAULT_GRPC_PORT = 50053;
  public static final int DEFAULT_ADMIN_PORT = 9093;

  public static final String MODEL_PACKS = PackDirectories.KEY;
  public static final String MODEL_PRECISION = "model.precision";
  public static final String MAX_ITEMS = "limits.max-items";
  public static final String MAX_IMAGE_BYTES = "limits.max-image-bytes";
  public static final String MAX_PIXELS = "limits.max-pixels";
  public static final String PREPROCESS_THREADS = "preprocess.threads";
  public static final String MAX_PREPARED = "preprocess.max-prepared";
  public static final String MAX_ADMITTED_BYTES = "preprocess.max-admitted-bytes";
  public static final String BATCHING_PREFIX = "batching";

  /**
   * {@value #MAX_PREPARED}'s default, 0: {@link Preparation#defaultMaxPrepared} of the batching.
   */
  public static final int DEFAULT_MAX_PREPARED = 0;

  /** The bundled pack, relative to the working directory (the repository root in local mode). */
  public static final String DEFAULT_MODEL_PACKS = PackDirectories.DEFAULT;

  public static final ModelPrecision DEFAULT_PRECISION = ModelPrecision.FP32;

  /** Room for the protobuf framing of a request on top of its image bytes. */
  static final long MESSAGE_OVERHEAD_BYTES = 1L << 20;

  public VisionEncoderConfig {
    packs = List.copyOf(packs);
    if (packs.isEmpty()) {
      throw new IllegalArgumentException("at least one model pack is required");
    }
    if (preparation.maxPrepared() < batching.maxBatchSize()) {
      throw new IllegalArgumentException(
          "maxPrepared must be at least maxBatchSize ("
              + batching.maxBatchSize()
              + "), but was "
              + preparation.maxPrepared());
    }
  }

  /**
   * Every setting the service reads, with its default: the shared server settings (gRPC port
   * {@value #DEFAULT_GRPC_PORT}, admin port {@value #DEFAULT_ADMIN_PORT}), ONNX Runtime, the
   * batcher and this service's own. The gRPC message size limit defaults to {@value
   * #DEFAULT_MAX_MESSAGE}: the gateway's largest request (64 MiB) plus framing. It is deliberately
   * not {@code max-items x max-image-bytes} (over a GiB), which would let one request hold that
   * much memory.
   */
  public static Map<String, String> defaults() {
    Map<String, String> defaults =
        new HashMap<>(ServerConfig.defaults(DEFAULT_GRPC_PORT, DEFAULT_ADMIN_PORT));
    defaults.putAll(BackendSettings.defaultSettings()); // backend, onnxruntime.*, triton.*
    defaults.putAll(FaultInjection.defaults());
    defaults.putAll(
        BatchingSettings.defaultSettings(BATCHING_PREFIX, BatchingSettings.MODEL_DEFAULTS));
    ImageLimits limits = ImageLimits.defaults();
    defaults.put(ServerConfig.MAX_INBOUND_MESSAGE_SIZE, DEFAULT_MAX_MESSAGE);
    defaults.put(MODEL_PACKS, DEFAULT_MODEL_PACKS);
    defaults.put(MODEL_PRECISION, DEFAULT_PRECISION.name().toLowerCase(Locale.ROOT));
    defaults.put(MAX_ITEMS, Integer.toString(limits.maxItems()));
    defaults.put(MAX_IMAGE_BYTES, (limits.maxImageBytes() >> 20) + "MiB");
    defaults.put(MAX_PIXELS, Long.toString(limits.maxPixels()));
    defaults.put(PREPROCESS_THREADS, Integer.toString(Runtime.getRuntime().availableProcessors()));
    defaults.put(MAX_PREPARED, Integer.toString(DEFAULT_MAX_PREPARED));
    defaults.put(MAX_ADMITTED_BYTES, "0");
    return Map.copyOf(defaults);
  }

  /** Reads and validates the settings; the messages name the key, the bad value and its source. */
  public static VisionEncoderConfig from(Config config) {
    List<Path> packs = PackDirectories.from(config);
    BatchingSettings batching = BatchingSettings.from(config, BATCHING_PREFIX);
    return new VisionEncoderConfig(
        packs,
        config.getEnum(MODEL_PRECISION, ModelPrecision.class),
        new ImageLimits(
            config.getInt(MAX_ITEMS, 1, ImageLimits.MAX_ITEMS),
            config.getBytes(MAX_IMAGE_BYTES, 1, ImageLimits.MAX_IMAGE_BYTES),
            config.getLong(MAX_PIXELS, 1, ImageDecoder.MAX_PIXELS_CEILING)),
        batching,
        new Preparation(
            config.getInt(PREPROCESS_THREADS, 1, Preparation.MAX_THREADS),
            maxPrepared(config, batching),
            maxAdmittedBytes(config)));
  }

  /** {@value #MAX_ADMITTED_BYTES}, or {@link Preparation#defaultMaxAdmittedBytes()} when 0. */
  private static long maxAdmittedBytes(Config config) {
    long value = config.getBytes(MAX_ADMITTED_BYTES, 0, Long.MAX_VALUE);
    return value == 0 ? Preparation.defaultMaxAdmittedBytes() : value;
  }

  /**
   * {@value #MAX_PREPARED}, or its default for {@code batching} when 0.
   *
   * @throws ConfigException if below {@code batching.max-batch-size}, naming both keys
   */
  private static int maxPrepared(Config config, BatchingSettings batching) {
    int value = config.getInt(MAX_PREPARED, 0, Preparation.MAX_PREPARED);
    if (value == 0) {
      return Preparation.defaultMaxPrepared(batching);
    }
    if (value < batching.maxBatchSize()) {
      throw new ConfigException(
          MAX_PREPARED
              + " must be 0 (the default) or at least "
              + BATCHING_PREFIX
              + "."
              + BatchingSettings.MAX_BATCH_SIZE
              + " ("
              + batching.maxBatchSize()
              + "): batches could never fill, but was "
              + value
              + " (from "
              + config.sourceOf(MAX_PREPARED)
              + ")");
    }
    return value;
  }

  /** The gRPC message size a request with one image of the largest allowed size needs. */
  public static long requiredMessageBytes(ImageLimits limits) {
    return limits.maxImageBytes() + MESSAGE_OVERHEAD_BYTES;
  }
}
