package io.mmserve.text.encoder;

/** Vector helpers for embeddings. */
final class Embeddings {
  private Embeddings() {}

  /**
   * Scales {@code v} in place to unit L2 norm, summing in double so that a vector that is already
   * unit length stays within an ulp of itself. A zero or non-finite vector is left as it is.
   */
  static void normalize(float[] v) {
    double sum = 0;
    for (float x : v) {
      sum += (double) x * x;
    }
    double norm = Math.sqrt(sum);
    if (norm == 0 || !Double.isFinite(norm)) {
      return;
    }
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (v[i] / norm);
    }
  }
}
