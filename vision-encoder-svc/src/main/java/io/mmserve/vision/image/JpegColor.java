package io.mmserve.vision.image;

/**
 * Colour conversions of decoded JPEG samples to RGB, reproducing PIL's results: libjpeg's integer
 * YCbCr tables (jdcolor.c, 16 fraction bits, used by libjpeg-turbo and its SIMD paths alike) and
 * Pillow's {@code cmyk2rgb}.
 */
final class JpegColor {
  private static final int SCALE_BITS = 16;
  private static final int ONE_HALF = 1 << (SCALE_BITS - 1);
  // libjpeg's conversion coefficients in 16.16 fixed point; the tables below are built from them
  private static final int R_CR = fix(1.40200);
  private static final int G_CB = -fix(0.34414);
  private static final int G_CR = -fix(0.71414);
  private static final int B_CB = fix(1.77200);
  private static final int[] CR_R = new int[256];
  private static final int[] CB_B = new int[256];
  private static final int[] CR_G = new int[256];
  private static final int[] CB_G = new int[256];

  /** Clamps v in -256..511 to 0..255 as {@code LIMIT[v + 256]}, libjpeg's range-limit table. */
  private static final byte[] LIMIT = new byte[768];

  static {
    for (int v = -256; v < 512; v++) {
      LIMIT[v + 256] = (byte) Math.max(0, Math.min(255, v));
    }
    for (int i = 0; i < 256; i++) {
      int x = i - 128;
      CR_R[i] = (R_CR * x + ONE_HALF) >> SCALE_BITS;
      CB_B[i] = (B_CB * x + ONE_HALF) >> SCALE_BITS;
      CR_G[i] = G_CR * x;
      CB_G[i] = G_CB * x + ONE_HALF;
    }
  }

  private JpegColor() {}

  private static int fix(double x) {
    return (int) (x * (1L << SCALE_BITS) + 0.5);
  }

  /**
   * Converts {@code pixels} interleaved Y, Cb, Cr triples from {@code ycc[from]} to R, G, B triples
   * at {@code out[to]} (the arrays may be the same).
   */
  static void yccToRgb(byte[] ycc, int from, byte[] out, int to, int pixels) {
    for (int i = 0, p = from, o = to; i < pixels; i++, p += 3, o += 3) {
      int y = (ycc[p] & 0xFF) + 256;
      int cb = ycc[p + 1] & 0xFF;
      int cr = ycc[p + 2] & 0xFF;
      out[o] = LIMIT[y + CR_R[cr]];
      out[o + 1] = LIMIT[y + ((CB_G[cb] + CR_G[cr]) >> SCALE_BITS)];
      out[o + 2] = LIMIT[y + CB_B[cb]];
    }
  }

  /**
   * Converts the first {@code rows} pixels of a resampler tile column (see {@link ColumnTile}),
   * held as Y, Cb and Cr runs, to R, G and B in place, with the tables' own arithmetic (each table
   * entry is this expression for one value). The main loop has no range limit, so that C2
   * vectorises it; it records whether any result left 0..255, which is rare in photos, and only
   * then are the values clamped, in a second loop.
   */
  static void yccToRgbColumn(int[] column, int rows) {
    final int g0 = ColumnTile.ROWS;
    final int b0 = 2 * ColumnTile.ROWS;
    int any = 0;
    for (int i = 0; i < rows; i++) {
      int y = column[i];
      int cb = column[g0 + i] - 128;
      int cr = column[b0 + i] - 128;
      int r = y + ((R_CR * cr + ONE_HALF) >> SCALE_BITS);
      int g = y + ((G_CB * cb + G_CR * cr + ONE_HALF) >> SCALE_BITS);
      int b = y + ((B_CB * cb + ONE_HALF) >> SCALE_BITS);
      column[i] = r;
      column[g0 + i] = g;
      column[b0 + i] = b;
      any |= r | g | b;
    }
    if ((any & ~0xFF) != 0) {
      for (int i = 0; i < rows; i++) {
        column[i] = LIMIT[column[i] + 256] & 0xFF;
        column[g0 + i] = LIMIT[column[g0 + i] + 256] & 0xFF;
        column[b0 + i] = LIMIT[column[b0 + i] + 256] & 0xFF;
      }
    }
  }

  /** Converts {@code pixels} interleaved Y, Cb, Cr triples of {@code row} to R, G, B in place. */
  static void yccToRgbRow(int[] row, int pixels) {
    for (int i = 0, p = 0; i < pixels; i++, p += 3) {
      int y = row[p] + 256;
      int cb = row[p + 1];
      int cr = row[p + 2];
      row[p] = LIMIT[y + CR_R[cr]] & 0xFF;
      row[p + 1] = LIMIT[y + ((CB_G[cb] + CR_G[cr]) >> SCALE_BITS)] & 0xFF;
      row[p + 2] = LIMIT[y + CB_B[cb]] & 0xFF;
    }
  }

  /** Replicates {@code width} grey samples into RGB at {@code out[offset]}. */
  static void grayToRgb(byte[] gray, byte[] out, int offset, int width) {
    for (int i = 0, o = offset; i < width; i++, o += 3) {
      byte v = gray[i];
      out[o] = v;
      out[o + 1] = v;
      out[o + 2] = v;
    }
  }

  /**
   * Converts {@code width} interleaved C, M, Y, K samples stored inverted (Adobe's polarity, which
   * PIL assumes for every CMYK JPEG: raw mode "CMYK;I") to RGB as Pillow's {@code cmyk2rgb}: {@code
   * r = (255 - k) - c * (255 - k) / 255}, rounded, on the complemented samples.
   */
  static void invertedCmykToRgb(byte[] cmyk, byte[] out, int offset, int width) {
    cmykToRgb(cmyk, out, offset, width, 0xFF);
  }

  /**
   * Converts {@code width} CMYK pixels stored as they are (a TIFF's raw mode "CMYK") to RGB with
   * Pillow's {@code cmyk2rgb}, as {@link #invertedCmykToRgb} does for complemented samples.
   */
  static void cmykToRgb(byte[] cmyk, byte[] out, int offset, int width) {
    cmykToRgb(cmyk, out, offset, width, 0);
  }

  private static void cmykToRgb(byte[] cmyk, byte[] out, int offset, int width, int flip) {
    for (int i = 0, p = 0, o = offset; i < width; i++, p += 4, o += 3) {
      int nk = 255 - ((cmyk[p + 3] & 0xFF) ^ flip);
      out[o] = (byte) (nk - mulDiv255((cmyk[p] & 0xFF) ^ flip, nk));
      out[o + 1] = (byte) (nk - mulDiv255((cmyk[p + 1] & 0xFF) ^ flip, nk));
      out[o + 2] = (byte) (nk - mulDiv255((cmyk[p + 2] & 0xFF) ^ flip, nk));
    }
  }

  /** Pillow's MULDIV255: {@code a * b / 255} rounded to nearest, without a division. */
  private static int mulDiv255(int a, int b) {
    int t = a * b + 128;
    return ((t >> 8) + t) >> 8;
  }
}
