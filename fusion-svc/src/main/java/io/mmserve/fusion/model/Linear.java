package io.mmserve.fusion.model;

/**
 * A fully connected layer as PyTorch's {@code nn.Linear}: {@code y = x W^T + b} with {@code W} of
 * shape [out, in]. The weight is kept transposed ([in, out]) so that each output row is built by
 * {@link VectorOps#accumulate} over contiguous memory; the PyTorch layout is kept as well for
 * callers that need the rows of {@code W}. Immutable and thread-safe.
 */
public final class Linear {
  private final int in;
  private final int out;
  private final float[] weight;
  private final float[] weightT;
  private final float[] bias;

  /**
   * @param weight [out, in] row-major, as PyTorch stores it
   * @param bias [out]
   */
  public Linear(float[] weight, float[] bias, int in, int out) {
    if (weight.length != in * out || bias.length != out) {
      throw new IllegalArgumentException(
          "a Linear "
              + in
              + "->"
              + out
              + " needs "
              + in * out
              + " weights and "
              + out
              + " biases, but got "
              + weight.length
              + " and "
              + bias.length);
    }
    this.in = in;
    this.out = out;
    this.weight = weight.clone();
    this.weightT = new float[in * out];
    for (int o = 0; o < out; o++) {
      for (int i = 0; i < in; i++) {
        weightT[i * out + o] = weight[o * in + i];
      }
    }
    this.bias = bias.clone();
  }

  public int in() {
    return in;
  }

  public int out() {
    return out;
  }

  /** The weight in PyTorch's [out, in] layout; callers must not modify it. */
  float[] weight() {
    return weight;
  }

  /** The weight transposed, [in, out]; callers must not modify it. */
  float[] weightTransposed() {
    return weightT;
  }

  /** The bias, [out]; callers must not modify it. */
  float[] bias() {
    return bias;
  }

  /**
   * Writes {@code rows} output rows at {@code y[yOff..]} from the input rows at {@code x[xOff..]}.
   * {@code x} and {@code y} must not overlap.
   */
  public void apply(float[] x, int xOff, int rows, float[] y, int yOff) {
    for (int r = 0; r < rows; r++) {
      int xRow = xOff + r * in;
      int yRow = yOff + r * out;
      System.arraycopy(bias, 0, y, yRow, out);
      VectorOps.accumulate(x, xRow, in, weightT, 0, out, y, yRow, out);
    }
  }
}
