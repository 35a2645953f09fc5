package io.mmserve.inference.pack;

import java.util.List;
import java.util.Objects;

/**
 * The vision side of a pack: CLIP preprocessing and the vision encoder.
 *
 * @param imageSize the side of the square model input
 * @param resize how to resize before cropping
 * @param crop how to crop after resizing
 * @param rescaleFactor multiplies 8-bit pixel values (1/255)
 * @param mean per-channel mean (R, G, B), subtracted after rescaling
 * @param std per-channel standard deviation (R, G, B), divided by after subtracting the mean
 * @param encoder the vision encoder
 */
public record VisionSpec(
    int imageSize,
    Resize resize,
    Crop crop,
    double rescaleFactor,
    List<Double> mean,
    List<Double> std,
    EncoderSpec encoder) {
  public VisionSpec {
    Objects.requireNonNull(resize, "resize");
    Objects.requireNonNull(crop, "crop");
    mean = List.copyOf(mean);
    std = List.copyOf(std);
    Objects.requireNonNull(encoder, "encoder");
  }

  /** {@link #mean()} as an array. */
  public float[] meanArray() {
    return toFloats(mean);
  }

  /** {@link #std()} as an array. */
  public float[] stdArray() {
    return toFloats(std);
  }

  private static float[] toFloats(List<Double> values) {
    float[] out = new float[values.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = values.get(i).floatValue();
    }
    return out;
  }

  /**
   * Resize so the short side is {@code shortestEdge}.
   *
   * @param shortestEdge target length of the short side
   * @param interpolation filter name, lower-case ("bicubic")
   * @param antialias whether the filter support grows with the reduction factor (PIL does)
   */
  public record Resize(int shortestEdge, String interpolation, boolean antialias) {}

  /**
   * Crop to {@code height} x {@code width}.
   *
   * @param mode where to crop, lower-case ("center")
   * @param height crop height
   * @param width crop width
   */
  public record Crop(String mode, int height, int width) {}
}
