package io.mmserve.fusion.model;

/**
 * Checked inputs of the match head: row {@code n} of each array belongs to pair {@code n}.
 *
 * @param tokens text token features [pairs, textLength, width]
 * @param mask text attention mask [pairs, textLength], each 0 (padding) or 1
 * @param patches image patch features [pairs, patchCount, width]
 */
public record MatchFeatures(
    float[] tokens,
    long[] mask,
    float[] patches,
    int pairs,
    int textLength,
    int patchCount,
    int width) {
  public MatchFeatures {
    if (tokens.length != pairs * textLength * width
        || mask.length != pairs * textLength
        || patches.length != pairs * patchCount * width) {
      throw new IllegalArgumentException("feature arrays do not match their dimensions");
    }
  }
}
