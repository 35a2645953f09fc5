package io.mmserve.vision.image;

import java.util.Arrays;

/**
 * PIL's 8-bit separable resampler (Pillow {@code ImagingResampleInner}): a horizontal pass into an
 * 8-bit intermediate, then a vertical pass, each rounding and clamping to 8 bits, with a pass
 * skipped when its axis keeps its size. Results are bit-identical to {@code Image.resize}.
 *
 * <p>Only a window of the resized image is computed (the centre crop), which gives the same pixels
 * as resizing everything and cropping afterwards, because every output pixel depends only on its
 * own row and column taps. Stateless; each call allocates only its working arrays and the result.
 *
 * <p>Both passes are shaped so that HotSpot's C2 vectorises their inner loop, {@code acc[j] +=
 * samples[j] * weight} over int arrays indexed from 0: on JDK 17, C2 vectorises neither loads and
 * stores of one type whose relative alignment it cannot prove (an offset into one of the arrays is
 * enough) nor byte-to-int widening. So the horizontal pass works on a transposed {@link ColumnTile}
 * and the 8-bit intermediate is held in int rows for the vertical pass. The sums are PIL's int32
 * sums of the same terms, so the results are unchanged.
 */
final class PilResampler {
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
    int samplesPerRow = width * 3;
    byte[] out = new byte[height * samplesPerRow];

    if (!horizontal.resizes() && !vertical.resizes()) {
      byte[] pixels = src.pixels(); // converts a YCbCr-held image once
      int stride = src.width() * 3;
      int base = (int) vertical.firstOutput() * stride + (int) horizontal.firstOutput() * 3;
      for (int y = 0; y < height; y++) {
        System.arraycopy(pixels, base + y * stride, out, y * samplesPerRow, samplesPerRow);
      }
      return new RgbImage(width, height, out);
    }

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

    // The window's columns of those rows, horizontally resampled if that axis resizes.
    int[][] rows = new int[endRow - firstRow][samplesPerRow];
    if (horizontal.resizes()) {
      horizontalPass(src, horizontal, firstRow, endRow, rows);
    } else {
      byte[] pixels = src.pixels();
      int stride = src.width() * 3;
      int base = (int) horizontal.firstOutput() * 3;
      for (int y = firstRow; y < endRow; y++) {
        int[] row = rows[y - firstRow];
        for (int j = 0, p = base + y * stride; j < samplesPerRow; j++, p++) {
          row[j] = pixels[p] & 0xFF;
        }
      }
    }

    if (vertical.resizes()) {
      verticalPass(rows, firstRow, vertical, samplesPerRow, out);
    } else {
      for (int y = 0, d = 0; y < height; y++) {
        int[] row = rows[y];
        for (int j = 0; j < samplesPerRow; j++) {
          out[d++] = (byte) row[j]; // already clipped to 0..255 by the horizontal pass
        }
      }
    }
    return new RgbImage(width, height, out);
  }

  /**
   * Resamples source rows {@code firstRow .. endRow - 1} horizontally into {@code rows} (row {@code
   * y} at {@code rows[y - firstRow]}), window columns only, RGB interleaved, clipped to 0..255.
   *
   * <p>Rows are processed in blocks of up to {@link ColumnTile#ROWS}, transposed into a tile of one
   * int array per source column holding its R, G and B samples down the block. Each output column
   * of the block is then a weighted sum of whole tile columns, one vectorised multiply-add per tap,
   * instead of a scalar dot product per row and channel as in PIL.
   */
  private static void horizontalPass(
      RgbImage src, ResampleCoefficients c, int firstRow, int endRow, int[][] rows) {
    int width = c.outputs();
    int x0 = c.first(0);
    int x1 = 0;
    for (int i = 0; i < width; i++) {
      x1 = Math.max(x1, c.first(i) + c.count(i));
    }
    int n = x1 - x0;
    ColumnTile tile = new ColumnTile(n);
    int[][] columns = tile.columns;
    int[] acc = new int[ColumnTile.LENGTH];
    int[] k = c.weights();
    int taps = c.taps();
    for (int y = firstRow; y < endRow; y += ColumnTile.ROWS) {
      int blockRows = Math.min(ColumnTile.ROWS, endRow - y);
      src.loadColumns(y, blockRows, x0, n, tile);
      // In a short last block the lanes of missing rows hold stale samples; their sums are unused.
      for (int i = 0; i < width; i++) {
        Arrays.fill(acc, ResampleCoefficients.HALF);
        int kb = i * taps;
        int f = c.first(i) - x0;
        for (int t = 0, count = c.count(i); t < count; t++) {
          multiplyAdd(acc, columns[f + t], k[kb + t], ColumnTile.LENGTH);
        }
        int j = i * 3;
        for (int r = 0; r < blockRows; r++) {
          int[] row = rows[y - firstRow + r];
          row[j] = ResampleCoefficients.clip8(acc[r]);
          row[j + 1] = ResampleCoefficients.clip8(acc[ColumnTile.ROWS + r]);
          row[j + 2] = ResampleCoefficients.clip8(acc[2 * ColumnTile.ROWS + r]);
        }
      }
    }
  }

  /**
   * Resamples the window's {@code rows} (source row {@code y} at {@code rows[y - firstRow]})
   * vertically into {@code dst}: each output row is a weighted sum of whole input rows.
   */
  private static void verticalPass(
      int[][] rows, int firstRow, ResampleCoefficients c, int samplesPerRow, byte[] dst) {
    int[] k = c.weights();
    int taps = c.taps();
    int[] acc = new int[samplesPerRow];
    int d = 0;
    for (int yy = 0; yy < c.outputs(); yy++) {
      Arrays.fill(acc, ResampleCoefficients.HALF);
      int first = c.first(yy) - firstRow;
      int kb = yy * taps;
      for (int t = 0, count = c.count(yy); t < count; t++) {
        multiplyAdd(acc, rows[first + t], k[kb + t], samplesPerRow);
      }
      for (int j = 0; j < samplesPerRow; j++) {
        dst[d++] = (byte) ResampleCoefficients.clip8(acc[j]);
      }
    }
  }

  /** {@code acc[j] += samples[j] * weight} for {@code j < n}: the loop C2 vectorises. */
  private static void multiplyAdd(int[] acc, int[] samples, int weight, int n) {
    for (int j = 0; j < n; j++) {
      acc[j] += samples[j] * weight;
    }
  }
}
