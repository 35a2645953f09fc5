package io.mmserve.vision;

import com.google.protobuf.ByteString;
import io.mmserve.encoder.v1.GetProbeSetResponse;
import io.mmserve.encoder.v1.ProbeImage;
import io.mmserve.inference.pack.ModelPack;
import io.mmserve.inference.pack.ModelRegistry;
import io.mmserve.inference.pack.ProbeSet;
import io.mmserve.kit.errors.NotFoundException;
import java.util.HashMap;
import java.util.Map;

/**
 * The probe sets of the served packs as {@code GetProbeSet} answers, read from the packs' files
 * once when made (a few dozen small images each). Immutable and thread-safe.
 */
final class PackProbeSets {
  private final ModelRegistry registry;
  private final Map<String, GetProbeSetResponse> answers = new HashMap<>();

  /**
   * @throws io.mmserve.inference.pack.ModelPackException if a pack's probe set cannot be read
   */
  PackProbeSets(ModelRegistry registry) {
    this.registry = registry;
    for (ModelPack pack : registry.packs()) {
      pack.probeSet().ifPresent(set -> answers.put(pack.manifest().id(), answer(pack, set)));
    }
  }

  /**
   * The probe set of the pack {@code model} names ("", "name" or "name@version").
   *
   * @throws io.mmserve.kit.errors.ModelNotFoundException if no served pack matches
   * @throws NotFoundException if the pack has no probe set
   */
  GetProbeSetResponse get(String model) {
    ModelPack pack = registry.resolve(model);
    GetProbeSetResponse answer = answers.get(pack.manifest().id());
    if (answer == null) {
      throw new NotFoundException(
          "model "
              + pack.manifest().id()
              + " has no probe set (its model.json has no \"probes\" section)");
    }
    return answer;
  }

  private static GetProbeSetResponse answer(ModelPack pack, ProbeSet set) {
    GetProbeSetResponse.Builder out =
        GetProbeSetResponse.newBuilder()
            .setModel(pack.name())
            .setModelVersion(pack.version())
            .addAllLabels(set.labels())
            .setPromptTemplate(set.promptTemplate());
    for (ProbeSet.Probe probe : set.images()) {
      out.addImages(
          ProbeImage.newBuilder()
              .setFile(probe.file())
              .setLabel(probe.label())
              .setEncoded(ByteString.copyFrom(probe.encoded())));
    }
    return out.build();
  }
}
