package io.mmserve.triton;

import io.mmserve.inference.BackendModel;
import io.mmserve.inference.pack.TensorSpec;
import io.mmserve.kserve.v2.ModelConfig;
import io.mmserve.kserve.v2.ModelMetadataResponse;
import io.mmserve.kserve.v2.ModelMetadataResponse.TensorMetadata;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Checks what Triton says about a model (ModelMetadata, ModelConfig) against the manifest: every
 * declared tensor exists with a datatype mmserve can convert to and from the manifest's dtype and a
 * shape that accepts every batch size (a -1 on Triton's side accepts any size), and Triton expects
 * no input the manifest does not declare.
 */
final class ModelCheck {
  private ModelCheck() {}

  /**
   * The checked model.
   *
   * @throws TritonStartupException listing every mismatch, each naming the tensor
   */
  static TritonModel check(
      BackendModel spec,
      String tritonName,
      String version,
      ModelMetadataResponse metadata,
      ModelConfig config) {
    List<String> problems = new ArrayList<>();
    List<WireType> inputTypes = new ArrayList<>();
    for (TensorSpec input : spec.inputs()) {
      inputTypes.add(
          checkTensor("input", input, metadata.getInputsList(), problems).orElse(WireType.FP32));
    }
    Map<String, WireType> outputTypes = new HashMap<>();
    for (TensorSpec output : spec.outputs()) {
      checkTensor("output", output, metadata.getOutputsList(), problems)
          .ifPresent(type -> outputTypes.put(output.name(), type));
    }
    Set<String> declared = new LinkedHashSet<>();
    spec.inputs().forEach(t -> declared.add(t.name()));
    for (TensorMetadata input : metadata.getInputsList()) {
      if (!declared.contains(input.getName())) {
        problems.add(
            "input '"
                + input.getName()
                + "': Triton expects it, but the manifest does not declare it");
      }
    }
    if (!problems.isEmpty()) {
      String where = "'" + tritonName + "'" + (version.isEmpty() ? "" : " version " + version);
      throw new TritonStartupException(
          "Triton model "
              + where
              + " does not match the manifest of '"
              + spec.name()
              + "': "
              + String.join("; ", problems));
    }
    int maxBatch = config.getMaxBatchSize() > 0 ? config.getMaxBatchSize() : Integer.MAX_VALUE;
    return new TritonModel(spec, tritonName, version, inputTypes, outputTypes, maxBatch);
  }

  private static Optional<WireType> checkTensor(
      String kind, TensorSpec expected, List<TensorMetadata> actual, List<String> problems) {
    Optional<TensorMetadata> found =
        actual.stream().filter(t -> t.getName().equals(expected.name())).findFirst();
    if (found.isEmpty()) {
      problems.add(
          kind
              + " '"
              + expected.name()
              + "': Triton has no such "
              + kind
              + " (it has "
              + actual.stream().map(TensorMetadata::getName).toList()
              + ")");
      return Optional.empty();
    }
    TensorMetadata tensor = found.get();
    Optional<WireType> wire = WireType.fromProtocolName(tensor.getDatatype());
    if (wire.isEmpty() || wire.get().dtype().orElse(null) != expected.dtype()) {
      problems.add(
          kind
              + " '"
              + expected.name()
              + "': Triton's datatype "
              + tensor.getDatatype()
              + " does not carry the manifest's "
              + expected.dtype());
      return Optional.empty();
    }
    if (!shapeFits(expected.shape(), tensor.getShapeList())) {
      problems.add(
          kind
              + " '"
              + expected.name()
              + "': Triton's shape "
              + tensor.getShapeList()
              + " differs from the manifest's "
              + expected.shape());
      return Optional.empty();
    }
    return wire;
  }

  /** True when Triton's shape has the manifest's rank and each axis is -1 or the manifest's. */
  private static boolean shapeFits(List<Long> manifest, List<Long> triton) {
    if (manifest.size() != triton.size()) {
      return false;
    }
    for (int i = 0; i < manifest.size(); i++) {
      long t = triton.get(i);
      if (t != TensorSpec.DYNAMIC && t != manifest.get(i)) {
        return false;
      }
    }
    return true;
  }
}
