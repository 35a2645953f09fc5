package io.mmserve.fusion.model;

/**
 * The exact GELU of PyTorch's {@code F.gelu} (approximate="none"): {@code x/2 * (1 + erf(x /
 * sqrt(2)))}, with {@code erf} computed in double (the JDK has none): a Taylor series below 2.5 and
 * the continued fraction of erfc above, both accurate to about 1e-15.
 */
final class Gelu {
  private static final double SQRT_HALF = Math.sqrt(0.5);
  private static final double TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
  private static final double ONE_OVER_SQRT_PI = 1 / Math.sqrt(Math.PI);
  private static final double SERIES_LIMIT = 2.5;
  private static final int SERIES_TERMS = 60;
  private static final int FRACTION_TERMS = 80;

  private Gelu() {}

  /** Applies GELU to {@code x[off..off+n)} in place. */
  static void applyInPlace(float[] x, int off, int n) {
    for (int i = off; i < off + n; i++) {
      double v = x[i];
      x[i] = (float) (0.5 * v * (1 + erf(v * SQRT_HALF)));
    }
  }

  /** The error function. */
  static double erf(double x) {
    if (Double.isNaN(x)) {
      return x;
    }
    double z = Math.abs(x);
    double result = z < SERIES_LIMIT ? series(z) : 1 - erfcFraction(z);
    return x < 0 ? -result : result;
  }

  /** erf(z) = 2/sqrt(pi) * sum (-1)^n z^(2n+1) / (n! (2n+1)). */
  private static double series(double z) {
    double z2 = z * z;
    double term = z; // (-1)^n z^(2n+1) / n!
    double sum = z;
    for (int n = 1; n < SERIES_TERMS; n++) {
      term *= -z2 / n;
      double add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) {
        break;
      }
    }
    return TWO_OVER_SQRT_PI * sum;
  }

  /** erfc(z) = exp(-z^2)/sqrt(pi) / (z + 1/2 / (z + 1 / (z + 3/2 / (z + ...)))), for z >= 2.5. */
  private static double erfcFraction(double z) {
    if (z > 27) {
      return 0;
    }
    double tail = z;
    for (int k = FRACTION_TERMS; k >= 1; k--) {
      tail = z + (k / 2.0) / tail;
    }
    return Math.exp(-z * z) * ONE_OVER_SQRT_PI / tail;
  }
}
