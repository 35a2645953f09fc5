package io.mmserve.fusion.model;

import io.mmserve.inference.pack.FusionSpec;
import io.mmserve.inference.pack.ModelPack;
import io.mmserve.inference.pack.ModelPackException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What fusion-svc serves of one pack: the logit scale and embedding size for Score and Classify,
 * and, when the pack has a fusion section, the match head with the input shapes it declares.
 *
 * @param tokenShape the declared token_features shape, -1 for a free axis
 * @param maskShape the declared attention_mask shape, -1 for a free axis
 * @param patchShape the declared patch_features shape, -1 for a free axis
 */
public record FusionModel(
    String name,
    String version,
    float logitScale,
    int embeddingDim,
    Optional<MatchHead> head,
    long[] tokenShape,
    long[] maskShape,
    long[] patchShape) {
  static final String TOKENS = "token_features";
  static final String MASK = "attention_mask";
  static final String PATCHES = "patch_features";

  /**
   * Loads the pack's fusion weights (if any), checking them against the manifest.
   *
   * @throws ModelPackException when the weights are missing, malformed or misshapen
   */
  public static FusionModel load(ModelPack pack) {
    Optional<FusionSpec> fusion = pack.manifest().fusion();
    Optional<MatchHead> head;
    try {
      head = fusion.map(FusionWeights::load);
    } catch (ModelPackException e) {
      throw new ModelPackException(pack.manifest().id() + ": " + e.getMessage(), e);
    }
    int dim = fusion.map(FusionSpec::dim).orElse(0);
    return new FusionModel(
        pack.name(),
        pack.version(),
        (float) pack.manifest().logitScale(),
        pack.manifest().embeddingDim(),
        head,
        fusion.map(f -> declared(f, TOKENS)).orElse(new long[] {-1, -1, dim}),
        fusion.map(f -> declared(f, MASK)).orElse(new long[] {-1, -1}),
        fusion.map(f -> declared(f, PATCHES)).orElse(new long[] {-1, -1, dim}));
  }

  /** "name@version". */
  public String id() {
    return name + "@" + version;
  }

  /**
   * The shape the manifest's fusion.inputs gives {@code input}, or free axes when it lists none.
   */
  private static long[] declared(FusionSpec spec, String input) {
    long[] fallback = input.equals(MASK) ? new long[] {-1, -1} : new long[] {-1, -1, spec.dim()};
    if (!(spec.properties().get("inputs") instanceof List<?> inputs)) {
      return fallback;
    }
    for (Object item : inputs) {
      if (item instanceof Map<?, ?> m
          && input.equals(m.get("name"))
          && m.get("shape") instanceof List<?> shape) {
        long[] dims = shape.stream().mapToLong(d -> ((Number) d).longValue()).toArray();
        if (dims.length != fallback.length) {
          throw new ModelPackException(
              "fusion.inputs '" + input + "' must have rank " + fallback.length);
        }
        return dims;
      }
    }
    return fallback;
  }
}
