package io.mmserve.text.encoder;

import io.mmserve.inference.InferenceBackend;
import io.mmserve.inference.batch.BatchMetrics;
import io.mmserve.inference.batch.BatchingSettings;
import io.mmserve.inference.batch.DynamicBatcher;
import io.mmserve.inference.batch.TracedBatchFunction;
import io.mmserve.inference.pack.ModelPack;
import io.mmserve.inference.pack.TextSpec;
import io.mmserve.kit.tracing.Traced;
import io.mmserve.text.tokenizer.PackTokenizer;
import io.mmserve.text.tokenizer.TokenizedText;
import io.opentelemetry.api.trace.Tracer;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

/**
 * The text side of one pack: its tokenizer and a batcher in front of its encoder. Owns both and
 * closes them; the backend belongs to the caller.
 */
final class TextModel implements AutoCloseable {
  private final ModelPack pack;
  private final TextModelIo io;
  private final PackTokenizer tokenizer;
  private final DynamicBatcher<Traced<TextItem>, EncodedText> batcher;

  /** The span of one model call. */
  static final String MODEL_SPAN = "text-encoder model";

  /**
   * @param text the pack's text side
   * @param tokenizer the pack's tokenizer; closed by {@link #close()}
   * @param buckets the lengths batches run at when the encoder's sequence axis is dynamic; then the
   *     batcher also groups queued texts by that length
   * @throws io.mmserve.inference.pack.ModelPackException if the encoder's tensors do not fit
   */
  TextModel(
      ModelPack pack,
      TextSpec text,
      PackTokenizer tokenizer,
      InferenceBackend backend,
      BatchingSettings batching,
      SequenceBuckets buckets,
      BatchMetrics metrics,
      Tracer tracer) {
    this.pack = pack;
    this.io = TextModelIo.of(pack.manifest().id(), text, pack.manifest().embeddingDim());
    this.tokenizer = tokenizer;
    TextBatchFunction function =
        new TextBatchFunction(backend, backendModelName(pack), io, buckets);
    // each model call is a span ("text-encoder model") linked to the requests of its texts
    TracedBatchFunction<TextItem, EncodedText> traced =
        new TracedBatchFunction<>(function, tracer, MODEL_SPAN, backendModelName(pack));
    this.batcher =
        io.dynamicSequence()
            ? new DynamicBatcher<>(
                batcherName(pack),
                batching,
                traced,
                item -> function.lengthFor(item.item().tokens().tokenCount()),
                metrics)
            : new DynamicBatcher<>(batcherName(pack), batching, traced, metrics);
    metrics.watch(batcher);
  }

  /** The name the backend serves a pack's text encoder under: "shapes-clip@1.0.0/text". */
  static String backendModelName(ModelPack pack) {
    return pack.manifest().id() + "/text";
  }

  /** The batcher's name, in thread names, metrics and overload messages. */
  static String batcherName(ModelPack pack) {
    return "text-encoder " + pack.manifest().id();
  }

  ModelPack pack() {
    return pack;
  }

  boolean hasTokenFeatures() {
    return io.hasTokenFeatures();
  }

  TokenizedText tokenize(String text) {
    return tokenizer.tokenize(text);
  }

  CompletableFuture<EncodedText> submit(TextItem item, BooleanSupplier cancelled) {
    return batcher.submit(Traced.now(item), cancelled);
  }

  /** Runs the queued texts, then frees the tokenizer. */
  @Override
  public void close() {
    try {
      batcher.close();
    } finally {
      tokenizer.close();
    }
  }
}
