package io.mmserve.vision.image;

/**
 * An 8-bit RGB image: {@code width * height} pixels stored row by row, three bytes (R, G, B) per
 * pixel, no padding between rows.
 *
 * <p>The pixel array is shared, not copied, so that decoded images move through the pipeline
 * without extra copies; callers must not modify an array after handing it over.
 *
 * <p>A decoded JPEG may keep its YCbCr samples and convert them to RGB only when {@link #pixels()}
 * is first called; the resampler instead converts just the pixels it reads, which saves a full pass
 * over large photos. Either way the values are the same. Thread-safe.
 */
public final class RgbImage {
  private final int width;
  private final int height;
  private final byte[] ycc; // null unless the image is held as YCbCr
  private volatile byte[] rgb; // null until converted when ycc != null

  /**
   * Wraps {@code pixels} (not copied).
   *
   * @throws IllegalArgumentException if a dimension is not positive or the array length is not
   *     {@code width * height * 3}
   */
  public RgbImage(int width, int height, byte[] pixels) {
    this(width, height, pixels, false);
  }

  private RgbImage(int width, int height, byte[] samples, boolean isYcc) {
    if (width <= 0 || height <= 0) {
      throw new IllegalArgumentException(
          "width and height must be positive, but were " + width + "x" + height);
    }
    long expected = (long) width * height * 3;
    if (samples.length != expected) {
      throw new IllegalArgumentException(
          "pixels must hold "
              + expected
              + " bytes for "
              + width
              + "x"
              + height
              + ", but held "
              + samples.length);
    }
    this.width = width;
    this.height = height;
    this.ycc = isYcc ? samples : null;
    this.rgb = isYcc ? null : samples;
  }

  /** An image held as interleaved JPEG Y, Cb, Cr samples (not copied), converted on demand. */
  static RgbImage ofYCbCr(int width, int height, byte[] ycc) {
    return new RgbImage(width, height, ycc, true);
  }

  public int width() {
    return width;
  }

  public int height() {
    return height;
  }

  /** The interleaved RGB bytes, row-major; the live array, not a copy. */
  public byte[] pixels() {
    byte[] p = rgb;
    if (p == null) {
      synchronized (this) {
        p = rgb;
        if (p == null) {
          p = new byte[ycc.length];
          JpegColor.yccToRgb(ycc, 0, p, 0, width * height);
          rgb = p;
        }
      }
    }
    return p;
  }

  /** The value (0-255) of {@code channel} (0 = R, 1 = G, 2 = B) at ({@code x}, {@code y}). */
  public int sample(int x, int y, int channel) {
    return pixels()[(y * width + x) * 3 + channel] & 0xFF;
  }

  /**
   * Loads pixels {@code x0 .. x0 + n - 1} of row {@code y} into lane {@code r} of the resampler's
   * column-major tile: the R, G and B of pixel {@code x0 + x} go to {@code tile[x * 3 * block +
   * r]}, {@code tile[x * 3 * block + block + r]} and {@code tile[x * 3 * block + 2 * block + r]}.
   */
  void loadColumns(int y, int x0, int n, int[] tile, int r, int block) {
    int from = (y * width + x0) * 3;
    byte[] p = rgb;
    if (p == null) {
      JpegColor.yccToColumns(ycc, from, n, tile, r, block);
      return;
    }
    int lane = 3 * block;
    for (int x = 0, t = r; x < n; x++, from += 3, t += lane) {
      tile[t] = p[from] & 0xFF;
      tile[t + block] = p[from + 1] & 0xFF;
      tile[t + 2 * block] = p[from + 2] & 0xFF;
    }
  }

  @Override
  public String toString() {
    return "RgbImage[" + width + "x" + height + "]";
  }
}
