package io.mmserve.fusion.model;

import io.mmserve.inference.pack.ModelPack;
import io.mmserve.testsupport.Npy;
import io.mmserve.testsupport.ReferencePack;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The pack's match head on the reference token and patch features of every image x caption pair,
 * against the PyTorch goldens. Tolerances: probability within 1e-4 absolute (the pack's
 * match_probability_abs); logit within 1e-4 x max(1, max |reference logit|).
 */
class MatchHeadTest {
  private static final double TOLERANCE = 1e-4;

  private static MatchHead head;
  private static MatchFeatures allPairs;

  @BeforeAll
  static void load() {
    head = FusionModel.load(ModelPack.load(ReferencePack.dir())).head().orElseThrow();
    allPairs = allPairs();
  }

  /** Pair (image i, caption c) at index i * captions + c, as the golden [images, captions]. */
  static MatchFeatures allPairs() {
    Npy.Array tokens = ReferencePack.array("token_features");
    Npy.Array mask = ReferencePack.array("attention_mask");
    Npy.Array patches = ReferencePack.array("patch_features");
    int captions = (int) tokens.shape()[0];
    int length = (int) tokens.shape()[1];
    int width = (int) tokens.shape()[2];
    int images = (int) patches.shape()[0];
    int patchCount = (int) patches.shape()[1];
    int pairs = images * captions;
    float[] t = new float[pairs * length * width];
    long[] m = new long[pairs * length];
    float[] p = new float[pairs * patchCount * width];
    for (int i = 0; i < images; i++) {
      for (int c = 0; c < captions; c++) {
        int n = i * captions + c;
        System.arraycopy(
            tokens.floats(), c * length * width, t, n * length * width, length * width);
        System.arraycopy(mask.longs(), c * length, m, n * length, length);
        System.arraycopy(
            patches.floats(),
            i * patchCount * width,
            p,
            n * patchCount * width,
            patchCount * width);
      }
    }
    return new MatchFeatures(t, m, p, pairs, length, patchCount, width);
  }

  @Test
  void logits_matchPyTorchForEveryImageCaptionPair() {
    Goldens.assertRelative(
        TOLERANCE,
        ReferencePack.array("match_logit").floats(),
        head.logits(allPairs),
        "match_logit");
  }

  @Test
  void probabilities_matchPyTorchForEveryImageCaptionPair() {
    float[] logits = head.logits(allPairs);
    float[] probabilities = new float[logits.length];
    for (int i = 0; i < logits.length; i++) {
      probabilities[i] = MatchHead.probability(logits[i]);
    }
    Goldens.assertAbsolute(
        TOLERANCE,
        ReferencePack.array("match_probability").floats(),
        probabilities,
        "match_probability");
  }

  /**
   * What text-encoder-svc answers when a batch ran shorter than the context length: the padded
   * positions' features are zero (or anything else) instead of the full-length run's values. The
   * logits must not move at all, since the head never reads a masked row.
   */
  @Test
  void logits_ignoreTheFeaturesOfPaddedPositions() {
    float[] reference = head.logits(allPairs);
    float[] zeroed = allPairs.tokens().clone();
    float[] noise = allPairs.tokens().clone();
    int width = allPairs.width();
    long[] mask = allPairs.mask();
    for (int position = 0; position < mask.length; position++) {
      if (mask[position] == 0) {
        java.util.Arrays.fill(zeroed, position * width, (position + 1) * width, 0f);
        java.util.Arrays.fill(noise, position * width, (position + 1) * width, 1e3f);
      }
    }

    float[] withZeros = head.logits(withTokens(allPairs, zeroed));
    float[] withNoise = head.logits(withTokens(allPairs, noise));

    org.junit.jupiter.api.Assertions.assertArrayEquals(reference, withZeros, 0f);
    org.junit.jupiter.api.Assertions.assertArrayEquals(reference, withNoise, 0f);
  }

  private static MatchFeatures withTokens(MatchFeatures f, float[] tokens) {
    return new MatchFeatures(
        tokens, f.mask(), f.patches(), f.pairs(), f.textLength(), f.patchCount(), f.width());
  }

  /**
   * One pair per image (image i with caption i mod captions): few text tokens per image, so the
   * head attends over the raw patches instead of projecting them.
   */
  @Test
  void logits_matchPyTorchWhenEveryImageHasOneCaption() {
    int captions = (int) ReferencePack.array("token_features").shape()[0];
    int images = allPairs.pairs() / captions;
    int length = allPairs.textLength();
    int width = allPairs.width();
    int patchValues = allPairs.patchCount() * width;
    float[] t = new float[images * length * width];
    long[] m = new long[images * length];
    float[] p = new float[images * patchValues];
    float[] expected = new float[images];
    float[] golden = ReferencePack.array("match_logit").floats();
    for (int i = 0; i < images; i++) {
      int n = i * captions + i % captions;
      System.arraycopy(
          allPairs.tokens(), n * length * width, t, i * length * width, length * width);
      System.arraycopy(allPairs.mask(), n * length, m, i * length, length);
      System.arraycopy(allPairs.patches(), n * patchValues, p, i * patchValues, patchValues);
      expected[i] = golden[n];
    }
    MatchFeatures onePerImage =
        new MatchFeatures(t, m, p, images, length, allPairs.patchCount(), width);
    Goldens.assertRelative(
        TOLERANCE, expected, head.logits(onePerImage), "match_logit one caption per image");
  }
}
