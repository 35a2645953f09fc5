package io.mmserve.fusion.model;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmserve.inference.pack.FusionSpec;
import io.mmserve.inference.pack.ModelPack;
import io.mmserve.inference.pack.ModelPackException;
import io.mmserve.inference.safetensors.Safetensors;
import io.mmserve.inference.safetensors.Safetensors.FloatTensor;
import io.mmserve.testsupport.ReferencePack;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FusionWeightsTest {
  private static FusionSpec spec() {
    return ModelPack.load(ReferencePack.dir()).manifest().fusion().orElseThrow();
  }

  private static Map<String, FloatTensor> file() throws Exception {
    return new HashMap<>(Safetensors.read(spec().weights()));
  }

  @Test
  void build_rejectsTensorWhoseShapeDiffersFromTheManifest() throws Exception {
    Map<String, FloatTensor> tensors = file();
    tensors.put("fc1.weight", new FloatTensor(new long[] {3, 2}, new float[6]));
    ModelPackException e =
        assertThrows(ModelPackException.class, () -> FusionWeights.build(spec(), tensors));
    assertTrue(e.getMessage().contains("tensor 'fc1.weight'"), e.getMessage());
    assertTrue(e.getMessage().contains("the file holds [3, 2]"), e.getMessage());
  }

  @Test
  void build_rejectsFileMissingATensor() throws Exception {
    Map<String, FloatTensor> tensors = file();
    tensors.remove("ln.bias");
    ModelPackException e =
        assertThrows(ModelPackException.class, () -> FusionWeights.build(spec(), tensors));
    assertTrue(e.getMessage().contains("lacks tensor 'ln.bias'"), e.getMessage());
  }

  @Test
  void build_rejectsManifestShapeThatDisagreesWithTheDim() throws Exception {
    FusionSpec real = spec();
    Map<String, Object> properties = new HashMap<>(real.properties());
    @SuppressWarnings("unchecked")
    Map<String, Object> tensors = new HashMap<>((Map<String, Object>) properties.get("tensors"));
    tensors.put("fc2.bias", Map.of("dtype", "float32", "shape", java.util.List.of(2.0)));
    properties.put("tensors", tensors);
    FusionSpec bad =
        new FusionSpec(real.weights(), real.file(), real.dim(), real.heads(), properties);
    ModelPackException e =
        assertThrows(ModelPackException.class, () -> FusionWeights.build(bad, file()));
    assertTrue(e.getMessage().contains("'fc2.bias': expected shape [1]"), e.getMessage());
  }
}
