package io.mmserve.vision.image;

import java.util.Arrays;

/**
 * PIL's 8-bit separable resampler (Pillow {@code ImagingResampleInner}): a horizontal pass into an
 * 8-bit intermediate, then a vertical pass, each rounding and clamping to 8 bits, with a pass
 * skipped when its axis keeps its size. Results are bit-identical to {@code Image.resize}.
 *
 * <p>Only a window of the resized image is computed (the centre crop), which gives the same pixels
 * as resizing everything and cropping afterwards, because every output pixel depends only on its
 * own row and column taps. Stateless; each call allocates only its row buffers, the intermediate
 * image and the result, never per pixel.
 */
final class PilResampler {
  /** Source rows resampled together by the horizontal pass; a multiple of the vector width. */
  static final int BLOCK_ROWS = 128;

  private PilResampler() {}

  /**
   * Resizes {@code src} to {@code horizontal.outSize() x vertical.outSize()} and returns the window
   * of it that the coefficients cover: columns from {@code horizontal.firstOutput()}, rows from
   * {@code vertical.firstOutput()}.
   */
  static RgbImage resizeWindow(
      RgbImage src, ResampleCoefficients horizontal, ResampleCoefficients vertical) {
    if (horizontal.inSize() != src.width() || vertical.inSize() != src.height()) {
      throw new IllegalArgumentException(
          "coefficients for "
              + horizontal.inSize()
              + "x"
              + vertical.inSize()
              + " do not fit a "
              + src.width()
              + "x"
              + src.height()
              + " image");
    }
    int width = horizontal.outputs();
    int height = vertical.outputs();

    // Source rows the window needs: those under the vertical taps, or the window's own rows.
    int firstRow;
    int endRow;
    if (vertical.resizes()) {
      firstRow = vertical.first(0);
      endRow = 0;
      for (int i = 0; i < height; i++) {
        endRow = Math.max(endRow, vertical.first(i) + vertical.count(i));
      }
    } else {
      firstRow = (int) vertical.firstOutput();
      endRow = firstRow + height;
    }

    // The horizontally resampled rows (or the source itself), as array, row stride and the index
    // of the window's first column in source row 0.
    byte[] rows;
    int rowStride;
    int rowBase;
    if (horizontal.resizes()) {
      rows = new byte[(endRow - firstRow) * width * 3];
      horizontalPass(src, horizontal, firstRow, endRow, rows);
      rowStride = width * 3;
      rowBase = -firstRow * rowStride;
    } else {
      rows = src.pixels(); // converts a YCbCr-held image once
      rowStride = src.width() * 3;
      rowBase = (int) horizontal.firstOutput() * 3;
    }

    byte[] out = new byte[width * height * 3];
    if (vertical.resizes()) {
      verticalPass(rows, rowStride, rowBase, vertical, width, out);
    } else {
      for (int y = 0; y < height; y++) {
        System.arraycopy(rows, rowBase + (firstRow + y) * rowStride, out, y * width * 3, width * 3);
      }
    }
    return new RgbImage(width, height, out);
  }

  /**
   * Resamples source rows {@code firstRow .. endRow - 1} horizontally into {@code dst}, window
   * columns only, RGB interleaved.
   *
   * <p>Rows are processed in blocks of up to {@link #BLOCK_ROWS}, transposed on loading into a
   * column-major tile: the R, G and B samples of one source column across the block's rows lie next
   * to each other ({@code tile[x * lane + c * block + r]}). Each output column is then a weighted
   * sum of whole tile columns, an int multiply-add over {@code 3 * block} consecutive samples that
   * the JIT vectorises, instead of a scalar dot product per row and channel. The sums are PIL's
   * (int32, same order-independent terms), so results are unchanged.
   */
  private static void horizontalPass(
      RgbImage src, ResampleCoefficients c, int firstRow, int endRow, byte[] dst) {
    int width = c.outputs();
    int x0 = c.first(0);
    int x1 = 0;
    for (int i = 0; i < width; i++) {
      x1 = Math.max(x1, c.first(i) + c.count(i));
    }
    int n = x1 - x0;
    int block = Math.min(BLOCK_ROWS, endRow - firstRow);
    int lane = 3 * block;
    int[] tile = new int[n * lane];
    int[] acc = new int[lane];
    int[] k = c.weights();
    int taps = c.taps();
    int rowBytes = width * 3;
    for (int y = firstRow; y < endRow; y += block) {
      int rows = Math.min(block, endRow - y);
      for (int r = 0; r < rows; r++) {
        src.loadColumns(y + r, x0, n, tile, r, block);
      }
      // In a last, short block the lanes of missing rows hold stale samples; their sums are unused.
      int rowStart = (y - firstRow) * rowBytes;
      for (int i = 0; i < width; i++) {
        Arrays.fill(acc, ResampleCoefficients.HALF);
        int kb = i * taps;
        int count = c.count(i);
        int base = (c.first(i) - x0) * lane;
        for (int t = 0; t < count; t++, base += lane) {
          int w = k[kb + t];
          for (int j = 0; j < lane; j++) {
            acc[j] += tile[base + j] * w;
          }
        }
        int d = rowStart + i * 3;
        for (int r = 0; r < rows; r++, d += rowBytes) {
          dst[d] = (byte) ResampleCoefficients.clip8(acc[r]);
          dst[d + 1] = (byte) ResampleCoefficients.clip8(acc[block + r]);
          dst[d + 2] = (byte) ResampleCoefficients.clip8(acc[2 * block + r]);
        }
      }
    }
  }

  /** Resamples the window's columns of {@code rows} vertically into {@code dst}. */
  private static void verticalPass(
      byte[] rows, int rowStride, int rowBase, ResampleCoefficients c, int width, byte[] dst) {
    int[] k = c.weights();
    int taps = c.taps();
    int samplesPerRow = width * 3;
    int[] acc = new int[samplesPerRow];
    int d = 0;
    for (int yy = 0; yy < c.outputs(); yy++) {
      Arrays.fill(acc, ResampleCoefficients.HALF);
      int first = c.first(yy);
      int count = c.count(yy);
      int kBase = yy * taps;
      // Row-major accumulation: each tap adds one whole input row, a loop the JIT vectorises.
      for (int y = 0; y < count; y++) {
        int w = k[kBase + y];
        int p = rowBase + (first + y) * rowStride;
        for (int i = 0; i < samplesPerRow; i++) {
          acc[i] += (rows[p + i] & 0xFF) * w;
        }
      }
      for (int i = 0; i < samplesPerRow; i++) {
        dst[d++] = (byte) ResampleCoefficients.clip8(acc[i]);
      }
    }
  }
}
