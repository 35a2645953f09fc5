package io.mmserve.fusion.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The Vector API matrix product against a plain double-precision loop, on sizes that are not
 * multiples of the vector length (tails of rows and columns), inside wider matrices (leading
 * dimensions larger than the block, offsets). Tolerance: 1e-5 x sum over p of |a_ip b_pj| (float
 * rounding of a k-term sum); elements outside the block must not change at all.
 */
class VectorGemmTest {
  private static final double TOLERANCE = 1e-5;
  private static final int[] ROWS = {1, 2, 3, 4, 5, 7, 9, 13};
  private static final int[] COLUMNS = {1, 3, 7, 8, 9, 15, 16, 17, 33, 65};
  private static final int[] DEPTHS = {1, 5, 11, 32, 65};

  @Test
  void multiplyAdd_matchesAPlainLoopOnOddSizesWithOffsetsAndStrides() {
    Random random = new Random(20261206);
    for (int m : ROWS) {
      for (int n : COLUMNS) {
        for (int k : DEPTHS) {
          check(random, m, n, k);
        }
      }
    }
  }

  private static void check(Random random, int m, int n, int k) {
    int lda = k + random.nextInt(3);
    int ldb = n + random.nextInt(5);
    int ldc = n + random.nextInt(4);
    int aOff = random.nextInt(4);
    int bOff = random.nextInt(4);
    int cOff = random.nextInt(4);
    float[] a = randoms(random, aOff + m * lda);
    float[] b = randoms(random, bOff + k * ldb);
    float[] c = randoms(random, cOff + m * ldc + 3);
    float[] before = c.clone();

    VectorGemm.multiplyAdd(m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);

    String size = m + "x" + k + " times " + k + "x" + n;
    for (int idx = 0; idx < c.length; idx++) {
      int i = (idx - cOff) / ldc;
      int j = (idx - cOff) % ldc;
      boolean inBlock = idx >= cOff && i < m && j < n;
      if (!inBlock) {
        assertEquals(before[idx], c[idx], 0f, size + ": element " + idx + " outside C changed");
        continue;
      }
      double expected = before[idx];
      double magnitude = Math.abs(before[idx]);
      for (int p = 0; p < k; p++) {
        double term = (double) a[aOff + i * lda + p] * b[bOff + p * ldb + j];
        expected += term;
        magnitude += Math.abs(term);
      }
      assertEquals(expected, c[idx], TOLERANCE * magnitude, size + ": C[" + i + "][" + j + "]");
    }
  }

  private static float[] randoms(Random random, int n) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) random.nextGaussian();
    }
    return x;
  }
}
