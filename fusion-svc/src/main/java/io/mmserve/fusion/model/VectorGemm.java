package io.mmserve.fusion.model;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@code C += A x B} on row-major {@code float[]} matrices with the Vector API: the kernel of every
 * matrix product of {@link VectorMatchHead}. Each matrix is given by an array, the offset of its
 * first element and the distance between its rows (its leading dimension), so a head's columns of a
 * wider matrix are used in place.
 *
 * <p>Register blocking: a block of 4 rows of C by 2 vectors of columns is held in 8 accumulators
 * while the k loop runs, so each loaded vector of B feeds 4 fused multiply-adds and each element of
 * A is broadcast once per 2 vectors. Columns that do not fill a vector are computed by a scalar
 * loop with {@link Math#fma}; any size is exact up to float rounding. The summation order over k is
 * the same as a plain loop's (ascending k), only fused.
 *
 * <p>Loading this class needs the {@code jdk.incubator.vector} module; {@link MatchKernels} checks
 * for it first. Stateless and thread-safe.
 */
final class VectorGemm {
  /** The species of every vector kernel of the head: the widest the CPU has. */
  static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

  private static final int LANES = SPECIES.length();
  private static final int ROWS = 4;

  private VectorGemm() {}

  /**
   * {@code c[cOff + i*ldc + j] += sum over p of a[aOff + i*lda + p] * b[bOff + p*ldb + j]} for
   * {@code i < m}, {@code j < n}, {@code p < k}. {@code c} must not overlap {@code a} or {@code b}.
   */
  static void multiplyAdd(
      int m,
      int n,
      int k,
      float[] a,
      int aOff,
      int lda,
      float[] b,
      int bOff,
      int ldb,
      float[] c,
      int cOff,
      int ldc) {
    int wide = n - n % (2 * LANES);
    int narrow = n - n % LANES;
    int i = 0;
    for (; i + ROWS <= m; i += ROWS) {
      int ai = aOff + i * lda;
      int ci = cOff + i * ldc;
      int j = 0;
      for (; j < wide; j += 2 * LANES) {
        block4x2(k, a, ai, lda, b, bOff + j, ldb, c, ci + j, ldc);
      }
      for (; j < narrow; j += LANES) {
        block4x1(k, a, ai, lda, b, bOff + j, ldb, c, ci + j, ldc);
      }
      scalar(ROWS, n - j, k, a, ai, lda, b, bOff + j, ldb, c, ci + j, ldc);
    }
    for (; i < m; i++) {
      int ai = aOff + i * lda;
      int ci = cOff + i * ldc;
      int j = 0;
      for (; j < narrow; j += LANES) {
        block1x1(k, a, ai, b, bOff + j, ldb, c, ci + j);
      }
      scalar(1, n - j, k, a, ai, lda, b, bOff + j, ldb, c, ci + j, ldc);
    }
  }

  private static void block4x2(
      int k, float[] a, int a0, int lda, float[] b, int bj, int ldb, float[] c, int c0, int ldc) {
    int a1 = a0 + lda;
    int a2 = a1 + lda;
    int a3 = a2 + lda;
    int c1 = c0 + ldc;
    int c2 = c1 + ldc;
    int c3 = c2 + ldc;
    FloatVector s00 = FloatVector.fromArray(SPECIES, c, c0);
    FloatVector s01 = FloatVector.fromArray(SPECIES, c, c0 + LANES);
    FloatVector s10 = FloatVector.fromArray(SPECIES, c, c1);
    FloatVector s11 = FloatVector.fromArray(SPECIES, c, c1 + LANES);
    FloatVector s20 = FloatVector.fromArray(SPECIES, c, c2);
    FloatVector s21 = FloatVector.fromArray(SPECIES, c, c2 + LANES);
    FloatVector s30 = FloatVector.fromArray(SPECIES, c, c3);
    FloatVector s31 = FloatVector.fromArray(SPECIES, c, c3 + LANES);
    for (int p = 0; p < k; p++) {
      int bp = bj + p * ldb;
      FloatVector b0 = FloatVector.fromArray(SPECIES, b, bp);
      FloatVector b1 = FloatVector.fromArray(SPECIES, b, bp + LANES);
      FloatVector x = FloatVector.broadcast(SPECIES, a[a0 + p]);
      s00 = x.fma(b0, s00);
      s01 = x.fma(b1, s01);
      x = FloatVector.broadcast(SPECIES, a[a1 + p]);
      s10 = x.fma(b0, s10);
      s11 = x.fma(b1, s11);
      x = FloatVector.broadcast(SPECIES, a[a2 + p]);
      s20 = x.fma(b0, s20);
      s21 = x.fma(b1, s21);
      x = FloatVector.broadcast(SPECIES, a[a3 + p]);
      s30 = x.fma(b0, s30);
      s31 = x.fma(b1, s31);
    }
    s00.intoArray(c, c0);
    s01.intoArray(c, c0 + LANES);
    s10.intoArray(c, c1);
    s11.intoArray(c, c1 + LANES);
    s20.intoArray(c, c2);
    s21.intoArray(c, c2 + LANES);
    s30.intoArray(c, c3);
    s31.intoArray(c, c3 + LANES);
  }

  private static void block4x1(
      int k, float[] a, int a0, int lda, float[] b, int bj, int ldb, float[] c, int c0, int ldc) {
    int a1 = a0 + lda;
    int a2 = a1 + lda;
    int a3 = a2 + lda;
    int c1 = c0 + ldc;
    int c2 = c1 + ldc;
    int c3 = c2 + ldc;
    FloatVector s0 = FloatVector.fromArray(SPECIES, c, c0);
    FloatVector s1 = FloatVector.fromArray(SPECIES, c, c1);
    FloatVector s2 = FloatVector.fromArray(SPECIES, c, c2);
    FloatVector s3 = FloatVector.fromArray(SPECIES, c, c3);
    for (int p = 0; p < k; p++) {
      FloatVector bv = FloatVector.fromArray(SPECIES, b, bj + p * ldb);
      s0 = FloatVector.broadcast(SPECIES, a[a0 + p]).fma(bv, s0);
      s1 = FloatVector.broadcast(SPECIES, a[a1 + p]).fma(bv, s1);
      s2 = FloatVector.broadcast(SPECIES, a[a2 + p]).fma(bv, s2);
      s3 = FloatVector.broadcast(SPECIES, a[a3 + p]).fma(bv, s3);
    }
    s0.intoArray(c, c0);
    s1.intoArray(c, c1);
    s2.intoArray(c, c2);
    s3.intoArray(c, c3);
  }

  private static void block1x1(
      int k, float[] a, int a0, float[] b, int bj, int ldb, float[] c, int c0) {
    FloatVector s = FloatVector.fromArray(SPECIES, c, c0);
    for (int p = 0; p < k; p++) {
      s =
          FloatVector.broadcast(SPECIES, a[a0 + p])
              .fma(FloatVector.fromArray(SPECIES, b, bj + p * ldb), s);
    }
    s.intoArray(c, c0);
  }

  /** The columns left of a vector's width, one multiply-add at a time in the same k order. */
  private static void scalar(
      int rows,
      int cols,
      int k,
      float[] a,
      int aOff,
      int lda,
      float[] b,
      int bOff,
      int ldb,
      float[] c,
      int cOff,
      int ldc) {
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < cols; j++) {
        float s = c[cOff + r * ldc + j];
        for (int p = 0; p < k; p++) {
          s = Math.fma(a[aOff + r * lda + p], b[bOff + p * ldb + j], s);
        }
        c[cOff + r * ldc + j] = s;
      }
    }
  }
}
