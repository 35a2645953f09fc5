package io.mmserve.fusion.model;

import static org.junit.jupiter.api.Assertions.fail;

/** Tolerance checks against golden arrays, reporting the worst element. */
final class Goldens {
  private Goldens() {}

  /**
   * Asserts {@code |actual - expected| <= tolerance * max(1, max|expected|)} everywhere and returns
   * the largest such relative error.
   */
  static double assertRelative(double tolerance, float[] expected, float[] actual, String what) {
    double scale = 1;
    for (float e : expected) {
      scale = Math.max(scale, Math.abs(e));
    }
    return assertAbsolute(tolerance * scale, expected, actual, what) / scale;
  }

  /** Asserts {@code |actual - expected| <= tolerance} everywhere and returns the largest error. */
  static double assertAbsolute(double tolerance, float[] expected, float[] actual, String what) {
    if (expected.length != actual.length) {
      fail(what + ": expected " + expected.length + " values but got " + actual.length);
    }
    double worst = 0;
    int at = 0;
    for (int i = 0; i < expected.length; i++) {
      double diff = Math.abs((double) expected[i] - actual[i]);
      if (!(diff <= worst) || Double.isNaN(diff)) {
        worst = Double.isNaN(diff) ? Double.POSITIVE_INFINITY : diff;
        at = i;
      }
    }
    if (!(worst <= tolerance)) {
      fail(
          what
              + "["
              + at
              + "]: expected "
              + expected[at]
              + " but was "
              + actual[at]
              + " (error "
              + worst
              + " > "
              + tolerance
              + ")");
    }
    System.out.printf("%s: max error %.3g (tolerance %.3g)%n", what, worst, tolerance);
    return worst;
  }
}
