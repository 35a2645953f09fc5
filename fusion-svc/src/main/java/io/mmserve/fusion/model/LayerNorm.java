package io.mmserve.fusion.model;

/**
 * PyTorch's {@code nn.LayerNorm} over the last axis: {@code (x - mean) / sqrt(var + eps) * weight +
 * bias} with the biased variance. Mean and variance are accumulated in double. Immutable.
 */
public final class LayerNorm {
  private final float[] weight;
  private final float[] bias;
  private final double eps;

  public LayerNorm(float[] weight, float[] bias, double eps) {
    if (weight.length != bias.length) {
      throw new IllegalArgumentException(
          "LayerNorm weight and bias differ in size: " + weight.length + " vs " + bias.length);
    }
    this.weight = weight.clone();
    this.bias = bias.clone();
    this.eps = eps;
  }

  public int dim() {
    return weight.length;
  }

  /** The weight; callers must not modify it. */
  float[] weight() {
    return weight;
  }

  /** The bias; callers must not modify it. */
  float[] bias() {
    return bias;
  }

  double eps() {
    return eps;
  }

  /** Normalises {@code rows} rows of {@code x} starting at {@code off}, in place. */
  public void applyInPlace(float[] x, int off, int rows) {
    int n = weight.length;
    for (int r = 0; r < rows; r++) {
      int row = off + r * n;
      double sum = 0;
      for (int i = 0; i < n; i++) {
        sum += x[row + i];
      }
      double mean = sum / n;
      double squares = 0;
      for (int i = 0; i < n; i++) {
        double d = x[row + i] - mean;
        squares += d * d;
      }
      double inv = 1.0 / Math.sqrt(squares / n + eps);
      for (int i = 0; i < n; i++) {
        x[row + i] = (float) ((x[row + i] - mean) * inv * weight[i] + bias[i]);
      }
    }
  }
}
