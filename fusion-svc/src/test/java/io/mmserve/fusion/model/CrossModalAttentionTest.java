package io.mmserve.fusion.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmserve.testsupport.Npy;
import io.mmserve.testsupport.ReferencePack;
import org.junit.jupiter.api.Test;

/**
 * The attention block against the PyTorch goldens of reference/cross_attention. Tolerance: max
 * absolute error <= 1e-5 x max(1, max |reference|), the pack's attention_rel.
 */
class CrossModalAttentionTest {
  private static final double TOLERANCE = 1e-5;

  private static Linear linear(String name) {
    Npy.Array w = ReferencePack.crossAttention(name + ".weight");
    int out = (int) w.shape()[0];
    int in = (int) w.shape()[1];
    return new Linear(w.floats(), ReferencePack.crossAttention(name + ".bias").floats(), in, out);
  }

  private static CrossModalAttention attention() {
    return new CrossModalAttention(
        linear("q_proj"),
        linear("k_proj"),
        linear("v_proj"),
        linear("out_proj"),
        ReferencePack.crossAttentionHeads());
  }

  private static float[] forward(long[] mask) {
    Npy.Array query = ReferencePack.crossAttention("query");
    Npy.Array keyValue = ReferencePack.crossAttention("key_value");
    return attention()
        .forward(
            query.floats(),
            keyValue.floats(),
            mask,
            (int) query.shape()[0],
            (int) query.shape()[1],
            (int) keyValue.shape()[1]);
  }

  @Test
  void forward_matchesPyTorchWithoutMask() {
    Goldens.assertRelative(
        TOLERANCE,
        ReferencePack.crossAttention("output_unmasked").floats(),
        forward(null),
        "cross_attention unmasked");
  }

  @Test
  void forward_matchesPyTorchWithMaskIncludingFullyMaskedRows() {
    Npy.Array mask = ReferencePack.crossAttention("mask");
    assertTrue(hasFullyMaskedRow(mask), "the golden mask must hold a fully masked row");
    Goldens.assertRelative(
        TOLERANCE,
        ReferencePack.crossAttention("output_masked").floats(),
        forward(mask.longs()),
        "cross_attention masked");
  }

  private static boolean hasFullyMaskedRow(Npy.Array mask) {
    long[] m = mask.longs();
    int nk = (int) mask.shape()[2];
    for (int row = 0; row < m.length / nk; row++) {
      boolean all = true;
      for (int j = 0; j < nk; j++) {
        all &= m[row * nk + j] == 0;
      }
      if (all) {
        return true;
      }
    }
    return false;
  }
}
