package io.mmserve.fusion.model;

/**
 * Match logits of a run of image-text pairs: {@link MatchHead} (scalar loops that C2 vectorizes on
 * its own) or {@link VectorMatchHead} (Vector API kernels), chosen by {@link MatchKernels}. Both
 * compute the same function and choose the same attention route per image. Implementations are
 * thread-safe: each thread uses its own work buffers.
 */
interface PairLogits {
  /**
   * Writes {@code logits[order[p]]} for positions {@code p} in {@code [from, to)} of the groups'
   * order, on the calling thread.
   */
  void logits(MatchFeatures f, ImageGroups groups, int from, int to, float[] logits);
}
