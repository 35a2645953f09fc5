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
import io.mmserve.kit.errors.ResourceLimitException;
import io.mmserve.vision.image.RgbImage;
import io.opentelemetry.api.common.AttributeKey;
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
 * <p>A request goes through a pipeline whose stages overlap, so the model's threads are not taken
 * by decoding and the next batch is ready when the model finishes the current one:
 *
 * <ol>
 *   <li>Checks of the request as a whole: at least one image, at most {@link
 *       ImageLimits#maxItems()}, a known model, and room: at most {@code batching.max-queue-items}
 *       images are inside the encoder at once ({@link AdmittedImages}); past that the request is
 *       refused at once with {@link io.mmserve.kit.errors.OverloadedException}.
 *   <li>Per image, before any batching, on the encoder's preparation threads ({@code
 *       preprocess.threads}, one task per image): the byte limit, decoding (the pixel limit is
 *       checked from the header first), resize and centre crop. If any image is bad, the request
 *       fails with the error of the lowest-indexed bad image ({@code "images[3]: ..."}) and nothing
 *       of it reaches the model: the internal API, like the public one, answers a request as a
 *       whole, and no status travels inside a response.
 *   <li>Each crop is normalised into a buffer leased from its model's bounded pool (at most {@code
 *       preprocess.max-prepared} images prepared and not yet answered: the pipeline's backpressure)
 *       and queued on its {@link ImageModel} batcher, where images of concurrent requests share
 *       model calls that only copy ready pixels. A caller that gave up ({@code cancelled}) has its
 *       images dropped before the call; a failure of one request never fails another's images.
 * </ol>
 *
 * <p>Traced: each image's preprocessing (decode, resize, crop) is a span ({@value
 * #PREPROCESS_SPAN}) in the request's context, each model call one of {@link ImageModel}'s.
 *
 * <p>Thread-safe. Owns its threads and the batchers, which {@link #close()} stops; the backend
 * belongs to the caller, who closes it after this encoder.
 */
public final class ImageEncoder implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ImageEncoder.class);
  private static final long WORKER_STOP_SECONDS = 5;

  private final ModelRegistry registry;
  private final ImageLimits limits;
  private final ImageCropper cropper;
  private final Map<String, ImageModel> models = new LinkedHashMap<>();
  private final ExecutorService workers;
  private final ExecutorService answers;
  private final AdmittedImages admitted;
  private final Tracer tracer;

  /** The span of one image's decode, resize and crop. */
  static final String PREPROCESS_SPAN = "vision-encoder preprocess";

  /** The index of the image in its request, on a preprocessing span. */
  static final AttributeKey<Long> IMAGE_INDEX = AttributeKey.longKey("mmserve.image.index");

  /**
   * Starts a batcher per pack, the preparation threads and the thread that assembles answers.
   *
   * @param registry the served packs; each must have a vision side
   * @param backend runs the models named by {@link #backendModels}; not closed here
   * @param limits what one request may hold
   * @param batching how images of concurrent requests are grouped into model calls
   * @param workerThreads threads that decode, crop and normalise the images
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
    this(
        registry,
        backend,
        limits,
        batching,
        new Preparation(workerThreads, Preparation.defaultMaxPrepared(batching)),
        meters,
        TracerProvider.noop().get(""));
  }

  /**
   * As the other constructor, with the preparation stage's threads and bound, and preprocessing and
   * model-call spans made by {@code tracer}.
   *
   * @throws IllegalArgumentException if {@code preparation.maxPrepared()} is below {@code
   *     batching.maxBatchSize()}
   */
  public ImageEncoder(
      ModelRegistry registry,
      InferenceBackend backend,
      ImageLimits limits,
      BatchingSettings batching,
      Preparation preparation,
      MeterRegistry meters,
      Tracer tracer) {
    preparation.check(batching);
    this.registry = registry;
    this.tracer = tracer;
    this.limits = limits;
    this.cropper = new ImageCropper(limits, tracer);
    this.admitted =
        new AdmittedImages(
            "vision-encoder", batching.maxQueueItems(), preparation.maxAdmittedBytes());
    this.workers = newWorkers(preparation.threads(), "prepare");
    this.answers = newWorkers(1, "answer");
    try {
      for (ModelPack pack : registry.packs()) {
        String id = pack.manifest().id();
        models.put(
            id,
            new ImageModel(
                pack,
                backend,
                batching,
                preparation.maxPrepared(),
                workers,
                new BatchMetrics(meters, BatchMetrics.IMAGE, id),
                tracer));
      }
    } catch (RuntimeException e) {
      models.values().forEach(ImageModel::close);
      workers.shutdownNow();
      answers.shutdownNow();
      throw e;
    }
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
   * on the encoder's answer thread, a failed one on whichever thread found the failure.
   *
   * @param cancelled true once the caller no longer wants the answer; read before each image is
   *     decoded and before each model call
   */
  public CompletableFuture<ImageEncoding> encode(ImageRequest request, BooleanSupplier cancelled) {
    try {
      ImageModel model = modelFor(request);
      long bytes = 0;
      for (ImageInput image : request.images()) {
        bytes += image.byteCount();
      }
      Runnable leave = admitted.admit(request.images().size(), bytes);
      CompletableFuture<ImageEncoding> result;
      try {
        long since = model.nanoTime();
        Context context = Context.current();
        result =
            cropAll(model, request, cancelled, context)
                .thenCompose(crops -> runAll(model, request, crops, cancelled, since, context))
                // not on the preparation threads: an answer must not queue behind decoding
                .thenApplyAsync(items -> assemble(model, request, items), answers);
      } catch (RuntimeException e) {
        leave.run();
        throw e;
      }
      result.whenComplete((value, failure) -> leave.run());
      return result;
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** The pipeline of the default model now, for tests. */
  ImageModel.PipelineLoad load() {
    return models.values().iterator().next().load();
  }

  /** Images inside the encoder now (admitted, not yet answered), for tests. */
  int imagesInside() {
    return admitted.inside();
  }

  /** Stops the batchers (the queued images still run), then the preparation and answer threads. */
  @Override
  public void close() {
    models.values().forEach(ImageModel::close);
    stop(workers);
    stop(answers);
  }

  private static void stop(ExecutorService threads) {
    threads.shutdown();
    try {
      if (!threads.awaitTermination(WORKER_STOP_SECONDS, TimeUnit.SECONDS)) {
        threads.shutdownNow();
      }
    } catch (InterruptedException e) {
      threads.shutdownNow();
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

  /**
   * Decodes and crops every image on the preparation threads (a bounded pool: the rest of the
   * encoder's cores stay with the model), one task per image.
   */
  private CompletableFuture<List<RgbImage>> cropAll(
      ImageModel model, ImageRequest request, BooleanSupplier cancelled, Context context) {
    List<ImageInput> images = request.images();
    List<CompletableFuture<RgbImage>> futures = new ArrayList<>(images.size());
    Executor inContext = context.wrap(workers); // the spans' parent is the request's
    try {
      for (int i = 0; i < images.size(); i++) {
        int index = i;
        futures.add(
            CompletableFuture.supplyAsync(
                () -> cropper.crop(model, index, images.get(index), cancelled), inContext));
      }
    } catch (RejectedExecutionException e) {
      throw new BackendUnavailableException("vision encoder is shutting down", e);
    }
    return AllOrFirstFailure.of(futures);
  }

  private CompletableFuture<List<EncodedImageItem>> runAll(
      ImageModel model,
      ImageRequest request,
      List<RgbImage> crops,
      BooleanSupplier cancelled,
      long queuedSinceNanos,
      Context context) {
    List<CompletableFuture<EncodedImageItem>> futures = new ArrayList<>(crops.size());
    try (Scope ignored = context.makeCurrent()) {
      for (RgbImage crop : crops) {
        futures.add(model.encode(crop, request.includeFeatures(), cancelled, queuedSinceNanos));
      }
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

  private static ExecutorService newWorkers(int threads, String role) {
    AtomicInteger count = new AtomicInteger();
    return new ThreadPoolExecutor(
        threads,
        threads,
        0,
        TimeUnit.MILLISECONDS,
        new LinkedBlockingQueue<>(),
        r -> {
          // "image-prepare-1", "image-answer-1": Linux keeps 15 characters of a thread's name,
          // enough to tell the two apart in top -H and bench/thread_cpu.py
          Thread t = new Thread(r, "image-" + role + "-" + count.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
  }
}
