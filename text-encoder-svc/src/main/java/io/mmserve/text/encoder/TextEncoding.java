package io.mmserve.text.encoder;

import io.mmserve.inference.Tensor;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The encodings of a request's texts, row i for text i.
 *
 * @param model the pack name
 * @param modelVersion the pack version
 * @param embeddings FLOAT32 [N, D]
 * @param tokenFeatures FLOAT32 [N, L, W], when asked for
 * @param attentionMask INT64 [N, L], when token features were asked for
 * @param truncated per text: true when it was cut to the context length
 * @param tokenCounts per text: tokens after truncation, start and end tokens included
 */
public record TextEncoding(
    String model,
    String modelVersion,
    Tensor embeddings,
    Optional<Tensor> tokenFeatures,
    Optional<Tensor> attentionMask,
    List<Boolean> truncated,
    List<Integer> tokenCounts) {
  public TextEncoding {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(modelVersion, "modelVersion");
    Objects.requireNonNull(embeddings, "embeddings");
    Objects.requireNonNull(tokenFeatures, "tokenFeatures");
    Objects.requireNonNull(attentionMask, "attentionMask");
    truncated = List.copyOf(truncated);
    tokenCounts = List.copyOf(tokenCounts);
  }
}
