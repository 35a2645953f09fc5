package io.mmserve.fusion.model;

import io.mmserve.inference.pack.FusionSpec;
import io.mmserve.inference.pack.ModelPackException;
import io.mmserve.inference.safetensors.Safetensors;
import io.mmserve.inference.safetensors.Safetensors.FloatTensor;
import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a pack's {@link MatchHead} from its safetensors file. Every tensor the head needs must be
 * listed in the manifest's {@code fusion.tensors} with the shape the head's width implies, and the
 * file must hold it with that shape; any difference stops start-up with an error naming the tensor,
 * the expected and the actual shape.
 */
public final class FusionWeights {
  /** The manifest field listing the tensors of the weights file. */
  public static final String TENSORS = "tensors";

  /** The LayerNorm epsilon when the manifest gives none (PyTorch's default). */
  public static final double DEFAULT_LAYER_NORM_EPS = 1e-5;

  private FusionWeights() {}

  /**
   * Reads and checks the weights of {@code spec}.
   *
   * @throws ModelPackException naming the file and the tensor when a tensor is missing or
   *     misshapen, or the file is unreadable or malformed
   */
  public static MatchHead load(FusionSpec spec) {
    Map<String, FloatTensor> file;
    try {
      file = Safetensors.read(spec.weights());
    } catch (IOException e) {
      throw new ModelPackException("cannot read the fusion weights: " + e.getMessage(), e);
    }
    return build(spec, file);
  }

  /** Builds the head from already read tensors (checked as {@link #load} does). */
  static MatchHead build(FusionSpec spec, Map<String, FloatTensor> file) {
    int dim = spec.dim();
    Map<String, long[]> required = requiredShapes(dim);
    Map<String, long[]> declared = declaredShapes(spec);
    String fileName = spec.weights().getFileName().toString();
    for (Map.Entry<String, long[]> need : required.entrySet()) {
      String name = need.getKey();
      long[] manifestShape = declared.get(name);
      if (manifestShape == null) {
        throw new ModelPackException(
            "fusion.tensors does not list '"
                + name
                + "' (expected shape "
                + Arrays.toString(need.getValue())
                + ")");
      }
      if (!Arrays.equals(manifestShape, need.getValue())) {
        throw new ModelPackException(
            "fusion.tensors '"
                + name
                + "': expected shape "
                + Arrays.toString(need.getValue())
                + " for fusion.dim "
                + dim
                + ", but the manifest declares "
                + Arrays.toString(manifestShape));
      }
      FloatTensor tensor = file.get(name);
      if (tensor == null) {
        throw new ModelPackException(fileName + " lacks tensor '" + name + "'");
      }
      if (!Arrays.equals(tensor.shape(), manifestShape)) {
        throw new ModelPackException(
            fileName
                + " tensor '"
                + name
                + "': expected shape "
                + Arrays.toString(manifestShape)
                + " (fusion.tensors), but the file holds "
                + Arrays.toString(tensor.shape()));
      }
    }
    double eps = number(spec, "layer_norm_eps", DEFAULT_LAYER_NORM_EPS);
    CrossModalAttention attention =
        new CrossModalAttention(
            linear(file, "cross_attn.q_proj", dim, dim),
            linear(file, "cross_attn.k_proj", dim, dim),
            linear(file, "cross_attn.v_proj", dim, dim),
            linear(file, "cross_attn.out_proj", dim, dim),
            spec.heads());
    return new MatchHead(
        attention,
        new LayerNorm(file.get("ln.weight").values(), file.get("ln.bias").values(), eps),
        linear(file, "fc1", dim, dim),
        linear(file, "fc2", dim, 1));
  }

  /** The tensors of the seed's FusionHead for width {@code dim}. */
  static Map<String, long[]> requiredShapes(int dim) {
    Map<String, long[]> shapes = new LinkedHashMap<>();
    for (String proj : List.of("q_proj", "k_proj", "v_proj", "out_proj")) {
      shapes.put("cross_attn." + proj + ".weight", new long[] {dim, dim});
      shapes.put("cross_attn." + proj + ".bias", new long[] {dim});
    }
    shapes.put("ln.weight", new long[] {dim});
    shapes.put("ln.bias", new long[] {dim});
    shapes.put("fc1.weight", new long[] {dim, dim});
    shapes.put("fc1.bias", new long[] {dim});
    shapes.put("fc2.weight", new long[] {1, dim});
    shapes.put("fc2.bias", new long[] {1});
    return shapes;
  }

  private static Linear linear(Map<String, FloatTensor> file, String name, int in, int out) {
    return new Linear(
        file.get(name + ".weight").values(), file.get(name + ".bias").values(), in, out);
  }

  private static Map<String, long[]> declaredShapes(FusionSpec spec) {
    Object tensors = spec.properties().get(TENSORS);
    if (!(tensors instanceof Map<?, ?> map)) {
      throw new ModelPackException("fusion.tensors is missing or not an object");
    }
    Map<String, long[]> shapes = new LinkedHashMap<>();
    for (Map.Entry<?, ?> e : map.entrySet()) {
      String name = String.valueOf(e.getKey());
      if (!(e.getValue() instanceof Map<?, ?> entry)
          || !(entry.get("shape") instanceof List<?> s)) {
        throw new ModelPackException("fusion.tensors '" + name + "' has no shape array");
      }
      Object dtype = entry.get("dtype");
      if (dtype != null && !"float32".equals(dtype)) {
        throw new ModelPackException(
            "fusion.tensors '" + name + "' has dtype " + dtype + "; only float32 is supported");
      }
      shapes.put(name, s.stream().mapToLong(d -> ((Number) d).longValue()).toArray());
    }
    return shapes;
  }

  private static double number(FusionSpec spec, String field, double fallback) {
    Object value = spec.properties().get(field);
    if (value == null) {
      return fallback;
    }
    if (!(value instanceof Number n) || !(n.doubleValue() > 0)) {
      throw new ModelPackException("fusion." + field + " must be a number > 0, but was " + value);
    }
    return n.doubleValue();
  }
}
