package io.mmserve.vision.encoder;

import io.mmserve.vision.image.ImageDecoder;

/**
 * What one EncodeImage request may hold. Requests over a limit are refused with {@code
 * RESOURCE_EXHAUSTED} naming the limit, before any pixel is decoded.
 *
 * @param maxItems most images in one request
 * @param maxImageBytes most bytes of one image: the encoded file, or the raw pixel data
 * @param maxPixels most pixels ({@code width * height}) of one image, read from its header
 */
public record ImageLimits(int maxItems, long maxImageBytes, long maxPixels) {
  public static final int DEFAULT_MAX_ITEMS = 64;
  public static final long DEFAULT_MAX_IMAGE_BYTES = 20L << 20;
  public static final long DEFAULT_MAX_PIXELS = ImageDecoder.DEFAULT_MAX_PIXELS;

  /** Requests are one protobuf message, so their size must stay below 2 GiB. */
  public static final int MAX_ITEMS = 4096;

  public static final long MAX_IMAGE_BYTES = Integer.MAX_VALUE;

  public ImageLimits {
    if (maxItems < 1 || maxItems > MAX_ITEMS) {
      throw new IllegalArgumentException(
          "maxItems must be in 1.." + MAX_ITEMS + ", but was " + maxItems);
    }
    if (maxImageBytes < 1 || maxImageBytes > MAX_IMAGE_BYTES) {
      throw new IllegalArgumentException(
          "maxImageBytes must be in 1.." + MAX_IMAGE_BYTES + ", but was " + maxImageBytes);
    }
    if (maxPixels < 1 || maxPixels > ImageDecoder.MAX_PIXELS_CEILING) {
      throw new IllegalArgumentException(
          "maxPixels must be in 1.." + ImageDecoder.MAX_PIXELS_CEILING + ", but was " + maxPixels);
    }
  }

  /** The default limits. */
  public static ImageLimits defaults() {
    return new ImageLimits(DEFAULT_MAX_ITEMS, DEFAULT_MAX_IMAGE_BYTES, DEFAULT_MAX_PIXELS);
  }

  /** The largest request these limits admit, in bytes of image data: items x bytes per image. */
  public long maxRequestImageBytes() {
    return maxItems * maxImageBytes;
  }
}
