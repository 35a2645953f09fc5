package io.mmserve.vision.image;

import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBuffer;
import java.awt.image.DataBufferByte;
import java.awt.image.Raster;
import java.awt.image.SampleModel;

/**
 * Reads a raster's raw samples row by row, pixel-interleaved, without colour-model conversion. Byte
 * rasters in a component layout (what the JDK's JPEG and PNG readers produce for 8-bit data) are
 * copied straight from the data buffer; anything else goes through {@link Raster#getPixels}.
 */
final class RasterRows {
  private final Raster raster;
  private final int width;
  private final int bands;
  private final byte[] bytes; // non-null on the fast path
  private final int pixelStride;
  private final int scanlineStride;
  private final int[] bandOffsets;
  private final int origin;
  private int[] scratch;

  RasterRows(Raster raster) {
    this.raster = raster;
    this.width = raster.getWidth();
    this.bands = raster.getNumBands();
    SampleModel sm = raster.getSampleModel();
    DataBuffer buffer = raster.getDataBuffer();
    if (sm instanceof ComponentSampleModel csm
        && buffer instanceof DataBufferByte byteBuffer
        && byteBuffer.getNumBanks() == 1
        && allZero(csm.getBankIndices())) {
      this.bytes = byteBuffer.getData();
      this.pixelStride = csm.getPixelStride();
      this.scanlineStride = csm.getScanlineStride();
      this.bandOffsets = csm.getBandOffsets();
      int tx = raster.getMinX() - raster.getSampleModelTranslateX();
      int ty = raster.getMinY() - raster.getSampleModelTranslateY();
      this.origin = byteBuffer.getOffset() + ty * scanlineStride + tx * pixelStride;
    } else {
      this.bytes = null;
      this.pixelStride = 0;
      this.scanlineStride = 0;
      this.bandOffsets = null;
      this.origin = 0;
    }
  }

  int bands() {
    return bands;
  }

  /**
   * All samples, row by row and pixel-interleaved without padding: the raster's own array when it
   * is laid out that way already (as the JDK's JPEG reader produces it), otherwise a copy.
   */
  byte[] compactBytes() {
    int rowLength = width * bands;
    int length = rowLength * raster.getHeight();
    if (bytes != null
        && origin == 0
        && pixelStride == bands
        && scanlineStride == rowLength
        && isIdentity(bandOffsets)
        && bytes.length == length) {
      return bytes;
    }
    byte[] out = new byte[length];
    byte[] row = new byte[rowLength];
    for (int y = 0; y < raster.getHeight(); y++) {
      read(y, row);
      System.arraycopy(row, 0, out, y * rowLength, rowLength);
    }
    return out;
  }

  /** Copies row {@code y} (0-based) into {@code out} as {@code width * bands} 8-bit samples. */
  void read(int y, byte[] out) {
    if (bytes != null) {
      int rowStart = origin + y * scanlineStride;
      if (pixelStride == bands && isIdentity(bandOffsets)) {
        System.arraycopy(bytes, rowStart, out, 0, width * bands);
        return;
      }
      for (int x = 0, o = 0; x < width; x++) {
        int p = rowStart + x * pixelStride;
        for (int b = 0; b < bands; b++) {
          out[o++] = bytes[p + bandOffsets[b]];
        }
      }
      return;
    }
    int[] s = readInts(y);
    for (int i = 0; i < width * bands; i++) {
      out[i] = (byte) s[i];
    }
  }

  /** Row {@code y} as {@code width * bands} samples; the array is reused by the next call. */
  int[] readInts(int y) {
    if (scratch == null) {
      scratch = new int[width * bands];
    }
    return raster.getPixels(raster.getMinX(), raster.getMinY() + y, width, 1, scratch);
  }

  private static boolean allZero(int[] values) {
    for (int v : values) {
      if (v != 0) {
        return false;
      }
    }
    return true;
  }

  private static boolean isIdentity(int[] offsets) {
    for (int i = 0; i < offsets.length; i++) {
      if (offsets[i] != i) {
        return false;
      }
    }
    return true;
  }
}
