package io.mmserve.fusion.model;

import java.util.Random;

/** Random match heads and features for comparing {@link VectorMatchHead} with {@link MatchHead}. */
final class MatchHeadParity {
  private MatchHeadParity() {}

  /** A head of {@code width} (a multiple of {@code heads}) with weights of PyTorch's init scale. */
  static MatchHead randomHead(Random random, int width, int heads, int hidden) {
    CrossModalAttention attention =
        new CrossModalAttention(
            linear(random, width, width),
            linear(random, width, width),
            linear(random, width, width),
            linear(random, width, width),
            heads);
    float[] weight = new float[width];
    float[] bias = new float[width];
    for (int i = 0; i < width; i++) {
      weight[i] = (float) (1 + 0.2 * random.nextGaussian());
      bias[i] = (float) (0.1 * random.nextGaussian());
    }
    return new MatchHead(
        attention,
        new LayerNorm(weight, bias, 1e-5),
        linear(random, width, hidden),
        linear(random, hidden, 1));
  }

  private static Linear linear(Random random, int in, int out) {
    float[] w = new float[in * out];
    float[] b = new float[out];
    double bound = 1 / Math.sqrt(in);
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) ((2 * random.nextDouble() - 1) * bound);
    }
    for (int i = 0; i < out; i++) {
      b[i] = (float) ((2 * random.nextDouble() - 1) * bound);
    }
    return new Linear(w, b, in, out);
  }

  /**
   * {@code pairs} pairs over {@code images} distinct images (pair n shows image n mod images), each
   * text with 0 to {@code length} real tokens at random positions (the first pair has none).
   */
  static MatchFeatures randomFeatures(
      Random random, int pairs, int images, int length, int patchCount, int width) {
    float[] imageValues = new float[images * patchCount * width];
    for (int i = 0; i < imageValues.length; i++) {
      imageValues[i] = (float) random.nextGaussian();
    }
    float[] tokens = new float[pairs * length * width];
    long[] mask = new long[pairs * length];
    float[] patches = new float[pairs * patchCount * width];
    for (int n = 0; n < pairs; n++) {
      for (int i = 0; i < length * width; i++) {
        tokens[n * length * width + i] = (float) random.nextGaussian();
      }
      for (int t = 0; t < length; t++) {
        mask[n * length + t] = n > 0 && random.nextInt(3) > 0 ? 1 : 0;
      }
      int image = n % images;
      System.arraycopy(
          imageValues,
          image * patchCount * width,
          patches,
          n * patchCount * width,
          patchCount * width);
    }
    return new MatchFeatures(tokens, mask, patches, pairs, length, patchCount, width);
  }
}
