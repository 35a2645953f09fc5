package io.mmserve.triton;

import io.mmserve.inference.BackendModel;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A backend model as Triton serves it, after the start-up check.
 *
 * @param spec the model as the manifest declares it
 * @param tritonName the model's name on Triton
 * @param version the version asked for in requests; empty for Triton's choice
 * @param inputTypes the datatype Triton declares for each input of {@code spec}, in its order
 * @param outputTypes the datatype Triton declares for each output, by name
 * @param maxBatchSize the largest batch one request may carry; larger batches are split
 */
record TritonModel(
    BackendModel spec,
    String tritonName,
    String version,
    List<WireType> inputTypes,
    Map<String, WireType> outputTypes,
    int maxBatchSize) {
  TritonModel {
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(tritonName, "tritonName");
    Objects.requireNonNull(version, "version");
    inputTypes = List.copyOf(inputTypes);
    outputTypes = Map.copyOf(outputTypes);
    if (inputTypes.size() != spec.inputs().size()) {
      throw new IllegalArgumentException("one datatype per input needed");
    }
    if (maxBatchSize < 1) {
      throw new IllegalArgumentException("maxBatchSize must be positive, but was " + maxBatchSize);
    }
  }

  /** "name" or "name version 3", for messages. */
  String describe() {
    return "'" + tritonName + "'" + (version.isEmpty() ? "" : " version " + version);
  }
}
