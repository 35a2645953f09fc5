package io.mmserve.vision.image;

/**
 * The working memory of decoding and resizing one image, kept for the next image on the same
 * thread: the decoded pixels and the resampler's tile, rows and sums. Reusing it means a photo
 * leaves behind only its small crop, so a busy encoder's young collections find nearly nothing
 * alive and promote nothing, instead of promoting the buffers of images in flight and filling the
 * old generation. A buffer over {@link #MAX_RETAINED_BYTES} (a photo of more than about 2.8
 * megapixels) is allocated for its image only and then dropped, so a rare large photo does not pin
 * its memory.
 *
 * <p>Not thread-safe: one per thread ({@code ThreadLocal.withInitial(ImageScratch::new)}). An image
 * decoded into it ({@link ImageDecoder#decode(int, byte[], ImageScratch)}) is valid until the
 * scratch is used again.
 */
public final class ImageScratch {
  /** The largest buffer of each kind kept between images: 8 MiB. */
  static final long MAX_RETAINED_BYTES = 8L << 20;

  private byte[] decoded = new byte[0];
  private ColumnTile tile = new ColumnTile(0);
  private int[][] rows = new int[0][];
  private int[][] sums = new int[0][];

  /** A buffer of at least {@code bytes} for decoded pixels. */
  byte[] decodeBuffer(int bytes) {
    if (decoded.length >= bytes) {
      return decoded;
    }
    byte[] buffer = new byte[bytes];
    if (bytes <= MAX_RETAINED_BYTES) {
      decoded = buffer;
    }
    return buffer;
  }

  /** A tile of at least {@code columns} columns. */
  ColumnTile tile(int columns) {
    if (tile.columns.length >= columns) {
      return tile;
    }
    ColumnTile t = new ColumnTile(columns);
    if ((long) columns * ColumnTile.LENGTH * Integer.BYTES <= MAX_RETAINED_BYTES) {
      tile = t;
    }
    return t;
  }

  /** {@link ColumnTile#ROWS} rows of at least {@code length} ints: one block of resampled rows. */
  int[][] rows(int length) {
    if (fits(rows, ColumnTile.ROWS, length)) {
      return rows;
    }
    int[][] r = new int[ColumnTile.ROWS][length];
    if (retainable(ColumnTile.ROWS, length)) {
      rows = r;
    }
    return r;
  }

  /** {@code count} rows of at least {@code length} ints: the sums of the output rows. */
  int[][] sums(int count, int length) {
    if (fits(sums, count, length)) {
      return sums;
    }
    int[][] s = new int[count][length];
    if (retainable(count, length)) {
      sums = s;
    }
    return s;
  }

  private static boolean fits(int[][] arrays, int count, int length) {
    return arrays.length >= count && (count == 0 || arrays[0].length >= length);
  }

  private static boolean retainable(int count, int length) {
    return (long) count * length * Integer.BYTES <= MAX_RETAINED_BYTES;
  }
}
