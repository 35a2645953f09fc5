package io.mmserve.text.encoder;

import io.micrometer.core.instrument.MeterRegistry;
import io.mmserve.inference.BackendModel;
import io.mmserve.inference.InferenceBackend;
import io.mmserve.inference.Tensor;
import io.mmserve.inference.Vectors;
import io.mmserve.inference.batch.AllOrFirstFailure;
import io.mmserve.inference.batch.BatchMetrics;
import io.mmserve.inference.batch.BatchingSettings;
import io.mmserve.inference.pack.ModelPack;
import io.mmserve.inference.pack.ModelPackException;
import io.mmserve.inference.pack.ModelPrecision;
import io.mmserve.inference.pack.ModelRegistry;
import io.mmserve.inference.pack.TextSpec;
import io.mmserve.kit.errors.FieldViolation;
import io.mmserve.kit.errors.InvalidInputException;
import io.mmserve.text.tokenizer.PackTokenizer;
import io.mmserve.text.tokenizer.TokenizedText;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerProvider;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

/**
 * Encodes texts with the text encoders of the served packs.
 *
 * <p>A request is checked and tokenized on the caller's thread, so a bad text fails its request
 * before anything is queued; then each text goes to its pack's batcher on its own, and texts of
 * concurrent requests share model calls. The answer's future completes on the batcher's worker
 * thread: dependent stages must be quick and must not block.
 *
 * <p>Thread-safe. Owns the tokenizers and batchers and closes them in {@link #close()}; the backend
 * belongs to the caller, who closes it after this.
 */
public final class TextEncoder implements AutoCloseable {
  private final ModelRegistry registry;
  private final TextLimits limits;
  private final Map<String, TextModel> models;

  /** An encoder with the default {@link SequenceBuckets#DEFAULT sequence buckets}. */
  public TextEncoder(
      ModelRegistry registry,
      InferenceBackend backend,
      BatchingSettings batching,
      TextLimits limits,
      MeterRegistry meters) {
    this(
        registry,
        backend,
        batching,
        SequenceBuckets.of("sequence.buckets", SequenceBuckets.DEFAULT),
        limits,
        meters);
  }

  /**
   * Loads the tokenizer of every pack with a text side and starts one batcher per pack.
   *
   * @param backend serves {@link #backendModels} of the same registry
   * @param buckets the lengths text batches run at, for packs whose encoder takes any length
   * @param meters receives the batchers' metrics
   * @throws ModelPackException if no pack has a text side, or a pack's text side cannot be used
   */
  public TextEncoder(
      ModelRegistry registry,
      InferenceBackend backend,
      BatchingSettings batching,
      SequenceBuckets buckets,
      TextLimits limits,
      MeterRegistry meters) {
    this(registry, backend, batching, buckets, limits, meters, TracerProvider.noop().get(""));
  }

  /**
   * As the other constructors; each model call is a span made by {@code tracer}, linked to the
   * requests of its texts.
   */
  public TextEncoder(
      ModelRegistry registry,
      InferenceBackend backend,
      BatchingSettings batching,
      SequenceBuckets buckets,
      TextLimits limits,
      MeterRegistry meters,
      Tracer tracer) {
    this.registry = registry;
    this.limits = limits;
    Map<String, TextModel> loaded = new LinkedHashMap<>();
    try {
      for (ModelPack pack : registry.packs()) {
        Optional<TextSpec> text = pack.manifest().text();
        if (text.isPresent()) {
          PackTokenizer tokenizer = PackTokenizer.load(pack);
          try {
            loaded.put(
                pack.manifest().id(),
                new TextModel(
                    pack,
                    text.get(),
                    tokenizer,
                    backend,
                    batching,
                    buckets,
                    new BatchMetrics(meters, BatchMetrics.TEXT, pack.manifest().id()),
                    tracer));
          } catch (RuntimeException e) {
            tokenizer.close();
            throw e;
          }
        }
      }
      if (loaded.isEmpty()) {
        throw new ModelPackException("none of the model packs has a text side");
      }
    } catch (RuntimeException e) {
      loaded.values().forEach(TextModel::close);
      throw e;
    }
    this.models = Map.copyOf(loaded);
  }

  /** The text encoders of the registry's packs, as the backend must serve them. */
  public static List<BackendModel> backendModels(ModelRegistry registry, ModelPrecision precision) {
    List<BackendModel> out = new ArrayList<>();
    for (ModelPack pack : registry.packs()) {
      pack.manifest()
          .text()
          .ifPresent(
              text ->
                  out.add(
                      BackendModel.of(
                          TextModel.backendModelName(pack), text.encoder(), precision)));
    }
    return out;
  }

  /**
   * Encodes a request's texts.
   *
   * @param cancelled turns true once the caller no longer wants the answer; its texts are then
   *     dropped before inference
   * @return the encodings; fails with the first failure of one of the texts, for example {@link
   *     io.mmserve.kit.errors.OverloadedException} when a queue is full or {@link
   *     io.mmserve.kit.errors.CancelledException} once {@code cancelled} holds
   * @throws io.mmserve.kit.errors.ModelNotFoundException if no pack has the requested name
   * @throws InvalidInputException if there are no texts, or the pack has no text side or no token
   *     features when they are asked for
   * @throws io.mmserve.kit.errors.ResourceLimitException if there are too many texts or one is too
   *     long
   */
  public CompletableFuture<TextEncoding> encode(TextRequest request, BooleanSupplier cancelled) {
    ModelPack pack = registry.resolve(request.model());
    TextModel model = models.get(pack.manifest().id());
    if (model == null) {
      throw new InvalidInputException(
          FieldViolation.of(
              "model", pack.manifest().id() + " has no text encoder; it serves images only"));
    }
    limits.check(request.texts());
    if (request.includeFeatures() && !model.hasTokenFeatures()) {
      throw new InvalidInputException(
          FieldViolation.of(
              "include_features", "model " + pack.manifest().id() + " has no token features"));
    }
    List<TokenizedText> tokens = new ArrayList<>(request.texts().size());
    for (String text : request.texts()) {
      tokens.add(model.tokenize(text));
    }
    List<CompletableFuture<EncodedText>> rows = new ArrayList<>(tokens.size());
    for (TokenizedText t : tokens) {
      rows.add(model.submit(new TextItem(t, request.includeFeatures()), cancelled));
    }
    return AllOrFirstFailure.cancellingTheRest(rows)
        .thenApply(encoded -> assemble(pack, request, tokens, encoded));
  }

  /** Lets queued texts finish, then stops the batchers and frees the tokenizers. */
  @Override
  public void close() {
    models.values().forEach(TextModel::close);
  }

  private static TextEncoding assemble(
      ModelPack pack, TextRequest request, List<TokenizedText> tokens, List<EncodedText> rows) {
    int n = rows.size();
    int dim = (int) rows.get(0).embedding().dim(0);
    float[] embeddings = new float[n * dim];
    for (int i = 0; i < n; i++) {
      // one copy out of the model's output, normalised in place
      rows.get(i).embedding().data().asFloatBuffer().get(embeddings, i * dim, dim);
      if (request.normalize()) {
        Vectors.normalize(embeddings, i * dim, dim);
      }
    }
    Optional<Tensor> features = Optional.empty();
    Optional<Tensor> masks = Optional.empty();
    if (request.includeFeatures()) {
      features =
          Optional.of(
              Tensor.stack(rows.stream().map(r -> r.tokenFeatures().orElseThrow()).toList()));
      int length = tokens.get(0).length();
      long[] mask = new long[n * length];
      for (int i = 0; i < n; i++) {
        System.arraycopy(tokens.get(i).attentionMask(), 0, mask, i * length, length);
      }
      masks = Optional.of(Tensor.ofLongs(mask, n, length));
    }
    return new TextEncoding(
        pack.name(),
        pack.version(),
        Tensor.ofFloats(embeddings, n, dim),
        features,
        masks,
        tokens.stream().map(TokenizedText::truncated).toList(),
        tokens.stream().map(TokenizedText::tokenCount).toList());
  }
}
