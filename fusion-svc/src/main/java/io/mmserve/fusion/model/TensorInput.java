package io.mmserve.fusion.model;

import io.mmserve.inference.Tensor;
import java.util.Objects;

/**
 * A tensor as a caller sent it: well-formed (its dtype, shape and byte length were checked when it
 * was decoded) but not yet checked against the model.
 *
 * @param field the request field it came from, for messages ("image_embeddings")
 * @param tensor its dtype, shape and elements
 */
public record TensorInput(String field, Tensor tensor) {
  public TensorInput {
    Objects.requireNonNull(field, "field");
    Objects.requireNonNull(tensor, "tensor");
  }
}
