package io.mmserve.inference;

/**
 * L2 normalisation of embeddings: the one implementation every service uses, with one rule for the
 * zero vector.
 *
 * <p><b>A zero vector stays zero</b>, so its cosine with any vector is 0. This is what {@code
 * torch.nn.functional.normalize} does (the normalisation of the bundled model and of open_clip), it
 * never fails an item whose embedding the model computed, and an embedding returned by one call can
 * always be sent back in another (Score with caller embeddings).
 *
 * <p>Squares are summed in double, so no float input overflows or underflows and a vector that is
 * already unit length stays within an ulp of itself; each element is then divided by the norm.
 */
public final class Vectors {
  private Vectors() {}

  /**
   * Scales {@code values[from, from + length)} in place to unit L2 norm. A zero vector stays zero;
   * a vector holding NaN or an infinity is left as it is (whoever takes vectors from outside
   * rejects non-finite values first).
   */
  public static void normalize(float[] values, int from, int length) {
    double norm = Math.sqrt(squaredNorm(values, from, length));
    if (norm == 0 || !Double.isFinite(norm)) {
      return;
    }
    for (int i = from; i < from + length; i++) {
      values[i] = (float) (values[i] / norm);
    }
  }

  /** The sum of the squares of {@code values[from, from + length)}, in double. */
  public static double squaredNorm(float[] values, int from, int length) {
    double squares = 0;
    for (int i = from; i < from + length; i++) {
      squares += (double) values[i] * values[i];
    }
    return squares;
  }

  /** Scales {@code vector} in place to unit L2 norm, by the rule of {@link #normalize}. */
  public static void normalize(float[] vector) {
    normalize(vector, 0, vector.length);
  }
}
