package io.mmserve.vision.image;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.SampleModel;

/**
 * A Windows or OS/2 bitmap with 1, 4 or 8-bit palette pixels (raw or RLE) or 24/32-bit pixels whose
 * colour channels are 8 bits each. These decode to the same RGB values in PIL and the JDK; bitmaps
 * with 16-bit or other bit-field pixels, whose expansion to 8 bits the two libraries do
 * differently, and embedded JPEG/PNG bitmaps are refused. The pixel data must be complete.
 */
final class BmpImage implements EncodedImage {
  private static final int BI_RGB = 0;
  private static final int BI_RLE8 = 1;
  private static final int BI_BITFIELDS = 3;
  private static final int BI_ALPHABITFIELDS = 6;

  private final byte[] data;
  private final ImageIoReaders readers;
  private int width;
  private int height;

  private BmpImage(byte[] data, ImageIoReaders readers) {
    this.data = data;
    this.readers = readers;
  }

  /**
   * Checks the headers of {@code data}, which starts with "BM", and that its pixels are all there.
   */
  static BmpImage parse(byte[] data, ImageIoReaders readers) throws BadImageException {
    BmpImage image = new BmpImage(data, readers);
    image.readHeaders();
    return image;
  }

  @Override
  public int width() {
    return width;
  }

  @Override
  public int height() {
    return height;
  }

  @Override
  public RgbImage decode() throws BadImageException {
    BufferedImage decoded = readers.readImage(readers.bmp(), data, width, height, "BMP");
    RasterRows rows = new RasterRows(decoded.getRaster());
    int bands = rows.bands();
    IndexColorModel palette = decoded.getColorModel() instanceof IndexColorModel icm ? icm : null;
    // The JDK reads a bitmap with an identity grey palette as a one-channel grey image.
    boolean gray = palette == null && bands == 1;
    if (palette == null) {
      SampleModel sm = decoded.getRaster().getSampleModel();
      if ((bands < 3 && !gray)
          || sm.getSampleSize(0) != 8
          || (!gray && (sm.getSampleSize(1) != 8 || sm.getSampleSize(2) != 8))) {
        throw new BadImageException("unsupported BMP pixel layout (channels are not 8-bit)");
      }
    }
    byte[] rgb = new byte[width * height * 3];
    for (int y = 0; y < height; y++) {
      int[] s = rows.readInts(y);
      for (int x = 0, p = 0, o = y * width * 3; x < width; x++, p += bands, o += 3) {
        if (gray) {
          rgb[o] = rgb[o + 1] = rgb[o + 2] = (byte) s[p];
        } else if (palette == null) {
          rgb[o] = (byte) s[p];
          rgb[o + 1] = (byte) s[p + 1];
          rgb[o + 2] = (byte) s[p + 2];
        } else if (s[p] < palette.getMapSize()) {
          int argb = palette.getRGB(s[p]);
          rgb[o] = (byte) (argb >> 16);
          rgb[o + 1] = (byte) (argb >> 8);
          rgb[o + 2] = (byte) argb;
        }
      }
    }
    return new RgbImage(width, height, rgb);
  }

  private void readHeaders() throws BadImageException {
    need(18);
    long pixelOffset = u32(10);
    int headerSize = (int) Math.min(u32(14), Integer.MAX_VALUE);
    int bitsPerPixel;
    int compression = BI_RGB;
    if (headerSize == 12) { // OS/2 BITMAPCOREHEADER
      need(26);
      width = u16(18);
      height = u16(20);
      bitsPerPixel = u16(24);
    } else if (headerSize >= 40) {
      need(34);
      long w = (int) u32(18);
      long h = (int) u32(22); // negative: rows stored top-down
      if (w < 0 || Math.abs(h) > Integer.MAX_VALUE) {
        throw new BadImageException("corrupt BMP header (size " + w + "x" + h + ")");
      }
      width = (int) w;
      height = (int) Math.abs(h);
      bitsPerPixel = u16(28);
      compression = (int) u32(30);
    } else {
      throw new BadImageException("unsupported BMP header of " + headerSize + " bytes");
    }
    switch (compression) {
      case BI_RGB, BI_BITFIELDS, BI_ALPHABITFIELDS -> {
        if (bitsPerPixel != 1
            && bitsPerPixel != 4
            && bitsPerPixel != 8
            && bitsPerPixel != 24
            && bitsPerPixel != 32) {
          throw new BadImageException(
              "unsupported BMP with " + bitsPerPixel + " bits per pixel (1, 4, 8, 24, 32)");
        }
        long rowBytes = ((long) bitsPerPixel * width + 31) / 32 * 4;
        if (pixelOffset + rowBytes * height > data.length) {
          throw new BadImageException("truncated BMP data (pixel rows missing)");
        }
      }
      case BI_RLE8 -> {
        long compressedSize = headerSize >= 40 ? u32(34) : 0;
        if (pixelOffset + Math.max(compressedSize, 1) > data.length) {
          throw new BadImageException("truncated BMP data (pixel data missing)");
        }
      }
      default ->
          throw new BadImageException(
              "unsupported BMP compression "
                  + compression
                  + " (raw, 8-bit RLE and bit fields are supported)");
    }
  }

  private void need(int length) throws BadImageException {
    if (data.length < length) {
      throw new BadImageException("truncated BMP data (header incomplete)");
    }
  }

  private int u16(int p) {
    return (data[p] & 0xFF) | ((data[p + 1] & 0xFF) << 8);
  }

  private long u32(int p) {
    return (u16(p) | ((long) u16(p + 2) << 16));
  }
}
