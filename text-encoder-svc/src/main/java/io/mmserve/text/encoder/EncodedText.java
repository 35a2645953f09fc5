package io.mmserve.text.encoder;

import io.mmserve.inference.Tensor;
import java.util.Objects;
import java.util.Optional;

/**
 * The encoder's output for one text: rows of the batch outputs.
 *
 * @param embedding FLOAT32 [D], as the model outputs it
 * @param tokenFeatures FLOAT32 [L, W], when the item asked for them
 */
record EncodedText(Tensor embedding, Optional<Tensor> tokenFeatures) {
  EncodedText {
    Objects.requireNonNull(embedding, "embedding");
    Objects.requireNonNull(tokenFeatures, "tokenFeatures");
  }
}
