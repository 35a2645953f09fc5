package io.mmserve.vision.image;

/**
 * The EXIF Orientation tag (0x0112 in IFD0) and the transposition PIL's {@code
 * ImageOps.exif_transpose} applies for it:
 *
 * <pre>
 *   1 none                    5 TRANSPOSE  (swap x and y)
 *   2 FLIP_LEFT_RIGHT         6 ROTATE_270 (90 degrees clockwise)
 *   3 ROTATE_180              7 TRANSVERSE (swap x and y, then rotate 180)
 *   4 FLIP_TOP_BOTTOM         8 ROTATE_90  (90 degrees counter-clockwise)
 * </pre>
 */
final class ExifOrientation {
  static final int NORMAL = 1;

  private static final int TAG_ORIENTATION = 0x0112;
  private static final int TYPE_SHORT = 3;
  private static final int TYPE_LONG = 4;

  /**
   * Per orientation: {start x at far edge, start y at far edge, sx step per x, sy step per x, sx
   * step per y, sy step per y}.
   */
  private static final int[][] STEPS = {
    null,
    {0, 0, 1, 0, 0, 1}, // 1: identity
    {1, 0, -1, 0, 0, 1}, // 2: FLIP_LEFT_RIGHT
    {1, 1, -1, 0, 0, -1}, // 3: ROTATE_180
    {0, 1, 1, 0, 0, -1}, // 4: FLIP_TOP_BOTTOM
    {0, 0, 0, 1, 1, 0}, // 5: TRANSPOSE, out(x, y) = in(y, x)
    {0, 1, 0, -1, 1, 0}, // 6: ROTATE_270, out(x, y) = in(y, h - 1 - x)
    {1, 1, 0, -1, -1, 0}, // 7: TRANSVERSE, out(x, y) = in(w - 1 - y, h - 1 - x)
    {1, 0, 0, 1, -1, 0}, // 8: ROTATE_90, out(x, y) = in(w - 1 - y, x)
  };

  private ExifOrientation() {}

  /**
   * Reads the orientation from a TIFF-structured EXIF block ("II*\0" or "MM\0*" header, as in a
   * JPEG APP1 segment after its "Exif\0\0" prefix or a PNG eXIf chunk). Returns {@link #NORMAL}
   * when the block is malformed or has no usable orientation, since the image itself is fine.
   */
  static int read(byte[] data, int offset, int length) {
    int end = offset + length;
    if (length < 8) {
      return NORMAL;
    }
    boolean little;
    if (data[offset] == 'I' && data[offset + 1] == 'I') {
      little = true;
    } else if (data[offset] == 'M' && data[offset + 1] == 'M') {
      little = false;
    } else {
      return NORMAL;
    }
    if (u16(data, offset + 2, little) != 42) {
      return NORMAL;
    }
    long ifd = u32(data, offset + 4, little);
    if (ifd < 8 || ifd > length - 2) {
      return NORMAL;
    }
    int p = offset + (int) ifd;
    int entries = u16(data, p, little);
    p += 2;
    for (int i = 0; i < entries && p + 12 <= end; i++, p += 12) {
      if (u16(data, p, little) != TAG_ORIENTATION) {
        continue;
      }
      int type = u16(data, p + 2, little);
      long count = u32(data, p + 4, little);
      if (count != 1) {
        return NORMAL;
      }
      long value;
      if (type == TYPE_SHORT) {
        value = u16(data, p + 8, little);
      } else if (type == TYPE_LONG) {
        value = u32(data, p + 8, little);
      } else {
        return NORMAL;
      }
      return value >= 1 && value <= 8 ? (int) value : NORMAL;
    }
    return NORMAL;
  }

  /** Whether the orientation swaps width and height. */
  static boolean swapsAxes(int orientation) {
    return orientation >= 5;
  }

  /**
   * Returns {@code image} turned for {@code orientation}, as a view of the same bytes (see {@link
   * RgbImage#oriented}); the same object for 1.
   */
  static RgbImage apply(RgbImage image, int orientation) {
    return image.oriented(orientation);
  }

  /**
   * The {@link #STEPS} row of {@code orientation}: {start x at far edge, start y at far edge, sx
   * step per x, sy step per x, sx step per y, sy step per y}.
   *
   * @throws IllegalArgumentException if {@code orientation} is not in 1..8
   */
  static int[] steps(int orientation) {
    if (orientation < 1 || orientation > 8) {
      throw new IllegalArgumentException("orientation must be in 1..8, but was " + orientation);
    }
    return STEPS[orientation];
  }

  private static int u16(byte[] b, int p, boolean little) {
    int b0 = b[p] & 0xFF;
    int b1 = b[p + 1] & 0xFF;
    return little ? b0 | (b1 << 8) : (b0 << 8) | b1;
  }

  private static long u32(byte[] b, int p, boolean little) {
    long lo = u16(b, little ? p : p + 2, little);
    long hi = u16(b, little ? p + 2 : p, little);
    return (hi << 16) | lo;
  }
}
