package io.mmserve.vision.image;

/**
 * An 8-bit RGB image: {@code width * height} pixels stored row by row, three bytes (R, G, B) per
 * pixel, no padding between rows.
 *
 * <p>The pixel array is shared, not copied, so that decoded images move through the pipeline
 * without extra copies; callers must not modify an array after handing it over.
 *
 * <p>Two views save a full pass and a full copy of a large photo before it is resized: a decoded
 * JPEG may keep its YCbCr samples, and an image with an EXIF orientation is held as stored and read
 * turned. The resampler converts and turns just the pixels it reads ({@link #loadColumns}, {@link
 * #loadRow}); {@link #pixels()} gives the upright RGB bytes, converted once on first call. Either
 * way the values are the same. An image may also wrap a reused buffer longer than its pixels
 * ({@link ImageScratch}); such an image is valid only until that buffer is reused. Thread-safe.
 */
public final class RgbImage {
  /** Rows {@link #loadColumns} transposes together. */
  private static final int TRANSPOSE_ROWS = 16;

  private final int width; // as seen, after any orientation
  private final int height;
  private final byte[] samples; // stored RGB or YCbCr, possibly longer than needed
  private final boolean ycc;
  // sample index of seen pixel (x, y): origin + x * xStep + y * yStep
  private final int origin;
  private final int xStep;
  private final int yStep;
  private volatile byte[] rgb; // the upright RGB bytes once materialised

  /**
   * Wraps {@code pixels} (not copied).
   *
   * @throws IllegalArgumentException if a dimension is not positive or the array length is not
   *     {@code width * height * 3}
   */
  public RgbImage(int width, int height, byte[] pixels) {
    this(width, height, checked(width, height, pixels, false), false);
  }

  private RgbImage(int width, int height, byte[] samples, boolean ycc) {
    this(width, height, samples, ycc, 0, 3, width * 3);
  }

  private RgbImage(
      int width, int height, byte[] samples, boolean ycc, int origin, int xStep, int yStep) {
    this.width = width;
    this.height = height;
    this.samples = samples;
    this.ycc = ycc;
    this.origin = origin;
    this.xStep = xStep;
    this.yStep = yStep;
    boolean exact = !ycc && origin == 0 && xStep == 3 && yStep == width * 3;
    this.rgb = exact && samples.length == width * height * 3 ? samples : null;
  }

  /** An image held as interleaved JPEG Y, Cb, Cr samples (not copied), converted on demand. */
  static RgbImage ofYCbCr(int width, int height, byte[] ycc) {
    return new RgbImage(width, height, checked(width, height, ycc, false), true);
  }

  /**
   * An image whose RGB bytes are the first {@code width * height * 3} of {@code buffer}, a reused
   * buffer that may be longer.
   */
  static RgbImage inBuffer(int width, int height, byte[] buffer) {
    return new RgbImage(width, height, checked(width, height, buffer, true), false);
  }

  private static byte[] checked(int width, int height, byte[] samples, boolean mayBeLonger) {
    if (width <= 0 || height <= 0) {
      throw new IllegalArgumentException(
          "width and height must be positive, but were " + width + "x" + height);
    }
    long expected = (long) width * height * 3;
    if (mayBeLonger ? samples.length < expected : samples.length != expected) {
      throw new IllegalArgumentException(
          "pixels must hold "
              + (mayBeLonger ? "at least " : "")
              + expected
              + " bytes for "
              + width
              + "x"
              + height
              + ", but held "
              + samples.length);
    }
    return samples;
  }

  /**
   * This image turned by an EXIF orientation (see {@link ExifOrientation}): a view of the same
   * bytes, not a copy; {@code this} for orientation 1.
   */
  RgbImage oriented(int orientation) {
    int[] m = ExifOrientation.steps(orientation);
    if (orientation == ExifOrientation.NORMAL) {
      return this;
    }
    // Seen pixel (x, y) of the view is pixel (x0 + x * m[2] + y * m[4], y0 + x * m[3] + y * m[5])
    // of this image.
    int x0 = m[0] == 0 ? 0 : width - 1;
    int y0 = m[1] == 0 ? 0 : height - 1;
    boolean swap = ExifOrientation.swapsAxes(orientation);
    return new RgbImage(
        swap ? height : width,
        swap ? width : height,
        samples,
        ycc,
        origin + x0 * xStep + y0 * yStep,
        m[2] * xStep + m[3] * yStep,
        m[4] * xStep + m[5] * yStep);
  }

  public int width() {
    return width;
  }

  public int height() {
    return height;
  }

  /**
   * The upright interleaved RGB bytes, row-major, exactly {@code width * height * 3} of them: the
   * live array, not a copy. A converted, turned or buffer-held image is materialised on first call.
   */
  public byte[] pixels() {
    byte[] p = rgb;
    if (p == null) {
      synchronized (this) {
        p = rgb;
        if (p == null) {
          p = materialise();
          rgb = p;
        }
      }
    }
    return p;
  }

  private byte[] materialise() {
    byte[] out = new byte[width * height * 3];
    for (int y = 0, o = 0; y < height; y++) {
      for (int x = 0, q = origin + y * yStep; x < width; x++, q += xStep, o += 3) {
        out[o] = samples[q];
        out[o + 1] = samples[q + 1];
        out[o + 2] = samples[q + 2];
      }
    }
    if (ycc) {
      JpegColor.yccToRgb(out, 0, out, 0, width * height);
    }
    return out;
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
    int from = origin + y * yStep + x0 * xStep;
    int[][] columns = tile.columns;
    // A group of rows at a time, so that each column array receives runs of consecutive writes.
    for (int g = 0; g < rows; g += TRANSPOSE_ROWS) {
      int groupEnd = Math.min(rows, g + TRANSPOSE_ROWS);
      for (int x = 0, q0 = from + g * yStep; x < n; x++, q0 += xStep) {
        int[] column = columns[x];
        for (int i = g, q = q0; i < groupEnd; i++, q += yStep) {
          column[i] = samples[q] & 0xFF;
          column[ColumnTile.ROWS + i] = samples[q + 1] & 0xFF;
          column[2 * ColumnTile.ROWS + i] = samples[q + 2] & 0xFF;
        }
      }
    }
    if (ycc) {
      for (int x = 0; x < n; x++) {
        JpegColor.yccToRgbColumn(columns[x], rows);
      }
    }
  }

  /**
   * Loads pixels {@code x0 .. x0 + n - 1} of row {@code y} as RGB into {@code row[0 .. 3n)}, R, G,
   * B interleaved; a YCbCr-held image is converted.
   */
  void loadRow(int y, int x0, int n, int[] row) {
    for (int x = 0, q = origin + y * yStep + x0 * xStep, j = 0; x < n; x++, q += xStep, j += 3) {
      row[j] = samples[q] & 0xFF;
      row[j + 1] = samples[q + 1] & 0xFF;
      row[j + 2] = samples[q + 2] & 0xFF;
    }
    if (ycc) {
      JpegColor.yccToRgbRow(row, n);
    }
  }

  @Override
  public String toString() {
    return "RgbImage[" + width + "x" + height + "]";
  }
}
