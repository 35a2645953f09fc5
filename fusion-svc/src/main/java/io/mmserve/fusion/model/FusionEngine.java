package io.mmserve.fusion.model;

import io.mmserve.inference.pack.ModelPack;
import io.mmserve.inference.pack.ModelRegistry;
import io.mmserve.kit.errors.CancelledException;
import io.mmserve.kit.errors.InvalidInputException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Score, Classify and Match over the served packs: resolves the model a request names, checks the
 * inputs ({@link InvalidInputException} naming the rule) and computes on the calling thread, a
 * Match of many pairs also on up to {@code threads - 1} worker threads this engine owns.
 *
 * <p>Thread-safe. {@link #close} stops the workers.
 */
public final class FusionEngine implements AutoCloseable {
  private static final long CLOSE_WAIT_SECONDS = 5;
  private static final Logger LOG = LoggerFactory.getLogger(FusionEngine.class);

  private final ModelRegistry registry;
  private final Map<String, FusionModel> models = new HashMap<>();
  private final Map<MatchHead, PairLogits> matchPaths = new HashMap<>();
  private final MatchKernels kernels;
  private final FusionLimits limits;
  private final int threads;
  private final ExecutorService workers;

  /**
   * Loads every pack's fusion weights now, so a bad pack stops start-up; the match head runs on the
   * {@link MatchKernels#available()} kernels.
   *
   * @param threads how many threads one Match may use, the caller's included (>= 1)
   * @throws io.mmserve.inference.pack.ModelPackException when a pack's weights are unusable
   */
  public FusionEngine(ModelRegistry registry, FusionLimits limits, int threads) {
    this(registry, limits, threads, MatchKernels.available());
  }

  /**
   * As {@link #FusionEngine(ModelRegistry, FusionLimits, int)} on the given kernels (the benchmark
   * runs both).
   *
   * @throws IllegalStateException for {@link MatchKernels#VECTOR} without the Vector API module
   */
  public FusionEngine(
      ModelRegistry registry, FusionLimits limits, int threads, MatchKernels kernels) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be >= 1, but was " + threads);
    }
    this.registry = registry;
    this.limits = limits;
    this.threads = threads;
    this.kernels = kernels;
    for (ModelPack pack : registry.packs()) {
      FusionModel model = FusionModel.load(pack);
      models.put(pack.manifest().id(), model);
      model.head().ifPresent(head -> matchPaths.put(head, kernels.of(head)));
    }
    LOG.info("match head: {}", kernels.describe());
    this.workers =
        threads == 1
            ? null
            : Executors.newFixedThreadPool(
                threads - 1,
                r -> {
                  Thread t = new Thread(r, "fusion-match");
                  t.setDaemon(true);
                  return t;
                });
  }

  /** The kernels the match head runs on. */
  public MatchKernels kernels() {
    return kernels;
  }

  /** The model a request names ("" for the default); unknown names are invalid input. */
  public FusionModel model(String name) {
    return models.get(registry.resolve(name).manifest().id());
  }

  /**
   * Logits between image and text embeddings, both directions.
   *
   * @param images FLOAT32 [I, D], L2-normalised rows (unit length, or zero)
   * @param texts FLOAT32 [T, D], L2-normalised rows
   */
  public ScoreResult score(String model, TensorInput images, TensorInput texts) {
    FusionModel m = model(model);
    EmbeddingMatrix[] pair = FusionInputs.embeddingPair(images, texts, m);
    long cells = (long) pair[0].rows() * pair[1].rows();
    if (cells > limits.maxScoreCells()) {
      throw new InvalidInputException(
          pair[0].rows()
              + " images x "
              + pair[1].rows()
              + " texts = "
              + cells
              + " logits exceed the limit of "
              + limits.maxScoreCells()
              + " per request");
    }
    float[] perImage = Similarity.logits(pair[0], pair[1], m.logitScale());
    return new ScoreResult(
        m,
        m.logitScale(),
        perImage,
        Similarity.transpose(perImage, pair[0].rows(), pair[1].rows()),
        pair[0].rows(),
        pair[1].rows());
  }

  /**
   * Zero-shot probabilities of each image over the labels.
   *
   * @param images FLOAT32 [I, D], L2-normalised rows (unit length, or zero)
   * @param labels FLOAT32 [K, D], L2-normalised rows
   */
  public ClassifyResult classify(String model, TensorInput images, TensorInput labels) {
    FusionModel m = model(model);
    EmbeddingMatrix[] pair = FusionInputs.embeddingPair(images, labels, m);
    if (pair[1].rows() > limits.maxLabels()) {
      throw new InvalidInputException(
          pair[1].rows() + " labels exceed the limit of " + limits.maxLabels() + " per request");
    }
    float[] logits = Similarity.logits(pair[0], pair[1], m.logitScale());
    return new ClassifyResult(
        m,
        logits,
        Similarity.softmaxRows(logits, pair[0].rows(), pair[1].rows()),
        pair[0].rows(),
        pair[1].rows());
  }

  /**
   * Match probabilities of image-text pairs from their features.
   *
   * @param tokens FLOAT32 [N, L, W] text token features
   * @param mask INT64 [N, L] text attention mask
   * @param patches FLOAT32 [N, P, W] image patch features
   */
  public MatchResult match(
      String model, TensorInput tokens, TensorInput mask, TensorInput patches) {
    FusionModel m = model(model);
    MatchHead head =
        m.head()
            .orElseThrow(
                () -> new InvalidInputException("model " + m.id() + " has no fusion head"));
    MatchFeatures features = FusionInputs.match(tokens, mask, patches, m, limits.maxPairs());
    float[] logits = logits(head, features);
    float[] probabilities = new float[logits.length];
    for (int i = 0; i < logits.length; i++) {
      probabilities[i] = MatchHead.probability(logits[i]);
    }
    return new MatchResult(m, logits, probabilities);
  }

  /** Splits the pairs into {@code threads} runs; the calling thread computes the first. */
  private float[] logits(MatchHead model, MatchFeatures f) {
    PairLogits head = matchPaths.get(model);
    float[] logits = new float[f.pairs()];
    ImageGroups groups = ImageGroups.of(f.patches(), f.pairs(), f.patchCount() * f.width());
    int parts = Math.min(threads, f.pairs());
    int per = (f.pairs() + parts - 1) / parts;
    List<Future<?>> running = new ArrayList<>();
    for (int from = per; from < f.pairs(); from += per) {
      int start = from;
      int end = Math.min(f.pairs(), from + per);
      running.add(workers.submit(() -> head.logits(f, groups, start, end, logits)));
    }
    head.logits(f, groups, 0, Math.min(per, f.pairs()), logits);
    try {
      for (Future<?> part : running) {
        part.get();
      }
    } catch (InterruptedException e) {
      running.forEach(p -> p.cancel(true));
      Thread.currentThread().interrupt();
      throw new CancelledException("interrupted while matching", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(e.getCause());
    }
    return logits;
  }

  /** Stops the match workers, waiting briefly for running parts; restores an interrupt. */
  @Override
  public void close() {
    if (workers == null) {
      return;
    }
    workers.shutdown();
    try {
      if (!workers.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS)) {
        workers.shutdownNow();
      }
    } catch (InterruptedException e) {
      workers.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
