package io.mmserve.vision.image;

import java.util.Arrays;

/**
 * PIL's 8-bit separable resampler (Pillow {@code ImagingResampleInner}): a horizontal pass into an
 * 8-bit intermediate, then a vertical pass, each rounding and clamping to 8 bits, with a pass
 * skipped when its axis keeps its size. Results are bit-identical to {@code Image.resize}.
 *
 * <p>Only a window of the resized image is computed (the centre crop), which gives the same pixels
 * as resizing everything and cropping afterwards, because every output pixel depends only on its
 * own row and column taps.
 *
 * <p>The image is streamed in blocks of {@link ColumnTile#ROWS} source rows: each block is
 * resampled horizontally, and each of its rows is added, weighted, to the sums of the output rows
 * whose taps cover it. So the working memory is one block and the output's sums, however tall the
 * photo, and it comes from an {@link ImageScratch} that the next image reuses. The sums are PIL's
 * int32 sums of the same terms, added in another order, which integer addition does not notice.
 *
 * <p>Both passes are shaped so that HotSpot's C2 vectorises their inner loop, {@code acc[j] +=
 * samples[j] * weight} over int arrays indexed from 0: C2 vectorises neither loads and stores of
 * one type whose relative alignment it cannot prove (an offset into one of the arrays is enough)
 * nor byte-to-int widening. So the horizontal pass works on a transposed {@link ColumnTile} and the
 * 8-bit intermediate is held in int rows for the vertical pass.
 */
final class PilResampler {
  private PilResampler() {}

  /**
   * As {@link #resizeWindow(RgbImage, ResampleCoefficients, ResampleCoefficients, ImageScratch)}.
   */
  static RgbImage resizeWindow(
      RgbImage src, ResampleCoefficients horizontal, ResampleCoefficients vertical) {
    return resizeWindow(src, horizontal, vertical, new ImageScratch());
  }

  /**
   * Resizes {@code src} to {@code horizontal.outSize() x vertical.outSize()} and returns the window
   * of it that the coefficients cover: columns from {@code horizontal.firstOutput()}, rows from
   * {@code vertical.firstOutput()}. The result is a new image; only the working memory is {@code
   * scratch}'s.
   */
  static RgbImage resizeWindow(
      RgbImage src,
      ResampleCoefficients horizontal,
      ResampleCoefficients vertical,
      ImageScratch scratch) {
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
    int[][] block = scratch.rows(samplesPerRow);
    Block source = new Block(src, horizontal, scratch);

    if (!vertical.resizes()) {
      // Each source row of the window is an output row.
      int firstRow = (int) vertical.firstOutput();
      for (int y = 0; y < height; y += ColumnTile.ROWS) {
        int blockRows = Math.min(ColumnTile.ROWS, height - y);
        source.load(firstRow + y, blockRows, block);
        for (int r = 0, d = y * samplesPerRow; r < blockRows; r++) {
          int[] row = block[r];
          for (int j = 0; j < samplesPerRow; j++) {
            out[d++] = (byte) row[j]; // already 0..255
          }
        }
      }
      return new RgbImage(width, height, out);
    }

    int[] k = vertical.weights();
    int taps = vertical.taps();
    int[][] sums = scratch.sums(height, samplesPerRow);
    for (int i = 0; i < height; i++) {
      Arrays.fill(sums[i], 0, samplesPerRow, ResampleCoefficients.HALF);
    }
    // The source rows under the vertical taps: first(i) and first(i) + count(i) grow with i.
    int firstRow = vertical.first(0);
    int endRow = vertical.first(height - 1) + vertical.count(height - 1);
    int lowest = 0; // the first output row whose taps have not all been added
    for (int y = firstRow; y < endRow; y += ColumnTile.ROWS) {
      int blockRows = Math.min(ColumnTile.ROWS, endRow - y);
      source.load(y, blockRows, block);
      for (int r = 0; r < blockRows; r++) {
        int sy = y + r;
        while (lowest < height && vertical.first(lowest) + vertical.count(lowest) <= sy) {
          lowest++;
        }
        for (int i = lowest; i < height && vertical.first(i) <= sy; i++) {
          int t = sy - vertical.first(i);
          if (t < vertical.count(i)) {
            multiplyAdd(sums[i], block[r], k[i * taps + t], samplesPerRow);
          }
        }
      }
    }
    for (int i = 0, d = 0; i < height; i++) {
      int[] sum = sums[i];
      for (int j = 0; j < samplesPerRow; j++) {
        out[d++] = (byte) ResampleCoefficients.clip8(sum[j]);
      }
    }
    return new RgbImage(width, height, out);
  }

  /**
   * Loads blocks of source rows, the window's columns only, RGB interleaved, 0..255: horizontally
   * resampled if that axis resizes, as they are otherwise.
   */
  private static final class Block {
    private final RgbImage src;
    private final ResampleCoefficients c;
    private final int x0;
    private final int n; // source columns under the horizontal taps
    private final ColumnTile tile;
    private final int[] acc;

    Block(RgbImage src, ResampleCoefficients c, ImageScratch scratch) {
      this.src = src;
      this.c = c;
      if (c.resizes()) {
        int x1 = 0;
        for (int i = 0; i < c.outputs(); i++) {
          x1 = Math.max(x1, c.first(i) + c.count(i));
        }
        this.x0 = c.first(0);
        this.n = x1 - x0;
        this.tile = scratch.tile(n);
        this.acc = new int[ColumnTile.LENGTH];
      } else {
        this.x0 = (int) c.firstOutput();
        this.n = c.outputs();
        this.tile = null;
        this.acc = null;
      }
    }

    /** Loads source rows {@code y .. y + blockRows - 1} into {@code rows[0 .. blockRows)}. */
    void load(int y, int blockRows, int[][] rows) {
      if (tile == null) {
        for (int r = 0; r < blockRows; r++) {
          src.loadRow(y + r, x0, n, rows[r]);
        }
        return;
      }
      resample(y, blockRows, rows);
    }

    /**
     * Resamples the block horizontally: its rows are transposed into a tile of one int array per
     * source column holding its R, G and B samples down the block. Each output column of the block
     * is then a weighted sum of whole tile columns, one vectorised multiply-add per tap, instead of
     * a scalar dot product per row and channel as in PIL.
     */
    private void resample(int y, int blockRows, int[][] rows) {
      int width = c.outputs();
      int[][] columns = tile.columns;
      int[] k = c.weights();
      int taps = c.taps();
      src.loadColumns(y, blockRows, x0, n, tile);
      // In a short block the lanes of missing rows hold stale samples; their sums are unused.
      for (int i = 0; i < width; i++) {
        Arrays.fill(acc, ResampleCoefficients.HALF);
        int kb = i * taps;
        int f = c.first(i) - x0;
        for (int t = 0, count = c.count(i); t < count; t++) {
          multiplyAdd(acc, columns[f + t], k[kb + t], ColumnTile.LENGTH);
        }
        int j = i * 3;
        for (int r = 0; r < blockRows; r++) {
          int[] row = rows[r];
          row[j] = ResampleCoefficients.clip8(acc[r]);
          row[j + 1] = ResampleCoefficients.clip8(acc[ColumnTile.ROWS + r]);
          row[j + 2] = ResampleCoefficients.clip8(acc[2 * ColumnTile.ROWS + r]);
        }
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
