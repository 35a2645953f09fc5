package io.mmserve.fusion.model;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Row-wise operations of {@link VectorMatchHead} with the Vector API: softmax, LayerNorm, sums and
 * the dot product, each on the whole vectors of a row and a scalar loop for the elements left over.
 * Sums are accumulated in float lane by lane and the lanes added at the end in lane order ({@link
 * #sumLanes}, not {@code reduceLanes(ADD)}, whose order may differ between the interpreter and
 * compiled code): the same input gives the same bits at every stage of JIT compilation, and differs
 * from a sequential sum by float rounding only.
 *
 * <p>{@link #exp} is Cephes' {@code expf} (a degree-6 polynomial after reduction by ln 2, relative
 * error about 2e-7 over the float range), so the softmax does not depend on how the JDK implements
 * {@code VectorOperators.EXP} on this CPU.
 *
 * <p>{@link #geluInPlace} takes erf from Abramowitz and Stegun's formula 7.1.26 (absolute error at
 * most 1.5e-7, the order of float rounding of the result) instead of {@link Gelu}'s
 * double-precision series, whose dependent divisions cost more than the rest of a pair's MLP.
 *
 * <p>Loading this class needs the {@code jdk.incubator.vector} module. Stateless and thread-safe.
 */
final class VectorRows {
  private static final VectorSpecies<Float> SPECIES = VectorGemm.SPECIES;
  private static final int LANES = SPECIES.length();

  private static final float EXP_HI = 88.3762626647949f;
  private static final float EXP_LO = -87.3365447504f;
  private static final float LOG2E = 1.44269504088896341f;
  private static final float LN2_HI = 0.693359375f;
  private static final float LN2_LO = -2.12194440e-4f;
  private static final float ROUND = 12582912f; // 1.5 * 2^23: adding it rounds to an integer
  private static final float P0 = 1.9875691500e-4f;
  private static final float P1 = 1.3981999507e-3f;
  private static final float P2 = 8.3334519073e-3f;
  private static final float P3 = 4.1665795894e-2f;
  private static final float P4 = 1.6666665459e-1f;
  private static final float P5 = 5.0000001201e-1f;
  private static final int EXPONENT_BIAS = 127;
  private static final int MANTISSA_BITS = 23;

  private static final float SQRT_HALF = 0.70710678118654752f;
  private static final float ERF_P = 0.3275911f;
  private static final float ERF_A1 = 0.254829592f;
  private static final float ERF_A2 = -0.284496736f;
  private static final float ERF_A3 = 1.421413741f;
  private static final float ERF_A4 = -1.453152027f;
  private static final float ERF_A5 = 1.061405429f;

  private VectorRows() {}

  /** e^x lane by lane (see the class comment); inputs are clamped to [-87.3, 88.4]. */
  static FloatVector exp(FloatVector x) {
    FloatVector v = x.min(EXP_HI).max(EXP_LO);
    FloatVector n = v.mul(LOG2E).add(ROUND).sub(ROUND); // round(v / ln 2)
    FloatVector r = n.fma(FloatVector.broadcast(SPECIES, -LN2_HI), v);
    r = n.fma(FloatVector.broadcast(SPECIES, -LN2_LO), r);
    FloatVector y = r.fma(P0, P1);
    y = y.fma(r, FloatVector.broadcast(SPECIES, P2));
    y = y.fma(r, FloatVector.broadcast(SPECIES, P3));
    y = y.fma(r, FloatVector.broadcast(SPECIES, P4));
    y = y.fma(r, FloatVector.broadcast(SPECIES, P5));
    y = y.mul(r).mul(r).add(r).add(1f);
    IntVector exponent = (IntVector) n.convert(VectorOperators.F2I, 0);
    FloatVector twoToN =
        exponent
            .add(EXPONENT_BIAS)
            .lanewise(VectorOperators.LSHL, MANTISSA_BITS)
            .reinterpretAsFloats();
    return y.mul(twoToN);
  }

  /**
   * GELU, {@code x/2 * (1 + erf(x / sqrt 2))}, on {@code x[off..off+n)} in place. With {@code z =
   * |x| / sqrt 2}, {@code q = t (a1 + t (a2 + ... a5 t)) e^(-z^2)} for {@code t = 1 / (1 + p z)} is
   * {@code 1 - erf(z)}, so {@code 1 + erf(x / sqrt 2)} is {@code 2 - q} for {@code x >= 0} and
   * {@code q} below, without cancellation for negative x. The elements left over take {@link Gelu}.
   */
  static void geluInPlace(float[] x, int off, int n) {
    int narrow = n - n % LANES;
    int j = 0;
    for (; j < narrow; j += LANES) {
      FloatVector v = FloatVector.fromArray(SPECIES, x, off + j);
      FloatVector z = v.abs().mul(SQRT_HALF);
      FloatVector t = z.fma(ERF_P, 1f);
      t = FloatVector.broadcast(SPECIES, 1f).div(t);
      FloatVector poly = t.fma(ERF_A5, ERF_A4);
      poly = poly.fma(t, FloatVector.broadcast(SPECIES, ERF_A3));
      poly = poly.fma(t, FloatVector.broadcast(SPECIES, ERF_A2));
      poly = poly.fma(t, FloatVector.broadcast(SPECIES, ERF_A1));
      FloatVector q = poly.mul(t).mul(exp(z.mul(z).neg()));
      FloatVector onePlusErf = q.neg().add(2f).blend(q, v.compare(VectorOperators.LT, 0f));
      v.mul(0.5f).mul(onePlusErf).intoArray(x, off + j);
    }
    Gelu.applyInPlace(x, off + j, n - j);
  }

  /**
   * Multiplies each of {@code rows} rows of {@code n} scores at {@code s[off + r*ld..]} by {@code
   * scale} and replaces it by its softmax, in place.
   */
  static void softmaxRows(float[] s, int off, int ld, int rows, int n, float scale) {
    int narrow = n - n % LANES;
    for (int r = 0; r < rows; r++) {
      int row = off + r * ld;
      FloatVector maxes = FloatVector.broadcast(SPECIES, Float.NEGATIVE_INFINITY);
      int j = 0;
      for (; j < narrow; j += LANES) {
        FloatVector v = FloatVector.fromArray(SPECIES, s, row + j).mul(scale);
        v.intoArray(s, row + j);
        maxes = maxes.max(v);
      }
      float max = maxes.reduceLanes(VectorOperators.MAX);
      for (; j < n; j++) {
        s[row + j] *= scale;
        max = Math.max(max, s[row + j]);
      }
      FloatVector sums = FloatVector.zero(SPECIES);
      for (j = 0; j < narrow; j += LANES) {
        FloatVector e = exp(FloatVector.fromArray(SPECIES, s, row + j).sub(max));
        e.intoArray(s, row + j);
        sums = sums.add(e);
      }
      float sum = sumLanes(sums);
      for (; j < n; j++) {
        float e = (float) Math.exp(s[row + j] - max);
        s[row + j] = e;
        sum += e;
      }
      float inverse = 1f / sum;
      for (j = 0; j < narrow; j += LANES) {
        FloatVector.fromArray(SPECIES, s, row + j).mul(inverse).intoArray(s, row + j);
      }
      for (; j < n; j++) {
        s[row + j] *= inverse;
      }
    }
  }

  /**
   * PyTorch's {@code nn.LayerNorm} on {@code rows} rows of {@code weight.length} values at {@code
   * x[off..]}, in place: {@code (x - mean) / sqrt(var + eps) * weight + bias}, biased variance.
   */
  static void layerNormRows(
      float[] x, int off, int rows, float[] weight, float[] bias, double eps) {
    int n = weight.length;
    int narrow = n - n % LANES;
    for (int r = 0; r < rows; r++) {
      int row = off + r * n;
      float mean = sum(x, row, n) / n;
      FloatVector squares = FloatVector.zero(SPECIES);
      int j = 0;
      for (; j < narrow; j += LANES) {
        FloatVector d = FloatVector.fromArray(SPECIES, x, row + j).sub(mean);
        squares = d.fma(d, squares);
      }
      float square = sumLanes(squares);
      for (; j < n; j++) {
        float d = x[row + j] - mean;
        square += d * d;
      }
      float inverse = (float) (1.0 / Math.sqrt(square / n + eps));
      for (j = 0; j < narrow; j += LANES) {
        FloatVector.fromArray(SPECIES, x, row + j)
            .sub(mean)
            .mul(inverse)
            .fma(FloatVector.fromArray(SPECIES, weight, j), FloatVector.fromArray(SPECIES, bias, j))
            .intoArray(x, row + j);
      }
      for (; j < n; j++) {
        x[row + j] = (x[row + j] - mean) * inverse * weight[j] + bias[j];
      }
    }
  }

  /** The lanes of {@code v} added in lane order. */
  static float sumLanes(FloatVector v) {
    float sum = 0;
    for (int i = 0; i < LANES; i++) {
      sum += v.lane(i);
    }
    return sum;
  }

  /** The sum of {@code x[off..off+n)}. */
  static float sum(float[] x, int off, int n) {
    int narrow = n - n % LANES;
    FloatVector sums = FloatVector.zero(SPECIES);
    int j = 0;
    for (; j < narrow; j += LANES) {
      sums = sums.add(FloatVector.fromArray(SPECIES, x, off + j));
    }
    float sum = sumLanes(sums);
    for (; j < n; j++) {
      sum += x[off + j];
    }
    return sum;
  }

  /** The dot product of {@code a[aOff..aOff+n)} and {@code b[bOff..bOff+n)}. */
  static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
    int narrow = n - n % LANES;
    FloatVector sums = FloatVector.zero(SPECIES);
    int j = 0;
    for (; j < narrow; j += LANES) {
      sums =
          FloatVector.fromArray(SPECIES, a, aOff + j)
              .fma(FloatVector.fromArray(SPECIES, b, bOff + j), sums);
    }
    float sum = sumLanes(sums);
    for (; j < n; j++) {
      sum = Math.fma(a[aOff + j], b[bOff + j], sum);
    }
    return sum;
  }

  /** {@code y[yOff + j] += x[xOff + j]} for {@code j < n}. */
  static void add(float[] x, int xOff, float[] y, int yOff, int n) {
    int narrow = n - n % LANES;
    int j = 0;
    for (; j < narrow; j += LANES) {
      FloatVector.fromArray(SPECIES, y, yOff + j)
          .add(FloatVector.fromArray(SPECIES, x, xOff + j))
          .intoArray(y, yOff + j);
    }
    for (; j < n; j++) {
      y[yOff + j] += x[xOff + j];
    }
  }

  /** {@code x[off + j] /= divisor} for {@code j < n}. */
  static void divide(float[] x, int off, int n, float divisor) {
    int narrow = n - n % LANES;
    int j = 0;
    for (; j < narrow; j += LANES) {
      FloatVector.fromArray(SPECIES, x, off + j).div(divisor).intoArray(x, off + j);
    }
    for (; j < n; j++) {
      x[off + j] /= divisor;
    }
  }
}
