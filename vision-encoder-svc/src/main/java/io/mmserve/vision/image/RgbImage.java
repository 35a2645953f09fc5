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
  /** Rows {@link #loadColumns} transposes together. */
  private static final int TRANSPOSE_ROWS = 16;

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
   * Loads pixels {@code x0 .. x0 + n - 1} of rows {@code y .. y + rows - 1} ({@code rows <=
   * ColumnTile.ROWS}) as RGB into {@code tile}, transposed: channel {@code c} of pixel {@code (x0 +
   * x, y + i)} goes to {@code tile.columns[x][c * ColumnTile.ROWS + i]}. A YCbCr-held image is
   * converted in the tile, a whole column at a time.
   */
  void loadColumns(int y, int rows, int x0, int n, ColumnTile tile) {
    byte[] p = rgb;
    boolean convert = p == null;
    byte[] samples = convert ? ycc : p;
    int stride = width * 3;
    int from = y * stride + x0 * 3;
    int[][] columns = tile.columns;
    // A group of rows at a time, so that each column array receives runs of consecutive writes.
    for (int g = 0; g < rows; g += TRANSPOSE_ROWS) {
      int groupEnd = Math.min(rows, g + TRANSPOSE_ROWS);
      for (int x = 0, q0 = from + g * stride; x < n; x++, q0 += 3) {
        int[] column = columns[x];
        for (int i = g, q = q0; i < groupEnd; i++, q += stride) {
          column[i] = samples[q] & 0xFF;
          column[ColumnTile.ROWS + i] = samples[q + 1] & 0xFF;
          column[2 * ColumnTile.ROWS + i] = samples[q + 2] & 0xFF;
        }
      }
    }
    if (convert) {
      for (int x = 0; x < n; x++) {
        JpegColor.yccToRgbColumn(columns[x], rows);
      }
    }
  }

  @Override
  public String toString() {
    return "RgbImage[" + width + "x" + height + "]";
  }
}
