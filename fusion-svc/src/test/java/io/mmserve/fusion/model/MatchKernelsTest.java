package io.mmserve.fusion.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mmserve.inference.Tensor;
import io.mmserve.inference.pack.ModelPack;
import io.mmserve.inference.pack.ModelRegistry;
import io.mmserve.testsupport.ReferencePack;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The choice of kernels (the tests run with --add-modules=jdk.incubator.vector, as the service).
 */
class MatchKernelsTest {
  @Test
  void available_isVectorWhenTheJvmResolvedTheModule() {
    assertEquals(MatchKernels.VECTOR, MatchKernels.available());
  }

  /** Same probabilities within 1e-5 from either kernels, on every reference pair. */
  @Test
  void engine_defaultsToTheAvailableKernelsAndBothAnswerAlike() {
    ModelRegistry registry = new ModelRegistry(List.of(ModelPack.load(ReferencePack.dir())));
    MatchFeatures f = MatchHeadTest.allPairs();
    TensorInput tokens =
        new TensorInput(
            "token_features",
            Tensor.ofFloats(f.tokens(), new long[] {f.pairs(), f.textLength(), f.width()}));
    TensorInput mask =
        new TensorInput(
            "attention_mask", Tensor.ofLongs(f.mask(), new long[] {f.pairs(), f.textLength()}));
    TensorInput patches =
        new TensorInput(
            "patch_features",
            Tensor.ofFloats(f.patches(), new long[] {f.pairs(), f.patchCount(), f.width()}));
    try (FusionEngine available = new FusionEngine(registry, FusionLimits.defaults(), 2);
        FusionEngine scalar =
            new FusionEngine(registry, FusionLimits.defaults(), 2, MatchKernels.SCALAR)) {
      assertEquals(MatchKernels.VECTOR, available.kernels());
      float[] expected = scalar.match("", tokens, mask, patches).probabilities();
      float[] actual = available.match("", tokens, mask, patches).probabilities();
      for (int n = 0; n < expected.length; n++) {
        assertEquals(expected[n], actual[n], 1e-5, "pair " + n);
      }
    }
  }
}
