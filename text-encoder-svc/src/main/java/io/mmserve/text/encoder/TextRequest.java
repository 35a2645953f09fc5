package io.mmserve.text.encoder;

import java.util.List;
import java.util.Objects;

/**
 * Texts to encode.
 *
 * @param model the pack name, "name@version", or "" for the default pack
 * @param texts the texts, row i of the answer for text i
 * @param includeFeatures also answer token features and attention masks
 * @param normalize L2-normalise the embeddings; false answers them as the model outputs them
 */
public record TextRequest(
    String model, List<String> texts, boolean includeFeatures, boolean normalize) {
  public TextRequest {
    Objects.requireNonNull(model, "model");
    texts = List.copyOf(texts);
  }
}
