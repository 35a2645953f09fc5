package io.mmserve.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** Comparisons with the bundled pack's reference outputs (see {@code ReferencePack}). */
public final class GoldenAssertions {
  /** The tolerance the golden files state for embeddings and features. */
  public static final double EMBEDDING_TOLERANCE = 1e-4;

  private GoldenAssertions() {}

  /** Asserts that every value is within {@code tolerance} of the expected one. */
  public static void assertWithin(double tolerance, float[] expected, float[] actual, String what) {
    assertEquals(expected.length, actual.length, what + ": length");
    for (int i = 0; i < expected.length; i++) {
      double diff = Math.abs(expected[i] - actual[i]);
      if (!(diff <= tolerance)) {
        fail(what + "[" + i + "]: expected " + expected[i] + " but was " + actual[i]);
      }
    }
  }

  /**
   * Token features [n, L, W] with the rows of padded positions (mask 0) set to zero: the encoder
   * answers zeros there when a batch ran shorter than L, the reference has the full-length run's
   * values, and neither is ever read (the fusion head drops masked rows).
   */
  public static float[] realTokens(float[] features, long[] mask) {
    float[] out = features.clone();
    int width = features.length / mask.length;
    for (int position = 0; position < mask.length; position++) {
      if (mask[position] == 0) {
        java.util.Arrays.fill(out, position * width, (position + 1) * width, 0f);
      }
    }
    return out;
  }
}
