package io.mmserve.vision.image;

import java.awt.image.Raster;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Optional;

/**
 * A JPEG whose marker structure has been walked: frame header, JFIF, Adobe and EXIF segments, and
 * an end-of-image marker after the entropy-coded data (a file cut short has none; libjpeg would
 * fill the missing part with grey, PIL refuses it as truncated, and so does this class).
 *
 * <p>Pixels are decoded by the JDK's libjpeg-based reader without colour conversion (its raster
 * path, which also ignores embedded ICC profiles, as PIL does), then converted here with libjpeg's
 * integer YCbCr tables and PIL's CMYK formula, which reproduces PIL's RGB values.
 */
final class JpegImage implements EncodedImage {
  private static final int SOI = 0xD8;
  private static final int EOI = 0xD9;
  private static final int SOS = 0xDA;
  private static final int APP0 = 0xE0;
  private static final int APP1 = 0xE1;
  private static final int APP14 = 0xEE;
  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private final byte[] data;
  private final ImageIoReaders readers;
  private final Optional<TurboJpeg> turbo;
  private int width;
  private int height;
  private int components;
  private final int[] componentIds = new int[4];
  private boolean sawJfif;
  private int adobeTransform = -1; // -1: no Adobe segment
  private int orientation = ExifOrientation.NORMAL;
  private boolean sawExif;
  private int markerEnd; // position after the marker most recently read by nextMarker

  private JpegImage(byte[] data, ImageIoReaders readers, Optional<TurboJpeg> turbo) {
    this.data = data;
    this.readers = readers;
    this.turbo = turbo;
  }

  /**
   * Walks the marker structure of {@code data}, which starts with the JPEG magic bytes.
   *
   * @param turbo libjpeg-turbo, which decodes grey, YCbCr and RGB JPEGs when present; CMYK and the
   *     rest, or every JPEG when it is empty, go through the JDK's ImageIO reader
   */
  static JpegImage parse(byte[] data, ImageIoReaders readers, Optional<TurboJpeg> turbo)
      throws BadImageException {
    JpegImage image = new JpegImage(data, readers, turbo);
    image.walkHeaders();
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
    return decode(null);
  }

  @Override
  public RgbImage decode(ImageScratch scratch) throws BadImageException {
    ColorSpace space = colorSpace();
    if (turbo.isPresent() && space != ColorSpace.CMYK) {
      int bytes = width * height * 3;
      byte[] buffer = scratch == null ? new byte[bytes] : scratch.decodeBuffer(bytes);
      turbo.get().decodeRgb(data, width, height, buffer);
      return ExifOrientation.apply(RgbImage.inBuffer(width, height, buffer), orientation);
    }
    Raster raster = readers.readRaster(readers.jpeg(), data, width, height, "JPEG");
    if (raster.getNumBands() != components) {
      throw new BadImageException(
          "corrupt JPEG data ("
              + raster.getNumBands()
              + " decoded channels, header says "
              + components
              + ")");
    }
    byte[] samples = new RasterRows(raster).compactBytes();
    int pixels = width * height;
    RgbImage image =
        switch (space) {
          case YCBCR -> RgbImage.ofYCbCr(width, height, samples);
          case RGB -> new RgbImage(width, height, samples);
          case GRAY -> {
            byte[] rgb = new byte[pixels * 3];
            JpegColor.grayToRgb(samples, rgb, 0, pixels);
            yield new RgbImage(width, height, rgb);
          }
          case CMYK -> {
            byte[] rgb = new byte[pixels * 3];
            JpegColor.invertedCmykToRgb(samples, rgb, 0, pixels);
            yield new RgbImage(width, height, rgb);
          }
        };
    return ExifOrientation.apply(image, orientation);
  }

  /** How the stored components are to be read, by libjpeg's rules (jdapimin.c). */
  private enum ColorSpace {
    GRAY,
    YCBCR,
    RGB,
    /** CMYK, which PIL always reads with Adobe's inverted polarity, marker or not. */
    CMYK
  }

  private ColorSpace colorSpace() throws BadImageException {
    switch (components) {
      case 1:
        return ColorSpace.GRAY;
      case 3:
        if (sawJfif) {
          return ColorSpace.YCBCR;
        }
        if (adobeTransform >= 0) {
          return adobeTransform == 0 ? ColorSpace.RGB : ColorSpace.YCBCR;
        }
        if (componentIds[0] == 'R' && componentIds[1] == 'G' && componentIds[2] == 'B') {
          return ColorSpace.RGB;
        }
        return ColorSpace.YCBCR;
      case 4:
        if (adobeTransform <= 0) {
          return ColorSpace.CMYK;
        }
        throw new BadImageException(
            "unsupported JPEG colour space YCCK (Adobe transform "
                + adobeTransform
                + "); send RGB or CMYK");
      default:
        throw new BadImageException(
            "unsupported JPEG with " + components + " colour components (1, 3 or 4 supported)");
    }
  }

  private void walkHeaders() throws BadImageException {
    int p = 2; // after SOI
    boolean sawFrame = false;
    while (true) {
      int marker = nextMarker(p);
      p = markerEnd;
      if (marker == SOS) {
        if (!sawFrame) {
          throw new BadImageException("corrupt JPEG data (scan before frame header)");
        }
        int length = segmentLength(p, marker);
        findEndOfImage(p + length);
        return;
      }
      if (marker == EOI) {
        throw new BadImageException("corrupt JPEG data (no image data before end-of-image)");
      }
      if (marker == SOI) {
        throw new BadImageException("corrupt JPEG data (second start-of-image marker)");
      }
      if ((marker >= 0xD0 && marker <= 0xD7) || marker == 0x01) {
        continue; // stray stand-alone markers without a length, which libjpeg tolerates
      }
      int length = segmentLength(p, marker);
      int payload = p + 2;
      int payloadLength = length - 2;
      if (isFrameHeader(marker)) {
        if (sawFrame) {
          throw new BadImageException("corrupt JPEG data (second frame header)");
        }
        sawFrame = true;
        readFrame(marker, payload, payloadLength);
      } else if (marker == APP0) {
        sawJfif |= payloadLength >= 14 && startsWith(payload, "JFIF\0");
      } else if (marker == APP1 && !sawExif && startsWith(payload, "Exif\0\0")) {
        sawExif = true; // PIL reads the first Exif segment only
        orientation = ExifOrientation.read(data, payload + 6, payloadLength - 6);
      } else if (marker == APP14 && payloadLength >= 12 && startsWith(payload, "Adobe")) {
        adobeTransform = data[payload + 11] & 0xFF;
      }
      p += length;
    }
  }

  /** Reads the marker at {@code p}, skipping fill bytes; sets {@link #markerEnd}. */
  private int nextMarker(int p) throws BadImageException {
    if (p >= data.length) {
      throw truncated("header ends early");
    }
    if ((data[p] & 0xFF) != 0xFF) {
      throw new BadImageException("corrupt JPEG data (expected a marker at byte " + p + ")");
    }
    while (p < data.length && (data[p] & 0xFF) == 0xFF) {
      p++;
    }
    if (p >= data.length) {
      throw truncated("header ends early");
    }
    markerEnd = p + 1;
    return data[p] & 0xFF;
  }

  private int segmentLength(int p, int marker) throws BadImageException {
    if (p + 2 > data.length) {
      throw truncated("header ends early");
    }
    int length = ((data[p] & 0xFF) << 8) | (data[p + 1] & 0xFF);
    if (length < 2) {
      throw new BadImageException(
          "corrupt JPEG data (segment 0x"
              + Integer.toHexString(marker)
              + " has length "
              + length
              + ")");
    }
    if (p + length > data.length) {
      throw truncated("header ends early");
    }
    return length;
  }

  private static boolean isFrameHeader(int marker) {
    return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
  }

  private void readFrame(int marker, int p, int length) throws BadImageException {
    switch (marker) {
      case 0xC0, 0xC1, 0xC2 -> {
        // baseline, extended sequential and progressive Huffman: what libjpeg decodes
      }
      case 0xC3 -> throw new BadImageException("unsupported JPEG process (lossless)");
      case 0xC9, 0xCA, 0xCB ->
          throw new BadImageException("unsupported JPEG process (arithmetic coding)");
      default -> throw new BadImageException("unsupported JPEG process (hierarchical)");
    }
    if (length < 6) {
      throw new BadImageException("corrupt JPEG data (short frame header)");
    }
    int precision = data[p] & 0xFF;
    height = ((data[p + 1] & 0xFF) << 8) | (data[p + 2] & 0xFF);
    width = ((data[p + 3] & 0xFF) << 8) | (data[p + 4] & 0xFF);
    components = data[p + 5] & 0xFF;
    if (precision != 8) {
      throw new BadImageException(
          "unsupported JPEG sample precision " + precision + " bits (8 supported)");
    }
    if (length < 6 + 3 * components) {
      throw new BadImageException("corrupt JPEG data (short frame header)");
    }
    for (int c = 0; c < Math.min(components, 4); c++) {
      componentIds[c] = data[p + 6 + 3 * c] & 0xFF;
    }
  }

  /**
   * Skips the entropy-coded data and the segments between progressive scans until the end-of-image
   * marker; its absence means the file was cut short.
   */
  private void findEndOfImage(int p) throws BadImageException {
    int n = data.length;
    while (true) {
      p = nextFF(data, p);
      if (p >= n) {
        break;
      }
      int q = p + 1;
      while (q < n && (data[q] & 0xFF) == 0xFF) {
        q++;
      }
      if (q >= n) {
        break;
      }
      int marker = data[q] & 0xFF;
      if (marker == EOI) {
        return;
      }
      if (marker == 0x00 || (marker >= 0xD0 && marker <= 0xD7)) {
        p = q + 1; // stuffed 0xFF data byte or restart marker
        continue;
      }
      // A marker segment between scans (SOS, DHT, DQT, DRI, DNL, APPn, COM).
      if (q + 3 > n) {
        break;
      }
      int length = ((data[q + 1] & 0xFF) << 8) | (data[q + 2] & 0xFF);
      if (length < 2) {
        throw new BadImageException(
            "corrupt JPEG data (segment 0x"
                + Integer.toHexString(marker)
                + " has length "
                + length
                + ")");
      }
      p = q + 1 + length;
    }
    throw truncated("no end-of-image marker");
  }

  /**
   * The index of the first 0xFF byte of {@code data} at or after {@code p}, or {@code data.length}.
   * Reads eight bytes at a time: entropy-coded data, most of a JPEG, has few 0xFF bytes.
   */
  static int nextFF(byte[] data, int p) {
    int n = data.length;
    for (; p <= n - Long.BYTES; p += Long.BYTES) {
      long inverted = ~(long) LONGS.get(data, p); // 0xFF bytes become zero bytes
      // The classic zero-byte test; its lowest set bit marks the first zero byte exactly.
      long zeros = (inverted - 0x0101010101010101L) & ~inverted & 0x8080808080808080L;
      if (zeros != 0) {
        return p + (Long.numberOfTrailingZeros(zeros) >>> 3);
      }
    }
    while (p < n && data[p] != (byte) 0xFF) {
      p++;
    }
    return p;
  }

  private boolean startsWith(int p, String ascii) {
    if (p + ascii.length() > data.length) {
      return false;
    }
    for (int i = 0; i < ascii.length(); i++) {
      if (data[p + i] != ascii.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  private static BadImageException truncated(String why) {
    return new BadImageException("truncated JPEG data (" + why + ")");
  }
}
