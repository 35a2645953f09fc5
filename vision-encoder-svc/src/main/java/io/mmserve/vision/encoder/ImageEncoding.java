package io.mmserve.vision.encoder;

import io.mmserve.inference.Tensor;
import java.util.Objects;
import java.util.Optional;

/**
 * The encodings of a request's images; row i belongs to image i.
 *
 * @param model the name of the model pack that computed them
 * @param modelVersion that pack's version
 * @param embeddings FLOAT32 [N, D]
 * @param patchFeatures FLOAT32 [N, P, W], when the request asked for them
 */
public record ImageEncoding(
    String model, String modelVersion, Tensor embeddings, Optional<Tensor> patchFeatures) {
  public ImageEncoding {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(modelVersion, "modelVersion");
    Objects.requireNonNull(embeddings, "embeddings");
    Objects.requireNonNull(patchFeatures, "patchFeatures");
  }
}
