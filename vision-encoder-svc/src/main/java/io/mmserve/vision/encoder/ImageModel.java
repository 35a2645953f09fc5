package io.mmserve.vision.encoder;

import io.mmserve.inference.BackendModel;
import io.mmserve.inference.DType;
import io.mmserve.inference.InferenceBackend;
import io.mmserve.inference.Tensor;
import io.mmserve.inference.batch.BatchMetrics;
import io.mmserve.inference.batch.BatchResult;
import io.mmserve.inference.batch.BatchingSettings;
import io.mmserve.inference.batch.DynamicBatcher;
import io.mmserve.inference.batch.Ticker;
import io.mmserve.inference.batch.TracedBatchFunction;
import io.mmserve.inference.pack.ModelPack;
import io.mmserve.inference.pack.ModelPackException;
import io.mmserve.inference.pack.ModelPrecision;
import io.mmserve.inference.pack.TensorSpec;
import io.mmserve.inference.pack.VisionSpec;
import io.mmserve.kit.tracing.Traced;
import io.mmserve.vision.image.ClipPreprocessor;
import io.mmserve.vision.image.ClipPreprocessorConfig;
import io.mmserve.vision.image.ImageScratch;
import io.mmserve.vision.image.ResizeConvention;
import io.mmserve.vision.image.RgbImage;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;

/**
 * The vision side of one model pack: its CLIP preprocessing and a {@link DynamicBatcher} that runs
 * its vision encoder on the inference backend.
 *
 * <p>The encoder's first input takes the pixels ({@code [-1, 3, S, S]}, S the pack's image size);
 * its first output is the embeddings ({@code [-1, D]}) and its second, if declared, the patch
 * features ({@code [-1, P, W]}). Tensor names come from the manifest.
 *
 * <p>The pipeline ({@link #encode}): a crop is normalised on the calling (preparation) thread into
 * a buffer leased from {@link PreparedSlots}, then queued; a batch call only copies the queued
 * images' ready pixels into a direct float buffer of {@code [B, 3, S, S]}, runs the model once, and
 * hands each item its rows of the outputs. So the next batch is decoded and normalised while the
 * model runs the current one, and the model thread never decodes or normalises. An image gives its
 * lease back when it is answered (a failed batch is re-run item by item from the same pixels), so
 * at most {@code maxPrepared} images are prepared and not yet answered. The batch buffers are
 * reused from call to call: one per model call the batcher may keep in flight, each held by one
 * call at a time (the backend has finished reading it when {@code infer} returns).
 */
final class ImageModel implements AutoCloseable {
  /**
   * How the model packs round the resized long side and the crop offset: truncated and floored, as
   * Hugging Face's CLIPImageProcessor does and as the packs' reference preprocessing ({@code
   * models/mmshapes/preprocess.py}) does. The manifest does not name a convention yet.
   */
  static final ResizeConvention PACK_RESIZE_CONVENTION = ResizeConvention.HF_CLIP_IMAGE_PROCESSOR;

  private final ModelPack pack;
  private final InferenceBackend backend;
  private final String backendName;
  private final ClipPreprocessor preprocessor;
  private final ClipPreprocessor normalizer;
  private final String inputName;
  private final String embeddingsName;
  private final Optional<String> patchFeaturesName;
  private final long[] imageShape;
  private final int floatsPerImage;
  private final int batchBytes;
  private final BlockingQueue<ByteBuffer> pixelBuffers; // free buffers; made as calls need them
  private final PreparedSlots prepared;
  private final Ticker ticker = Ticker.system(); // the batcher's clock
  private final DynamicBatcher<Traced<ImageItem>, EncodedImageItem> batcher;

  /**
   * Checks the pack's vision section and starts the batcher's worker threads.
   *
   * @param maxPrepared most images prepared (normalised) and not yet answered; at least {@code
   *     batching.maxBatchSize()}
   * @param preparers the preparation threads, where an image that waited for a buffer goes on
   * @throws ModelPackException if the pack has no vision side or one this service cannot run
   */
  ImageModel(
      ModelPack pack,
      InferenceBackend backend,
      BatchingSettings batching,
      int maxPrepared,
      Executor preparers,
      BatchMetrics metrics,
      Tracer tracer) {
    this.pack = pack;
    this.backend = backend;
    this.backendName = backendName(pack);
    VisionSpec vision = visionOf(pack);
    int size = vision.imageSize();
    this.preprocessor = new ClipPreprocessor(preprocessorConfig(vision));
    // Resizing an S x S crop to a short side of S is PIL's no-op (both passes are skipped), so this
    // preprocessor only normalises, writing into the batch buffer.
    this.normalizer =
        new ClipPreprocessor(
            new ClipPreprocessorConfig(
                size,
                size,
                size,
                vision.rescaleFactor(),
                toDoubles(vision.mean()),
                toDoubles(vision.std()),
                PACK_RESIZE_CONVENTION));
    List<TensorSpec> inputs = vision.encoder().inputs();
    List<TensorSpec> outputs = vision.encoder().outputs();
    this.inputName = inputs.get(0).name();
    this.embeddingsName = outputs.get(0).name();
    this.patchFeaturesName =
        outputs.size() > 1 ? Optional.of(outputs.get(1).name()) : Optional.empty();
    this.imageShape = new long[] {3, size, size};
    this.floatsPerImage = preprocessor.floatsPerImage();
    this.batchBytes = Math.multiplyExact(batching.maxBatchSize(), floatsPerImage * Float.BYTES);
    this.pixelBuffers = new ArrayBlockingQueue<>(batching.maxInFlight());
    this.prepared = new PreparedSlots(maxPrepared, floatsPerImage, preparers);
    // each model call is a span ("vision-encoder model") linked to the requests of its images
    this.batcher =
        new DynamicBatcher<>(
            batcherName(pack),
            batching,
            new TracedBatchFunction<>(this::run, tracer, MODEL_SPAN, backendName),
            metrics);
    metrics.watch(batcher);
  }

  /** The span of one model call. */
  static final String MODEL_SPAN = "vision-encoder model";

  /** The batcher's name, in thread names and overload messages. */
  static String batcherName(ModelPack pack) {
    return "vision-encoder " + pack.manifest().id();
  }

  /** The name the pack's vision encoder has on the inference backend. */
  static String backendName(ModelPack pack) {
    return pack.manifest().id() + "/vision";
  }

  /** The backend model of the pack's vision encoder in {@code precision}. */
  static BackendModel backendModel(ModelPack pack, ModelPrecision precision) {
    return BackendModel.of(backendName(pack), visionOf(pack).encoder(), precision);
  }

  /**
   * The CLIP preprocessing the pack's manifest describes.
   *
   * @throws ModelPackException if the manifest asks for preprocessing this service does not do
   */
  static ClipPreprocessorConfig preprocessorConfig(VisionSpec vision) {
    return new ClipPreprocessorConfig(
        vision.resize().shortestEdge(),
        vision.crop().height(),
        vision.crop().width(),
        vision.rescaleFactor(),
        toDoubles(vision.mean()),
        toDoubles(vision.std()),
        PACK_RESIZE_CONVENTION);
  }

  ModelPack pack() {
    return pack;
  }

  /** Whether the encoder outputs patch features. */
  boolean hasPatchFeatures() {
    return patchFeaturesName.isPresent();
  }

  /**
   * Resizes and centre-crops a decoded image to the model's input size, on the calling thread, in
   * that thread's {@code scratch} memory.
   */
  RgbImage crop(RgbImage image, ImageScratch scratch) {
    return preprocessor.resizeAndCrop(image, scratch);
  }

  /**
   * Runs one cropped image through the rest of the pipeline: waits for a pixel buffer (without
   * blocking), normalises the crop into it on the thread that got the buffer (the caller's, or one
   * of the preparation threads), and queues it for a model call. See {@link
   * DynamicBatcher#submit(Object, BooleanSupplier)} for how the future fails.
   *
   * @param queuedSinceNanos when the image entered the encoder ({@link #nanoTime()}): its wait for
   *     decoding and a buffer counts as queue time
   */
  CompletableFuture<EncodedImageItem> encode(
      RgbImage crop, boolean includeFeatures, BooleanSupplier cancelled, long queuedSinceNanos) {
    Context context = Context.current(); // the model call's span links to the request's
    CompletableFuture<EncodedImageItem> result = new CompletableFuture<>();
    prepared
        .acquire()
        .whenComplete(
            (lease, failure) -> {
              if (failure != null) {
                result.completeExceptionally(failure);
              } else if (result.isDone()) {
                lease.release(); // cancelled while it waited: not prepared at all
              } else {
                queue(lease, crop, includeFeatures, cancelled, queuedSinceNanos, context, result);
              }
            });
    return result;
  }

  /**
   * Normalises {@code crop} into its leased buffer and queues it; cancelling {@code result} drops
   * it.
   */
  private void queue(
      PreparedSlots.Lease lease,
      RgbImage crop,
      boolean includeFeatures,
      BooleanSupplier cancelled,
      long queuedSinceNanos,
      Context context,
      CompletableFuture<EncodedImageItem> result) {
    CompletableFuture<EncodedImageItem> answer;
    try (Scope ignored = context.makeCurrent()) {
      normalizer.preprocess(crop, lease.pixels(), 0);
      answer =
          batcher.submit(
              Traced.now(new ImageItem(lease, includeFeatures)), cancelled, queuedSinceNanos);
    } catch (RuntimeException e) {
      lease.release();
      result.completeExceptionally(e);
      return;
    }
    answer.whenComplete(
        (value, failure) -> {
          lease.release();
          if (failure != null) {
            result.completeExceptionally(failure);
          } else {
            result.complete(value);
          }
        });
    result.whenComplete(
        (value, failure) -> {
          if (result.isCancelled()) {
            answer.cancel(false);
          }
        });
  }

  /** The time on the batcher's ticker, for {@link #encode}'s {@code queuedSinceNanos}. */
  long nanoTime() {
    return ticker.nanoTime();
  }

  /** Images prepared and not yet answered, and images waiting for a buffer to be prepared in. */
  PipelineLoad load() {
    return new PipelineLoad(prepared.leased(), prepared.waiting(), batcher.queuedItems());
  }

  /**
   * A snapshot of the pipeline.
   *
   * @param prepared images normalised and not yet answered (at most {@code maxPrepared})
   * @param waitingForBuffer cropped images waiting for a buffer
   * @param queued prepared images waiting for a model call
   */
  record PipelineLoad(int prepared, int waitingForBuffer, int queued) {}

  /** Runs the queued images, then stops the batcher's worker threads. */
  @Override
  public void close() {
    batcher.close();
  }

  private List<BatchResult<EncodedImageItem>> run(List<ImageItem> items) {
    ByteBuffer pixels = pixelBuffers.poll();
    if (pixels == null) {
      pixels = ByteBuffer.allocateDirect(batchBytes).order(ByteOrder.LITTLE_ENDIAN);
    }
    try {
      return run(items, pixels);
    } finally {
      pixelBuffers.offer(pixels);
    }
  }

  private List<BatchResult<EncodedImageItem>> run(List<ImageItem> items, ByteBuffer pixels) {
    int n = items.size();
    FloatBuffer floats = pixels.asFloatBuffer();
    for (int i = 0; i < n; i++) {
      floats.put(i * floatsPerImage, items.get(i).pixels().pixels());
    }
    ByteBuffer batch = pixels.duplicate().position(0).limit(n * floatsPerImage * Float.BYTES);
    long[] shape = new long[] {n, imageShape[0], imageShape[1], imageShape[2]};
    Map<String, Tensor> outputs =
        backend.infer(backendName, Map.of(inputName, Tensor.wrap(DType.FLOAT32, shape, batch)));
    Tensor embeddings = output(outputs, embeddingsName, n);
    Tensor patches = patchFeaturesName.map(name -> output(outputs, name, n)).orElse(null);
    List<BatchResult<EncodedImageItem>> results = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Tensor features = patches != null && items.get(i).includeFeatures() ? patches.row(i) : null;
      results.add(BatchResult.success(new EncodedImageItem(embeddings.row(i), features)));
    }
    return results;
  }

  private Tensor output(Map<String, Tensor> outputs, String name, int batchSize) {
    Tensor t = outputs.get(name);
    if (t == null || t.rank() < 2 || t.dim(0) != batchSize) {
      throw new IllegalStateException(
          backendName
              + ": output '"
              + name
              + "' should have "
              + batchSize
              + " rows, but was "
              + t
              + (t == null ? "" : " " + Arrays.toString(t.shape())));
    }
    return t;
  }

  private static VisionSpec visionOf(ModelPack pack) {
    VisionSpec vision =
        pack.manifest()
            .vision()
            .orElseThrow(
                () ->
                    new ModelPackException(
                        "model pack " + pack.manifest().id() + " has no vision section"));
    check(pack, vision);
    return vision;
  }

  private static void check(ModelPack pack, VisionSpec vision) {
    String where = "model pack " + pack.manifest().id() + ": vision.";
    int size = vision.imageSize();
    if (!vision.resize().interpolation().equals("bicubic") || !vision.resize().antialias()) {
      throw new ModelPackException(
          where
              + "resize must be antialiased bicubic, but was "
              + vision.resize().interpolation()
              + " with antialias "
              + vision.resize().antialias());
    }
    if (!vision.crop().mode().equals("center")
        || vision.crop().height() != size
        || vision.crop().width() != size) {
      throw new ModelPackException(
          where
              + "crop must be a center crop of image_size "
              + size
              + "x"
              + size
              + ", but was "
              + vision.crop());
    }
    List<TensorSpec> inputs = vision.encoder().inputs();
    if (inputs.size() != 1
        || inputs.get(0).dtype() != DType.FLOAT32
        || !inputs.get(0).accepts(new long[] {1, 3, size, size})) {
      throw new ModelPackException(
          where + "encoder must have one float32 input [-1, 3, " + size + ", " + size + "]");
    }
    List<TensorSpec> outputs = vision.encoder().outputs();
    if (outputs.isEmpty()
        || outputs.get(0).dtype() != DType.FLOAT32
        || outputs.get(0).shape().size() != 2) {
      throw new ModelPackException(
          where + "encoder's first output must be the float32 embeddings [-1, D]");
    }
    if (outputs.size() > 1 && outputs.get(1).dtype() != DType.FLOAT32) {
      throw new ModelPackException(
          where + "encoder's second output must be the float32 patch features");
    }
  }

  private static double[] toDoubles(List<Double> values) {
    return values.stream().mapToDouble(Double::doubleValue).toArray();
  }
}
