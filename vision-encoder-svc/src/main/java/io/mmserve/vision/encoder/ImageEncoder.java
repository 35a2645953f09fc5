package io.mmserve.vision.encoder;

import io.micrometer.core.instrument.MeterRegistry;
import io.mmserve.inference.BackendModel;
import io.mmserve.inference.InferenceBackend;
import io.mmserve.inference.Tensor;
import io.mmserve.inference.Vectors;
import io.mmserve.inference.batch.AllOrFirstFailure;
import io.mmserve.inference.batch.BatchMetrics;
import io.mmserve.inference.batch.BatchingSettings;
import io.mmserve.inference.pack.ModelPack;
import io.mmserve.inference.pack.ModelPrecision;
import io.mmserve.inference.pack.ModelRegistry;
import io.mmserve.kit.errors.BackendUnavailableException;
import io.mmserve.kit.errors.CancelledException;
import io.mmserve.kit.errors.FieldViolation;
import io.mmserve.kit.errors.InvalidInputException;
import io.mmserve.kit.errors.MmserveException;
import io.mmserve.kit.errors.ResourceLimitException;
import io.mmserve.vision.image.ImageDecoder;
import io.mmserve.vision.image.RgbImage;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Encodes images with the vision encoders of the served model packs.
 *
 * <p>A request goes through three steps:
 *
 * <ol>
 *   <li>Checks of the request as a whole: at least one image, at most {@link
 *       ImageLimits#maxItems()}, a known model.
 *   <li>Per image, before any batching: the byte limit, decoding (the pixel limit is checked from
 *       the header first), resize and centre crop. A request of several images does this on the
 *       encoder's worker threads, one task per image. If any image is bad, the request fails with
 *       the error of the lowest-indexed bad image ({@code "images[3]: ..."}) and nothing of it
 *       reaches the model: the internal API, like the public one, answers a request as a whole, and
 *       no status travels inside a response.
 *   <li>Each image is queued on its model's {@link ImageModel} batcher, where images of concurrent
 *       requests share model calls. A caller that gave up ({@code cancelled}) has its images
 *       dropped before the call; a failure of one request never fails another's images.
 * </ol>
 *
 * <p>Traced: each image's preprocessing (decode, resize, crop) is a span ({@value
 * #PREPROCESS_SPAN}) in the request's context, each model call one of {@link ImageModel}'s.
 *
 * <p>Thread-safe. Owns the worker threads and the batchers, which {@link #close()} stops; the
 * backend belongs to the caller, who closes it after this encoder.
 */
public final class ImageEncoder implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ImageEncoder.class);
  private static final long WORKER_STOP_SECONDS = 5;

  private final ModelRegistry registry;
  private final ImageLimits limits;
  private final ImageDecoder decoder;
  private final Map<String, ImageModel> models = new LinkedHashMap<>();
  private final ExecutorService workers;
  private final Tracer tracer;

  /** The span of one image's decode, resize and crop. */
  static final String PREPROCESS_SPAN = "vision-encoder preprocess";

  /** The index of the image in its request, on a preprocessing span. */
  static final AttributeKey<Long> IMAGE_INDEX = AttributeKey.longKey("mmserve.image.index");

  /**
   * Starts a batcher per pack and the worker threads.
   *
   * @param registry the served packs; each must have a vision side
   * @param backend runs the models named by {@link #backendModels}; not closed here
   * @param limits what one request may hold
   * @param batching how images of concurrent requests are grouped into model calls
   * @param workerThreads threads that decode the images of multi-image requests and assemble
   *     responses
   * @param meters where the batchers' metrics go
   * @throws io.mmserve.inference.pack.ModelPackException if a pack has no usable vision side
   */
  public ImageEncoder(
      ModelRegistry registry,
      InferenceBackend backend,
      ImageLimits limits,
      BatchingSettings batching,
      int workerThreads,
      MeterRegistry meters) {
    this(registry, backend, limits, batching, workerThreads, meters, TracerProvider.noop().get(""));
  }

  /** As the other constructor, with preprocessing and model-call spans made by {@code tracer}. */
  public ImageEncoder(
      ModelRegistry registry,
      InferenceBackend backend,
      ImageLimits limits,
      BatchingSettings batching,
      int workerThreads,
      MeterRegistry meters,
      Tracer tracer) {
    this.registry = registry;
    this.tracer = tracer;
    this.limits = limits;
    this.decoder = new ImageDecoder(limits.maxPixels());
    try {
      for (ModelPack pack : registry.packs()) {
        String id = pack.manifest().id();
        models.put(
            id,
            new ImageModel(
                pack, backend, batching, new BatchMetrics(meters, BatchMetrics.IMAGE, id), tracer));
      }
    } catch (RuntimeException e) {
      models.values().forEach(ImageModel::close);
      throw e;
    }
    this.workers = newWorkers(workerThreads);
  }

  /** The packs this encoder serves. */
  public ModelRegistry registry() {
    return registry;
  }

  /** The vision encoders of the packs, for the caller to load into its inference backend. */
  public static List<BackendModel> backendModels(ModelRegistry registry, ModelPrecision precision) {
    return registry.packs().stream().map(p -> ImageModel.backendModel(p, precision)).toList();
  }

  public ImageLimits limits() {
    return limits;
  }

  /**
   * Encodes the request's images. Never throws; the future fails with {@link InvalidInputException}
   * (a bad request or image), {@link io.mmserve.kit.errors.ModelNotFoundException} (an unknown
   * model), {@link ResourceLimitException} (a limit), {@link
   * io.mmserve.kit.errors.OverloadedException} (queue full), {@link CancelledException} (the caller
   * gave up), or {@link BackendUnavailableException} (shutting down). A successful future completes
   * on one of the encoder's worker threads, a failed one on whichever thread found the failure.
   *
   * @param cancelled true once the caller no longer wants the answer; read before each image is
   *     decoded and before each model call
   */
  public CompletableFuture<ImageEncoding> encode(ImageRequest request, BooleanSupplier cancelled) {
    try {
      ImageModel model = modelFor(request);
      return prepareAll(model, request, cancelled)
          .thenCompose(prepared -> runAll(model, prepared, cancelled))
          .thenApplyAsync(items -> assemble(model, request, items), workers);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Stops the batchers (the queued images still run), then the worker threads. */
  @Override
  public void close() {
    models.values().forEach(ImageModel::close);
    workers.shutdown();
    try {
      if (!workers.awaitTermination(WORKER_STOP_SECONDS, TimeUnit.SECONDS)) {
        workers.shutdownNow();
      }
    } catch (InterruptedException e) {
      workers.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  private ImageModel modelFor(ImageRequest request) {
    int count = request.images().size();
    if (count == 0) {
      throw new InvalidInputException(
          FieldViolation.of("images", "at least one image is required, but there were none"));
    }
    if (count > limits.maxItems()) {
      throw new ResourceLimitException(
          FieldViolation.of(
              "images",
              count + " images exceed the limit of " + limits.maxItems() + " images per request"));
    }
    ModelPack pack = registry.resolve(request.model());
    ImageModel model = models.get(pack.manifest().id());
    if (request.includeFeatures() && !model.hasPatchFeatures()) {
      throw new InvalidInputException(
          FieldViolation.of(
              "include_features", "model " + pack.manifest().id() + " has no patch features"));
    }
    return model;
  }

  private CompletableFuture<List<ImageItem>> prepareAll(
      ImageModel model, ImageRequest request, BooleanSupplier cancelled) {
    List<ImageInput> images = request.images();
    boolean features = request.includeFeatures();
    if (images.size() == 1) {
      // One image: no hand-over to another thread.
      return CompletableFuture.completedFuture(
          List.of(prepare(model, 0, images.get(0), features, cancelled)));
    }
    List<CompletableFuture<ImageItem>> futures = new ArrayList<>(images.size());
    Executor inContext = Context.current().wrap(workers); // the spans' parent is the request's
    try {
      for (int i = 0; i < images.size(); i++) {
        int index = i;
        futures.add(
            CompletableFuture.supplyAsync(
                () -> prepare(model, index, images.get(index), features, cancelled), inContext));
      }
    } catch (RejectedExecutionException e) {
      throw new BackendUnavailableException("vision encoder is shutting down", e);
    }
    return AllOrFirstFailure.of(futures);
  }

  private ImageItem prepare(
      ImageModel model,
      int index,
      ImageInput input,
      boolean includeFeatures,
      BooleanSupplier cancelled) {
    if (input instanceof ImageInput.Rejected rejected) {
      throw rejected.error();
    }
    if (cancelled.getAsBoolean()) {
      throw new CancelledException(
          "request cancelled or past its deadline before images[" + index + "] was decoded");
    }
    if (input.byteCount() > limits.maxImageBytes()) {
      throw new ResourceLimitException(
          FieldViolation.item(
              "images",
              index,
              input.byteCount()
                  + " bytes exceed the limit of "
                  + limits.maxImageBytes()
                  + " bytes per image"));
    }
    Span span =
        tracer.spanBuilder(PREPROCESS_SPAN).setAttribute(IMAGE_INDEX, (long) index).startSpan();
    try (Scope ignored = span.makeCurrent()) {
      return new ImageItem(model.crop(decode(index, input)), includeFeatures);
    } catch (RuntimeException e) {
      span.setStatus(StatusCode.ERROR, e.getClass().getSimpleName());
      throw e;
    } finally {
      span.end();
    }
  }

  private RgbImage decode(int index, ImageInput input) {
    try {
      if (input instanceof ImageInput.Encoded encoded) {
        return decoder.decode(index, encoded.data());
      }
      return decoder.decodeRaw(index, ((ImageInput.Raw) input).image());
    } catch (MmserveException e) {
      throw e;
    } catch (RuntimeException e) {
      // The decoders report bad data as InvalidInputException; anything else is a decoder gap
      // that a malformed file reached. The client still gets a bad-input answer, we get the log.
      log.warn("images[{}]: decoder failed unexpectedly", index, e);
      throw new InvalidInputException(
          FieldViolation.item("images", index, "corrupt image data"), e);
    }
  }

  private CompletableFuture<List<EncodedImageItem>> runAll(
      ImageModel model, List<ImageItem> prepared, BooleanSupplier cancelled) {
    List<CompletableFuture<EncodedImageItem>> futures = new ArrayList<>(prepared.size());
    for (ImageItem image : prepared) {
      futures.add(model.submit(image, cancelled));
    }
    // Once one image fails, the request fails: drop its other images if they are still queued.
    return AllOrFirstFailure.cancellingTheRest(futures);
  }

  private ImageEncoding assemble(
      ImageModel model, ImageRequest request, List<EncodedImageItem> items) {
    int n = items.size();
    int dim = (int) items.get(0).embedding().dim(0);
    float[] values = new float[n * dim];
    for (int i = 0; i < n; i++) {
      items.get(i).embedding().data().asFloatBuffer().get(values, i * dim, dim);
      if (request.normalize()) {
        Vectors.normalize(values, i * dim, dim);
      }
    }
    Optional<Tensor> patches =
        request.includeFeatures()
            ? Optional.of(
                Tensor.stack(items.stream().map(EncodedImageItem::patchFeatures).toList()))
            : Optional.empty();
    ModelPack pack = model.pack();
    return new ImageEncoding(pack.name(), pack.version(), Tensor.ofFloats(values, n, dim), patches);
  }

  /** Scales {@code values[from .. from + length)} to unit L2 norm; a zero vector stays zero. */
  static void l2Normalize(float[] values, int from, int length) {
    double sum = 0;
    for (int i = from; i < from + length; i++) {
      sum += (double) values[i] * values[i];
    }
    if (sum == 0) {
      return;
    }
    double inverse = 1 / Math.sqrt(sum);
    for (int i = from; i < from + length; i++) {
      values[i] = (float) (values[i] * inverse);
    }
  }

  private static ExecutorService newWorkers(int threads) {
    AtomicInteger count = new AtomicInteger();
    return new ThreadPoolExecutor(
        threads,
        threads,
        0,
        TimeUnit.MILLISECONDS,
        new LinkedBlockingQueue<>(),
        r -> {
          Thread t = new Thread(r, "mmserve-vision-worker-" + count.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
  }
}
