package io.mmserve.vision.image;

/**
 * The resampler's transposed working copy of a block of up to {@link #ROWS} image rows: one int
 * array per source column holding that column's samples down the block, as three runs of {@link
 * #ROWS} (R, then G, then B): {@code columns[x][c * ROWS + i]} is channel {@code c} of row {@code
 * i} of the block. Filled by {@link RgbImage#loadColumns}; the horizontal pass then combines whole
 * columns with vectorised multiply-adds. Not thread-safe: one per resize call.
 */
final class ColumnTile {
  /**
   * Rows per block, the length of each channel's run: a multiple of 64 so that C2's vectorised
   * loops (16 int lanes, unrolled four times) need no scalar tail, and small enough that a tile of
   * a few hundred columns stays in the L2 cache.
   */
  static final int ROWS = 128;

  /** Length of a column array: the three channel runs. */
  static final int LENGTH = 3 * ROWS;

  final int[][] columns;

  /** A tile of {@code columns} source columns. */
  ColumnTile(int columns) {
    this.columns = new int[columns][LENGTH];
  }
}
