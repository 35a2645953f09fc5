package io.mmserve.vision.image;

import java.util.Arrays;
import java.util.Objects;

/**
 * The CLIP image preprocessing rule from a model pack manifest ({@code vision.resize}, {@code
 * vision.crop}, {@code rescale_factor}, {@code mean}, {@code std}): resize so the short side is
 * {@code shortestEdge} with PIL's antialiased bicubic filter, centre-crop to {@code cropHeight x
 * cropWidth}, then {@code (v * rescaleFactor - mean[c]) / std[c]}.
 *
 * <p>The arrays are copied on the way in and out, so a config is immutable.
 *
 * @param mean per-channel mean (R, G, B), applied after rescaling
 * @param std per-channel standard deviation (R, G, B), positive
 * @param convention rounding of the resized size and the crop offset; see {@link ResizeConvention}
 */
public record ClipPreprocessorConfig(
    int shortestEdge,
    int cropHeight,
    int cropWidth,
    double rescaleFactor,
    double[] mean,
    double[] std,
    ResizeConvention convention) {

  /** The rounding convention used when none is given: that of Hugging Face's CLIP processor. */
  public static final ResizeConvention DEFAULT_CONVENTION =
      ResizeConvention.HF_CLIP_IMAGE_PROCESSOR;

  /** Sizes above this are rejected as a configuration mistake rather than a model input. */
  public static final int MAX_SIZE = 4096;

  public ClipPreprocessorConfig {
    checkSize("shortestEdge", shortestEdge);
    checkSize("cropHeight", cropHeight);
    checkSize("cropWidth", cropWidth);
    if (cropHeight > shortestEdge || cropWidth > shortestEdge) {
      throw new IllegalArgumentException(
          "crop "
              + cropHeight
              + "x"
              + cropWidth
              + " must fit inside the resized short side "
              + shortestEdge);
    }
    if (!(rescaleFactor > 0) || Double.isInfinite(rescaleFactor)) {
      throw new IllegalArgumentException(
          "rescaleFactor must be a positive number, but was " + rescaleFactor);
    }
    mean = checkChannels("mean", mean, false);
    std = checkChannels("std", std, true);
    Objects.requireNonNull(convention, "convention");
  }

  /** A config with {@link #DEFAULT_CONVENTION}. */
  public static ClipPreprocessorConfig of(
      int shortestEdge,
      int cropHeight,
      int cropWidth,
      double rescaleFactor,
      double[] mean,
      double[] std) {
    return new ClipPreprocessorConfig(
        shortestEdge, cropHeight, cropWidth, rescaleFactor, mean, std, DEFAULT_CONVENTION);
  }

  @Override
  public double[] mean() {
    return mean.clone();
  }

  @Override
  public double[] std() {
    return std.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ClipPreprocessorConfig c
        && shortestEdge == c.shortestEdge
        && cropHeight == c.cropHeight
        && cropWidth == c.cropWidth
        && Double.compare(rescaleFactor, c.rescaleFactor) == 0
        && Arrays.equals(mean, c.mean)
        && Arrays.equals(std, c.std)
        && convention == c.convention;
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        shortestEdge,
        cropHeight,
        cropWidth,
        rescaleFactor,
        Arrays.hashCode(mean),
        Arrays.hashCode(std),
        convention);
  }

  @Override
  public String toString() {
    return "ClipPreprocessorConfig[shortestEdge="
        + shortestEdge
        + ", crop="
        + cropHeight
        + "x"
        + cropWidth
        + ", rescaleFactor="
        + rescaleFactor
        + ", mean="
        + Arrays.toString(mean)
        + ", std="
        + Arrays.toString(std)
        + ", convention="
        + convention
        + "]";
  }

  private static void checkSize(String name, int value) {
    if (value < 1 || value > MAX_SIZE) {
      throw new IllegalArgumentException(
          name + " must be in 1.." + MAX_SIZE + ", but was " + value);
    }
  }

  private static double[] checkChannels(String name, double[] values, boolean positive) {
    Objects.requireNonNull(values, name);
    if (values.length != 3) {
      throw new IllegalArgumentException(
          name + " must have 3 values (R, G, B), but had " + values.length);
    }
    for (double v : values) {
      if (!Double.isFinite(v) || (positive && !(v > 0))) {
        throw new IllegalArgumentException(
            name
                + " must hold "
                + (positive ? "positive " : "")
                + "finite numbers, but was "
                + Arrays.toString(values));
      }
    }
    return values.clone();
  }
}
