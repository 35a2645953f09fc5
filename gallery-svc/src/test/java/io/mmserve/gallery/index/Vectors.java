package io.mmserve.gallery.index;

import java.util.Random;

/** L2-normalised vectors for tests. */
public final class Vectors {
  private Vectors() {}

  /** A random unit vector from {@code random}. */
  public static float[] random(Random random, int dimension) {
    float[] v = new float[dimension];
    for (int i = 0; i < dimension; i++) {
      v[i] = (float) random.nextGaussian();
    }
    return normalized(v);
  }

  /** The unit vector along {@code axis}. */
  public static float[] axis(int dimension, int axis) {
    float[] v = new float[dimension];
    v[axis] = 1;
    return v;
  }

  /** {@code values} scaled to length 1, in place. */
  public static float[] normalized(float... values) {
    double squared = 0;
    for (float x : values) {
      squared += (double) x * x;
    }
    float norm = (float) Math.sqrt(squared);
    for (int i = 0; i < values.length; i++) {
      values[i] /= norm;
    }
    return values;
  }
}
