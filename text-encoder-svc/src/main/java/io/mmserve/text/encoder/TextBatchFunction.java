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
 * row per text. Called on the batcher's worker threads, several batches at once when {@code
 * batching.max-in-flight} allows; it keeps no state between calls.
 */
final class TextBatchFunction implements BatchFunction<TextItem, EncodedText> {
  private final InferenceBackend backend;
  private final String model;
  private final TextModelIo io;

  /**
   * @param backend serves {@code model}
   * @param model the backend's name of the text encoder
   * @param io the encoder's inputs and outputs as the manifest declares them
   */
  TextBatchFunction(InferenceBackend backend, String model, TextModelIo io) {
    this.backend = backend;
    this.model = model;
    this.io = io;
  }

  @Override
  public List<BatchResult<EncodedText>> apply(List<TextItem> items) {
    int n = items.size();
    int length = io.contextLength();
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
          items.get(i).includeFeatures() ? Optional.of(features.row(i)) : Optional.empty();
      results.add(BatchResult.success(new EncodedText(embeddings.row(i), rowFeatures)));
    }
    return results;
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
