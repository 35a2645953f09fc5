package io.mmserve.text.encoder;

import io.mmserve.inference.InferenceBackend;
import io.mmserve.inference.Tensor;
import io.mmserve.inference.batch.BatchFunction;
import io.mmserve.inference.batch.BatchResult;
import io.mmserve.text.tokenizer.TokenizedText;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Runs a batch of tokenized texts through the text encoder in one backend call: stacks their ids
 * (and masks, when the model takes them) into [B, L] INT64 tensors, and splits the outputs into one
 * row per text. L is the context length for a fixed-length export; for an encoder with a dynamic
 * sequence axis it is the bucket that holds the batch's longest text, so short texts are not run
 * through padding they do not need. A text's token features are given back at the context length
 * either way, zero past the batch's L (the mask is 0 there), so callers see one shape. Called on
 * the batcher's worker threads, several batches at once when {@code batching.max-in-flight} allows;
 * it keeps no state between calls.
 */
final class TextBatchFunction implements BatchFunction<TextItem, EncodedText> {
  private final InferenceBackend backend;
  private final String model;
  private final TextModelIo io;
  private final SequenceBuckets buckets;

  /**
   * @param backend serves {@code model}
   * @param model the backend's name of the text encoder
   * @param io the encoder's inputs and outputs as the manifest declares them
   * @param buckets the lengths a batch may run at, when the encoder's sequence axis is dynamic
   */
  TextBatchFunction(
      InferenceBackend backend, String model, TextModelIo io, SequenceBuckets buckets) {
    this.backend = backend;
    this.model = model;
    this.io = io;
    this.buckets = io.dynamicSequence() ? buckets : SequenceBuckets.fixed();
  }

  /** The sequence length a batch whose longest text has {@code longest} tokens runs at. */
  int lengthFor(int longest) {
    return buckets.lengthFor(longest, io.contextLength());
  }

  @Override
  public List<BatchResult<EncodedText>> apply(List<TextItem> items) {
    int n = items.size();
    int longest = 0;
    for (TextItem item : items) {
      longest = Math.max(longest, item.tokens().tokenCount());
    }
    int length = lengthFor(longest);
    long[] ids = new long[n * length];
    long[] mask = io.takesAttentionMask() ? new long[n * length] : null;
    boolean anyFeatures = false;
    for (int i = 0; i < n; i++) {
      TokenizedText tokens = items.get(i).tokens();
      System.arraycopy(tokens.ids(), 0, ids, i * length, length);
      if (mask != null) {
        System.arraycopy(tokens.attentionMask(), 0, mask, i * length, length);
      }
      anyFeatures |= items.get(i).includeFeatures();
    }
    Map<String, Tensor> inputs = new HashMap<>();
    inputs.put(TextModelIo.INPUT_IDS, Tensor.ofLongs(ids, n, length));
    if (mask != null) {
      inputs.put(TextModelIo.ATTENTION_MASK, Tensor.ofLongs(mask, n, length));
    }

    Map<String, Tensor> outputs = backend.infer(model, inputs);
    Tensor embeddings = output(outputs, TextModelIo.EMBEDDINGS, n);
    Tensor features = anyFeatures ? output(outputs, TextModelIo.TOKEN_FEATURES, n) : null;
    List<BatchResult<EncodedText>> results = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Optional<Tensor> rowFeatures =
          items.get(i).includeFeatures()
              ? Optional.of(atContextLength(features.row(i)))
              : Optional.empty();
      results.add(BatchResult.success(new EncodedText(embeddings.row(i), rowFeatures)));
    }
    return results;
  }

  /** A text's [L, W] token features, zero-padded to [context length, W] when L is shorter. */
  private Tensor atContextLength(Tensor row) {
    int context = io.contextLength();
    if (row.dim(0) == context) {
      return row;
    }
    int width = (int) row.dim(1);
    float[] padded = new float[context * width];
    float[] values = row.toFloatArray();
    System.arraycopy(values, 0, padded, 0, values.length);
    return Tensor.ofFloats(padded, context, width);
  }

  private Tensor output(Map<String, Tensor> outputs, String name, int rows) {
    Tensor tensor = outputs.get(name);
    if (tensor == null || tensor.rank() < 2 || tensor.dim(0) != rows) {
      throw new IllegalStateException(
          model + " answered " + tensor + " as " + name + " for a batch of " + rows + " texts");
    }
    return tensor;
  }
}
