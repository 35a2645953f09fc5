package io.mmserve.fusion.model;

/**
 * Per-request limits of fusion-svc. Going over one is an invalid request (INVALID_ARGUMENT).
 *
 * @param maxLabels most labels of one Classify
 * @param maxPairs most image-text pairs of one Match
 * @param maxScoreCells most cells (images x texts) of one Score logits matrix
 */
public record FusionLimits(int maxLabels, int maxPairs, long maxScoreCells) {
  public static final int DEFAULT_MAX_LABELS = 1_000;
  public static final int DEFAULT_MAX_PAIRS = 256;
  public static final long DEFAULT_MAX_SCORE_CELLS = 1_000_000;

  public FusionLimits {
    if (maxLabels < 1 || maxPairs < 1 || maxScoreCells < 1) {
      throw new IllegalArgumentException(
          "limits must be >= 1, but were " + maxLabels + ", " + maxPairs + ", " + maxScoreCells);
    }
  }

  /** The defaults. */
  public static FusionLimits defaults() {
    return new FusionLimits(DEFAULT_MAX_LABELS, DEFAULT_MAX_PAIRS, DEFAULT_MAX_SCORE_CELLS);
  }
}
