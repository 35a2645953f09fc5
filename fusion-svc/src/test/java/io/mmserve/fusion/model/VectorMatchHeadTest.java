package io.mmserve.fusion.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mmserve.inference.pack.ModelPack;
import io.mmserve.testsupport.ReferencePack;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Vector API match head: against the PyTorch goldens with {@link MatchHeadTest}'s tolerance
 * (logit within 1e-4 x max(1, max |reference logit|)), and against the scalar {@link MatchHead} on
 * random heads whose sizes are not multiples of the vector length, within 1e-4 x max(1, |scalar
 * logit|): the two sum in different orders and the vector kernels fuse multiply-adds.
 */
class VectorMatchHeadTest {
  private static final double TOLERANCE = 1e-4;

  private static MatchHead scalar;
  private static VectorMatchHead vector;

  @BeforeAll
  static void load() {
    scalar = FusionModel.load(ModelPack.load(ReferencePack.dir())).head().orElseThrow();
    vector = new VectorMatchHead(scalar);
  }

  /** Every image against all captions: the image's keys and values are projected once. */
  @Test
  void logits_matchPyTorchForEveryImageCaptionPair() {
    Goldens.assertRelative(
        TOLERANCE,
        ReferencePack.array("match_logit").floats(),
        vector.logits(MatchHeadTest.allPairs()),
        "vector match_logit");
  }

  /** One caption per image: the patches are attended raw. */
  @Test
  void logits_matchPyTorchWhenEveryImageHasOneCaption() {
    MatchFeatures all = MatchHeadTest.allPairs();
    int captions = (int) ReferencePack.array("token_features").shape()[0];
    int images = all.pairs() / captions;
    int[] pairs = new int[images];
    for (int i = 0; i < images; i++) {
      pairs[i] = i * captions + i % captions;
    }
    float[] golden = ReferencePack.array("match_logit").floats();
    float[] expected = new float[images];
    for (int i = 0; i < images; i++) {
      expected[i] = golden[pairs[i]];
    }
    Goldens.assertRelative(
        TOLERANCE, expected, vector.logits(select(all, pairs)), "vector match_logit raw patches");
  }

  @Test
  void logits_ignoreTheFeaturesOfPaddedPositions() {
    MatchFeatures all = MatchHeadTest.allPairs();
    float[] noise = all.tokens().clone();
    for (int position = 0; position < all.mask().length; position++) {
      if (all.mask()[position] == 0) {
        Arrays.fill(noise, position * all.width(), (position + 1) * all.width(), 1e3f);
      }
    }
    MatchFeatures noisy =
        new MatchFeatures(
            noise,
            all.mask(),
            all.patches(),
            all.pairs(),
            all.textLength(),
            all.patchCount(),
            all.width());

    assertArrayEquals(vector.logits(all), vector.logits(noisy), 0f);
  }

  /**
   * Width 44 in 4 heads of 11, hidden 37, 13 patches, texts of up to 7 tokens (the first of none):
   * every kernel runs its vector blocks and its scalar tails. One image in 9 pairs is projected
   * (about 40 real tokens against 13 patches); 9 images in 9 pairs are attended raw (at most 7
   * tokens each); 3 images in 9 pairs take either route.
   */
  @Test
  void logits_matchTheScalarHeadOnOddSizesByBothRoutes() {
    Random random = new Random(20261206);
    MatchHead head = MatchHeadParity.randomHead(random, 44, 4, 37);
    VectorMatchHead vectorHead = new VectorMatchHead(head);
    for (int images : new int[] {3, 9, 1}) {
      MatchFeatures f = MatchHeadParity.randomFeatures(random, 9, images, 7, 13, 44);
      float[] expected = head.logits(f);
      float[] actual = vectorHead.logits(f);
      for (int n = 0; n < expected.length; n++) {
        assertEquals(
            expected[n],
            actual[n],
            TOLERANCE * Math.max(1, Math.abs(expected[n])),
            images + " images, pair " + n);
      }
    }
  }

  @Test
  void logits_ofARunOfPairsEqualThoseOfTheWholeRequest() {
    MatchFeatures all = MatchHeadTest.allPairs();
    ImageGroups groups = ImageGroups.of(all.patches(), all.pairs(), all.patchCount() * all.width());
    float[] whole = vector.logits(all);
    float[] runs = new float[all.pairs()];
    int middle = all.pairs() / 2 + 1;
    vector.logits(all, groups, 0, middle, runs);
    vector.logits(all, groups, middle, all.pairs(), runs);

    assertArrayEquals(whole, runs, 0f);
  }

  private static MatchFeatures select(MatchFeatures all, int[] pairs) {
    int tokenValues = all.textLength() * all.width();
    int patchValues = all.patchCount() * all.width();
    float[] t = new float[pairs.length * tokenValues];
    long[] m = new long[pairs.length * all.textLength()];
    float[] p = new float[pairs.length * patchValues];
    for (int i = 0; i < pairs.length; i++) {
      int n = pairs[i];
      System.arraycopy(all.tokens(), n * tokenValues, t, i * tokenValues, tokenValues);
      System.arraycopy(all.mask(), n * all.textLength(), m, i * all.textLength(), all.textLength());
      System.arraycopy(all.patches(), n * patchValues, p, i * patchValues, patchValues);
    }
    return new MatchFeatures(
        t, m, p, pairs.length, all.textLength(), all.patchCount(), all.width());
  }
}
