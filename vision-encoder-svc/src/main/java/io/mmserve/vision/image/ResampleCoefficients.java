package io.mmserve.vision.image;

/**
 * The fixed-point filter taps for resampling one axis from {@code inSize} to {@code outSize} pixels
 * with PIL's antialiased bicubic filter, computed as Pillow's {@code precompute_coeffs} and {@code
 * normalize_coeffs_8bpc} (libImaging/Resample.c) do, so sums over them round exactly like PIL's
 * 8-bit resampler.
 *
 * <p>Only a window of consecutive outputs is computed ({@code firstOutput ..}, {@code outputs()} of
 * them): a crop never needs more, each output's taps depend on its own position only, and the table
 * stays small however long the resized axis is. Window output {@code i} reads input pixels {@code
 * first(i) .. first(i) + count(i) - 1} with weights {@code weights()[i * taps() + j]}, scaled by
 * {@code 2^PRECISION_BITS}. Immutable and shareable between threads.
 */
final class ResampleCoefficients {
  /** Fraction bits of the weights: 32 - 8 - 2, leaving room for the 8-bit value and overflow. */
  static final int PRECISION_BITS = 32 - 8 - 2;

  /** Added to a weighted sum before shifting, so that the shift rounds to nearest. */
  static final int HALF = 1 << (PRECISION_BITS - 1);

  private static final double BICUBIC_SUPPORT = 2.0;
  private static final double BICUBIC_A = -0.5;

  private final int inSize;
  private final long outSize;
  private final long firstOutput;
  private final int taps;
  private final int[] bounds;
  private final int[] weights;

  private ResampleCoefficients(
      int inSize, long outSize, long firstOutput, int taps, int[] bounds, int[] weights) {
    this.inSize = inSize;
    this.outSize = outSize;
    this.firstOutput = firstOutput;
    this.taps = taps;
    this.bounds = bounds;
    this.weights = weights;
  }

  /**
   * Computes the bicubic taps of outputs {@code firstOutput .. firstOutput + outputs - 1} of the
   * axis, whose box is {@code 0 .. inSize} (PIL's default).
   */
  static ResampleCoefficients bicubic(int inSize, long outSize, long firstOutput, int outputs) {
    if (inSize < 1 || outSize < 1 || outputs < 1) {
      throw new IllegalArgumentException("sizes must be positive: " + inSize + " -> " + outSize);
    }
    if (firstOutput < 0 || firstOutput + outputs > outSize) {
      throw new IllegalArgumentException(
          "outputs " + firstOutput + " + " + outputs + " outside 0.." + outSize);
    }
    // PIL passes the box as floats and subtracts them in float before widening.
    double scale = (double) ((float) inSize - 0f) / outSize;
    double filterScale = Math.max(scale, 1.0);
    double support = BICUBIC_SUPPORT * filterScale;
    int taps = (int) Math.ceil(support) * 2 + 1;
    int[] bounds = new int[outputs * 2];
    int[] weights = new int[outputs * taps];
    double[] k = new double[taps];
    double invFilterScale = 1.0 / filterScale;
    for (int i = 0; i < outputs; i++) {
      long xx = firstOutput + i;
      double center = (xx + 0.5) * scale;
      int xmin = (int) (center - support + 0.5);
      if (xmin < 0) {
        xmin = 0;
      }
      int xmax = (int) (center + support + 0.5);
      if (xmax > inSize) {
        xmax = inSize;
      }
      xmax -= xmin;
      double sum = 0.0;
      for (int x = 0; x < xmax; x++) {
        double w = bicubic((x + xmin - center + 0.5) * invFilterScale);
        k[x] = w;
        sum += w;
      }
      for (int x = 0; x < xmax; x++) {
        double w = sum != 0.0 ? k[x] / sum : k[x];
        // normalize_coeffs_8bpc: round half away from zero, then truncate toward zero
        weights[i * taps + x] =
            w < 0
                ? (int) (-0.5 + w * (1 << PRECISION_BITS))
                : (int) (0.5 + w * (1 << PRECISION_BITS));
      }
      bounds[i * 2] = xmin;
      bounds[i * 2 + 1] = xmax;
    }
    return new ResampleCoefficients(inSize, outSize, firstOutput, taps, bounds, weights);
  }

  /** PIL's bicubic_filter with a = -0.5, evaluated in the same order of operations. */
  private static double bicubic(double x) {
    if (x < 0.0) {
      x = -x;
    }
    if (x < 1.0) {
      return ((BICUBIC_A + 2.0) * x - (BICUBIC_A + 3.0)) * x * x + 1;
    }
    if (x < 2.0) {
      return (((x - 5) * x + 8) * x - 4) * BICUBIC_A;
    }
    return 0.0;
  }

  int inSize() {
    return inSize;
  }

  /** Length of the whole resized axis. */
  long outSize() {
    return outSize;
  }

  /** Position of window output 0 on the resized axis. */
  long firstOutput() {
    return firstOutput;
  }

  /** Number of outputs in the window. */
  int outputs() {
    return bounds.length / 2;
  }

  /** Whether the axis changes size; PIL skips the pass along an axis that does not. */
  boolean resizes() {
    return outSize != inSize;
  }

  /** Stride of {@link #weights()} per output pixel. */
  int taps() {
    return taps;
  }

  /** First input pixel read by window output {@code i}. */
  int first(int i) {
    return bounds[i * 2];
  }

  /** Number of input pixels read by window output {@code i}. */
  int count(int i) {
    return bounds[i * 2 + 1];
  }

  /** The weights; the live array, never modified. */
  int[] weights() {
    return weights;
  }

  /** Clamps a weighted sum (already including {@link #HALF}) to an 8-bit value, as PIL's clip8. */
  static int clip8(int sum) {
    int v = sum >> PRECISION_BITS;
    return v < 0 ? 0 : (v > 255 ? 255 : v);
  }
}
