package io.mmserve.triton.repository;

import io.mmserve.inference.pack.ModelPrecision;
import io.mmserve.kserve.v2.ModelInstanceGroup;
import java.util.List;
import java.util.Objects;

/**
 * What a generated Triton model repository looks like beyond what the manifest says.
 *
 * @param modelPrefix prepended to every model name (the services' {@code triton.model-prefix})
 * @param precision which ONNX files to serve
 * @param maxBatchSize Triton's max_batch_size (the largest batch one request may carry)
 * @param preferredBatchSizes the dynamic batcher's preferred sizes, each at most maxBatchSize
 * @param maxQueueDelayMicros how long the dynamic batcher waits to fill a batch
 * @param instanceKind where instances run (KIND_GPU in production, KIND_CPU without a GPU)
 * @param instanceCount instances per model (per GPU for KIND_GPU)
 * @param modelVersion the version folder the ONNX file goes into; the version policy serves the
 *     latest one
 */
public record RepositoryOptions(
    String modelPrefix,
    ModelPrecision precision,
    int maxBatchSize,
    List<Integer> preferredBatchSizes,
    long maxQueueDelayMicros,
    ModelInstanceGroup.Kind instanceKind,
    int instanceCount,
    int modelVersion) {
  public static final int DEFAULT_MAX_BATCH_SIZE = 32;
  public static final long DEFAULT_MAX_QUEUE_DELAY_MICROS = 500;

  public RepositoryOptions {
    Objects.requireNonNull(modelPrefix, "modelPrefix");
    Objects.requireNonNull(precision, "precision");
    Objects.requireNonNull(instanceKind, "instanceKind");
    preferredBatchSizes = List.copyOf(preferredBatchSizes);
    if (maxBatchSize < 1) {
      throw new IllegalArgumentException("maxBatchSize must be positive, but was " + maxBatchSize);
    }
    for (int size : preferredBatchSizes) {
      if (size < 1 || size > maxBatchSize) {
        throw new IllegalArgumentException(
            "preferred batch size " + size + " must be in 1.." + maxBatchSize);
      }
    }
    if (maxQueueDelayMicros < 0 || instanceCount < 1 || modelVersion < 1) {
      throw new IllegalArgumentException(
          "queue delay must be >= 0, instance count and model version >= 1, but were "
              + maxQueueDelayMicros
              + ", "
              + instanceCount
              + ", "
              + modelVersion);
    }
  }

  /**
   * Production defaults: FP32, batches of up to 32 (preferred 8, 16, 32), 500 µs, one GPU instance.
   */
  public static RepositoryOptions defaults() {
    return new RepositoryOptions(
        "",
        ModelPrecision.FP32,
        DEFAULT_MAX_BATCH_SIZE,
        List.of(8, 16, 32),
        DEFAULT_MAX_QUEUE_DELAY_MICROS,
        ModelInstanceGroup.Kind.KIND_GPU,
        1,
        1);
  }
}
