package io.mmserve.inference.pack;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The fusion head of a pack.
 *
 * @param weights the safetensors file of the head's weights
 * @param file the ONNX export of the head, if the pack has one
 * @param dim the attention width
 * @param heads the number of attention heads
 * @param properties every field of the manifest's fusion section as plain Java values (String,
 *     Double, Boolean, List, Map), including those not modelled here
 */
public record FusionSpec(
    Path weights, Optional<Path> file, int dim, int heads, Map<String, Object> properties) {
  public FusionSpec {
    Objects.requireNonNull(weights, "weights");
    Objects.requireNonNull(file, "file");
    properties = Map.copyOf(properties);
  }
}
