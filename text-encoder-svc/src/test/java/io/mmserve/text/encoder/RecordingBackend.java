package io.mmserve.text.encoder;

import io.mmserve.inference.InferenceBackend;
import io.mmserve.inference.Tensor;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A backend for one text model that remembers the inputs of every call and answers each row with
 * the same embedding.
 */
final class RecordingBackend implements InferenceBackend {
  final List<Map<String, Tensor>> calls = new CopyOnWriteArrayList<>();
  private final String model;
  private final float[] embedding;

  RecordingBackend(String model, float... embedding) {
    this.model = model;
    this.embedding = embedding.clone();
  }

  @Override
  public Map<String, Tensor> infer(String name, Map<String, Tensor> inputs) {
    calls.add(Map.copyOf(inputs));
    int rows = (int) inputs.get(TextModelIo.INPUT_IDS).dim(0);
    float[] out = new float[rows * embedding.length];
    for (int r = 0; r < rows; r++) {
      System.arraycopy(embedding, 0, out, r * embedding.length, embedding.length);
    }
    return Map.of(TextModelIo.EMBEDDINGS, Tensor.ofFloats(out, rows, embedding.length));
  }

  @Override
  public Set<String> models() {
    return Set.of(model);
  }

  @Override
  public void close() {}
}
