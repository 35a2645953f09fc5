package io.mmserve.vision.image;

/**
 * How the resized size and the centre-crop offset are rounded. Reference implementations disagree
 * on both, and a one-pixel difference in either moves every output pixel, so the convention must
 * match the one the model's reference outputs were made with.
 *
 * <p>For a short side {@code s}, long side {@code l}, target short side {@code e} and a resized
 * side {@code n} cropped to {@code c}:
 *
 * <ul>
 *   <li>{@link #HF_CLIP_IMAGE_PROCESSOR}: long side {@code int(e * l / s)} (truncated, as in {@code
 *       transformers.image_transforms.get_resize_output_image_size}), crop offset {@code (n - c) //
 *       2} (floor, as in {@code image_transforms.center_crop}).
 *   <li>{@link #TORCHVISION}: long side {@code int(e * l / s)}, crop offset {@code int(round((n -
 *       c) / 2.0))} (round half to even), as {@code torchvision.transforms.Resize} and {@code
 *       CenterCrop} do on PIL images (OpenAI CLIP, open_clip).
 *   <li>{@link #ROUND_HALF_EVEN}: long side {@code int(round(e * l / s))} and crop offset {@code
 *       int(round((n - c) / 2.0))}, both with Python's round half to even.
 * </ul>
 *
 * For 640x480 to 64 all three agree (85x64, offset 10); for 1920x1080 the first two give 113x64 and
 * the third 114x64.
 */
public enum ResizeConvention {
  HF_CLIP_IMAGE_PROCESSOR,
  TORCHVISION,
  ROUND_HALF_EVEN;

  /**
   * The resized length of the long side when the short side becomes {@code shortestEdge}; a long,
   * since a very thin image can need more than {@code Integer.MAX_VALUE} pixels.
   */
  long resizedLongSide(int longSide, int shortSide, int shortestEdge) {
    double exact = (double) ((long) shortestEdge * longSide) / shortSide;
    return this == ROUND_HALF_EVEN ? (long) Math.rint(exact) : (long) exact;
  }

  /** The offset of a centred window of {@code cropped} pixels inside {@code size} pixels. */
  long cropOffset(long size, int cropped) {
    long excess = size - cropped;
    return this == HF_CLIP_IMAGE_PROCESSOR
        ? Math.floorDiv(excess, 2)
        : (long) Math.rint(excess / 2.0);
  }
}
