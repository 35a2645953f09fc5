package io.mmserve.fusion.model;

/**
 * The inner loops of the fusion math over contiguous {@code float[]} ranges. They are plain counted
 * loops without loop-carried dependencies so that HotSpot's C2 compiler turns them into SIMD code.
 * {@link #accumulate} is the one matrix kernel: a row vector times a matrix, adding four matrix
 * rows per pass over the output so that each output element is loaded and stored once per four
 * multiply-adds.
 */
final class VectorOps {
  private VectorOps() {}

  /** {@code y[yOff + i] += a * x[xOff + i]} for {@code i} in {@code [0, n)}. */
  static void axpy(float a, float[] x, int xOff, float[] y, int yOff, int n) {
    for (int i = 0; i < n; i++) {
      y[yOff + i] += a * x[xOff + i];
    }
  }

  /**
   * {@code y[yOff + i] += a0 * x[x0 + i] + a1 * x[x0 + s + i] + a2 * x[x0 + 2s + i] + a3 * x[x0 +
   * 3s + i]} for {@code i} in {@code [0, n)}, with {@code s = stride}.
   */
  static void axpy4(
      float a0,
      float a1,
      float a2,
      float a3,
      float[] x,
      int x0,
      int stride,
      float[] y,
      int yOff,
      int n) {
    int x1 = x0 + stride;
    int x2 = x1 + stride;
    int x3 = x2 + stride;
    for (int i = 0; i < n; i++) {
      y[yOff + i] += a0 * x[x0 + i] + a1 * x[x1 + i] + a2 * x[x2 + i] + a3 * x[x3 + i];
    }
  }

  /**
   * {@code y[yOff..yOff+n) += sum_i a[aOff + i] * m[mOff + i * stride ..+n)} for {@code i} in
   * {@code [0, k)}: the row vector {@code a} times the {@code k x n} matrix at {@code m[mOff..]}
   * whose rows are {@code stride} apart. {@code y} must not overlap {@code m}.
   */
  static void accumulate(
      float[] a, int aOff, int k, float[] m, int mOff, int stride, float[] y, int yOff, int n) {
    int i = 0;
    for (; i + 3 < k; i += 4) {
      axpy4(
          a[aOff + i],
          a[aOff + i + 1],
          a[aOff + i + 2],
          a[aOff + i + 3],
          m,
          mOff + i * stride,
          stride,
          y,
          yOff,
          n);
    }
    for (; i < k; i++) {
      axpy(a[aOff + i], m, mOff + i * stride, y, yOff, n);
    }
  }

  /** The dot product of {@code a[aOff..aOff+n)} and {@code b[bOff..bOff+n)}. */
  static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
    float s0 = 0;
    float s1 = 0;
    float s2 = 0;
    float s3 = 0;
    int i = 0;
    for (; i + 3 < n; i += 4) {
      s0 += a[aOff + i] * b[bOff + i];
      s1 += a[aOff + i + 1] * b[bOff + i + 1];
      s2 += a[aOff + i + 2] * b[bOff + i + 2];
      s3 += a[aOff + i + 3] * b[bOff + i + 3];
    }
    for (; i < n; i++) {
      s0 += a[aOff + i] * b[bOff + i];
    }
    return (s0 + s1) + (s2 + s3);
  }
}
