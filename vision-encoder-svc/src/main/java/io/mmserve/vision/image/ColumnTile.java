package io.mmserve.vision.image;

/**
 * The resampler's transposed working copy of a block of image rows: for each source column {@code
 * x}, one int array per channel holding that column's samples down the block's rows ({@code
 * red[x][i]} is the red of row {@code i} of the block). Filled by {@link RgbImage#loadColumns}; the
 * horizontal pass then combines whole columns with vectorised multiply-adds. Not thread-safe: one
 * per resize call.
 */
final class ColumnTile {
  final int[][] red;
  final int[][] green;
  final int[][] blue;

  /** A tile of {@code columns} source columns and up to {@code rows} rows. */
  ColumnTile(int columns, int rows) {
    red = new int[columns][rows];
    green = new int[columns][rows];
    blue = new int[columns][rows];
  }
}
