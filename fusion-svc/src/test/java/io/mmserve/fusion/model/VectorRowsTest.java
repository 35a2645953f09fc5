package io.mmserve.fusion.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/**
 * The Vector API row operations against the scalar code they replace, on row lengths that are not
 * multiples of the vector length. Tolerances are stated per test.
 */
class VectorRowsTest {
  private static final int[] LENGTHS = {1, 3, 7, 8, 9, 17, 31, 65, 128, 131};

  /** Relative error of the polynomial exp: at most 4e-7 (Cephes states about 2e-7). */
  @Test
  void exp_matchesMathExpAcrossTheFloatRange() {
    int lanes = VectorGemm.SPECIES.length();
    float[] x = new float[lanes];
    float[] y = new float[lanes];
    double worst = 0;
    for (float start = -87f; start < 88f; start += 0.0137f * lanes) {
      for (int i = 0; i < lanes; i++) {
        x[i] = start + 0.0137f * i;
      }
      VectorRows.exp(FloatVector.fromArray(VectorGemm.SPECIES, x, 0)).intoArray(y, 0);
      for (int i = 0; i < lanes; i++) {
        double expected = Math.exp(x[i]);
        worst = Math.max(worst, Math.abs(y[i] - expected) / expected);
      }
    }
    assertEquals(0, worst, 4e-7, "worst relative error of exp");
  }

  @Test
  void exp_flushesVeryNegativeInputsToAboutZero() {
    float[] y = new float[VectorGemm.SPECIES.length()];
    VectorRows.exp(FloatVector.broadcast(VectorGemm.SPECIES, -1e9f)).intoArray(y, 0);
    for (float e : y) {
      assertEquals(0f, e, 1.2e-38f);
    }
  }

  /**
   * Within 5e-7 x max(1, |x|) of {@link Gelu}'s double-precision erf (Abramowitz and Stegun's erf
   * is within 1.5e-7), on every x from -12 to 12 in steps of 1/1024, in rows of odd lengths.
   */
  @Test
  void geluInPlace_matchesTheExactGelu() {
    int count = 24 * 1024 + 1;
    float[] x = new float[count];
    for (int i = 0; i < count; i++) {
      x[i] = -12f + i / 1024f;
    }
    for (int n : new int[] {1, 7, 9, 65, 131, count}) {
      for (int start = 0; start + n <= count; start += n * 97) {
        float[] expected = x.clone();
        float[] actual = x.clone();
        Gelu.applyInPlace(expected, start, n);
        VectorRows.geluInPlace(actual, start, n);
        for (int i = start; i < start + n; i++) {
          assertEquals(
              expected[i], actual[i], 5e-7 * Math.max(1, Math.abs(x[i])), "gelu(" + x[i] + ")");
        }
      }
    }
  }

  /** Each probability within 1e-6 of the scalar softmax; each row sums to 1 within 1e-5. */
  @Test
  void softmaxRows_matchesTheScalarSoftmaxOnOddLengths() {
    Random random = new Random(7);
    CrossModalAttention attention = MatchHeadParity.randomHead(random, 8, 2, 8).attention();
    float scale = (float) Math.pow(attention.headDim(), -0.5);
    for (int n : LENGTHS) {
      int rows = 3;
      int ld = n + 2;
      float[] s = new float[rows * ld];
      for (int i = 0; i < s.length; i++) {
        s[i] = (float) (random.nextGaussian() * 8);
      }
      float[] expected = s.clone();
      VectorRows.softmaxRows(s, 0, ld, rows, n, scale);
      for (int r = 0; r < rows; r++) {
        float[] row = java.util.Arrays.copyOfRange(expected, r * ld, r * ld + n);
        attention.softmax(row, n, null, 0);
        double sum = 0;
        for (int j = 0; j < n; j++) {
          assertEquals(row[j], s[r * ld + j], 1e-6, "n " + n + " row " + r + " column " + j);
          sum += s[r * ld + j];
        }
        assertEquals(1, sum, 1e-5, "n " + n + " row " + r + " sum");
        for (int j = n; j < ld; j++) {
          assertEquals(expected[r * ld + j], s[r * ld + j], 0f, "past the row's end");
        }
      }
    }
  }

  /** Within 1e-5 x max(1, |value|) of {@link LayerNorm}, which accumulates in double. */
  @Test
  void layerNormRows_matchesLayerNormOnOddWidths() {
    Random random = new Random(11);
    for (int n : LENGTHS) {
      float[] weight = new float[n];
      float[] bias = new float[n];
      for (int i = 0; i < n; i++) {
        weight[i] = (float) (1 + 0.3 * random.nextGaussian());
        bias[i] = (float) (0.1 * random.nextGaussian());
      }
      int rows = 5;
      float[] x = new float[rows * n];
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) (3 + 2 * random.nextGaussian());
      }
      float[] expected = x.clone();
      new LayerNorm(weight, bias, 1e-5).applyInPlace(expected, 0, rows);
      VectorRows.layerNormRows(x, 0, rows, weight, bias, 1e-5);
      for (int i = 0; i < x.length; i++) {
        assertEquals(expected[i], x[i], 1e-5 * Math.max(1, Math.abs(expected[i])), "n " + n);
      }
    }
  }

  @Test
  void dotSumAddAndDivide_matchPlainLoopsOnOddLengths() {
    Random random = new Random(3);
    for (int n : LENGTHS) {
      float[] a = new float[n + 2];
      float[] b = new float[n + 1];
      for (int i = 0; i < a.length; i++) {
        a[i] = (float) random.nextGaussian();
      }
      for (int i = 0; i < b.length; i++) {
        b[i] = (float) random.nextGaussian();
      }
      double dot = 0;
      double sum = 0;
      double magnitude = 0;
      for (int i = 0; i < n; i++) {
        dot += (double) a[i + 2] * b[i + 1];
        sum += a[i + 2];
        magnitude += Math.abs(a[i + 2]) * (1 + Math.abs(b[i + 1]));
      }
      assertEquals(dot, VectorRows.dot(a, 2, b, 1, n), 1e-6 * magnitude, "dot, n " + n);
      assertEquals(sum, VectorRows.sum(a, 2, n), 1e-6 * magnitude, "sum, n " + n);

      float[] y = b.clone();
      VectorRows.add(a, 2, y, 1, n);
      VectorRows.divide(y, 1, n, 3f);
      assertEquals(b[0], y[0], 0f, "before the range");
      for (int i = 0; i < n; i++) {
        assertEquals((a[i + 2] + b[i + 1]) / 3f, y[i + 1], 0f, "add then divide, n " + n);
      }
    }
  }
}
