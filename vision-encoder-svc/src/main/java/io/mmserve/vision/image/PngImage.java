package io.mmserve.vision.image;

import java.awt.image.BufferedImage;
import java.util.zip.CRC32;

/**
 * A PNG whose chunk structure has been walked: IHDR first, every chunk complete, header chunks with
 * valid CRCs (as PIL checks them), image data present and an IEND chunk at the end (its absence
 * means the file was cut short).
 *
 * <p>Pixels are decoded by the JDK's PNG reader and read as raw samples (no gamma or ICC handling,
 * as in PIL), then converted as PIL's {@code convert("RGB")} does: grey replicated (1/2/4-bit grey
 * scaled to 0-255), alpha and tRNS ignored, palette indices looked up in PLTE (indices past its end
 * are black), 16-bit colour and grey+alpha reduced to their high byte, and 16-bit grey clipped to
 * 255 (PIL opens it as mode "I;16", whose RGB conversion saturates).
 */
final class PngImage implements EncodedImage {
  private static final int GRAY = 0;
  private static final int RGB = 2;
  private static final int PALETTE = 3;
  private static final int GRAY_ALPHA = 4;
  private static final int RGBA = 6;

  private final byte[] data;
  private final ImageIoReaders readers;
  private int width;
  private int height;
  private int bitDepth;
  private int colorType;
  private byte[] palette = new byte[0];
  private int orientation = ExifOrientation.NORMAL;
  private int sampleBits; // bits per sample in the decoded raster

  private PngImage(byte[] data, ImageIoReaders readers) {
    this.data = data;
    this.readers = readers;
  }

  /** Walks the chunks of {@code data}, which starts with the PNG signature. */
  static PngImage parse(byte[] data, ImageIoReaders readers) throws BadImageException {
    PngImage image = new PngImage(data, readers);
    image.walkChunks();
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
    BufferedImage decoded = readers.readImage(readers.png(), data, width, height, "PNG");
    RasterRows rows = new RasterRows(decoded.getRaster());
    int needed = colorType == RGB || colorType == RGBA ? 3 : 1;
    if (rows.bands() < needed) {
      throw new BadImageException("corrupt PNG data (decoded " + rows.bands() + " channels)");
    }
    int bands = rows.bands();
    // The JDK widens grey below 8 bits to 8 when the image has a tRNS chunk: scale by what the
    // raster holds, not by what the header says.
    sampleBits = decoded.getRaster().getSampleModel().getSampleSize(0);
    if (sampleBits == 8 && colorType == RGB && bands == 3) {
      return ExifOrientation.apply(new RgbImage(width, height, rows.compactBytes()), orientation);
    }
    byte[] rgb = new byte[width * height * 3];
    if (sampleBits == 8) {
      byte[] row = new byte[width * bands];
      for (int y = 0; y < height; y++) {
        rows.read(y, row);
        convertRow(row, bands, rgb, y * width * 3);
      }
    } else {
      for (int y = 0; y < height; y++) {
        convertRow(rows.readInts(y), bands, rgb, y * width * 3);
      }
    }
    return ExifOrientation.apply(new RgbImage(width, height, rgb), orientation);
  }

  /** Converts one row of 8-bit samples (the common case, copied straight from the raster). */
  private void convertRow(byte[] s, int bands, byte[] rgb, int o) {
    if (colorType == RGB || colorType == RGBA) {
      if (bands == 3) {
        System.arraycopy(s, 0, rgb, o, width * 3);
        return;
      }
      for (int x = 0, p = 0; x < width; x++, p += bands, o += 3) {
        rgb[o] = s[p];
        rgb[o + 1] = s[p + 1];
        rgb[o + 2] = s[p + 2];
      }
    } else if (colorType == PALETTE) {
      for (int x = 0; x < width; x++, o += 3) {
        setPaletteColor(s[x] & 0xFF, rgb, o);
      }
    } else {
      for (int x = 0, p = 0; x < width; x++, p += bands, o += 3) {
        byte v = s[p];
        rgb[o] = v;
        rgb[o + 1] = v;
        rgb[o + 2] = v;
      }
    }
  }

  /** Converts one row of samples of any bit depth. */
  private void convertRow(int[] s, int bands, byte[] rgb, int o) {
    for (int x = 0, p = 0; x < width; x++, p += bands, o += 3) {
      if (colorType == RGB || colorType == RGBA) {
        rgb[o] = (byte) colorSample(s[p]);
        rgb[o + 1] = (byte) colorSample(s[p + 1]);
        rgb[o + 2] = (byte) colorSample(s[p + 2]);
      } else if (colorType == PALETTE) {
        setPaletteColor(s[p], rgb, o);
      } else {
        byte v = (byte) graySample(s[p]);
        rgb[o] = v;
        rgb[o + 1] = v;
        rgb[o + 2] = v;
      }
    }
  }

  /** PLTE entry {@code index}; black past the end of the palette, as PIL pads it with zeros. */
  private void setPaletteColor(int index, byte[] rgb, int o) {
    int i = index * 3;
    if (i + 2 < palette.length) {
      rgb[o] = palette[i];
      rgb[o + 1] = palette[i + 1];
      rgb[o + 2] = palette[i + 2];
    }
  }

  private int colorSample(int v) {
    return sampleBits == 16 ? v >> 8 : v;
  }

  private int graySample(int v) {
    switch (sampleBits) {
      case 1:
        return v * 255;
      case 2:
        return v * 85;
      case 4:
        return v * 17;
      case 16:
        // grey+alpha 16 opens as "LA" from its high bytes; plain grey 16 as "I;16", clipped
        return colorType == GRAY_ALPHA ? v >> 8 : Math.min(v, 255);
      default:
        return v;
    }
  }

  private void walkChunks() throws BadImageException {
    int p = 8;
    boolean sawImageData = false;
    CRC32 crc = new CRC32();
    while (true) {
      if (p + 8 > data.length) {
        throw truncated(p == 8 ? "no IHDR chunk" : "missing IEND chunk");
      }
      long length = u32(p);
      String type = chunkType(p + 4);
      if (length > Integer.MAX_VALUE || p + 12 + length > data.length) {
        throw truncated("chunk " + type + " extends past the end of the data");
      }
      int body = p + 8;
      int len = (int) length;
      if (p == 8 && !type.equals("IHDR")) {
        throw new BadImageException("corrupt PNG data (first chunk is " + type + ", not IHDR)");
      }
      boolean imageData = type.equals("IDAT");
      if (!sawImageData && !imageData) {
        crc.reset();
        crc.update(data, p + 4, len + 4);
        if (crc.getValue() != u32(body + len)) {
          throw new BadImageException("corrupt PNG data (bad CRC in chunk " + type + ")");
        }
      }
      switch (type) {
        case "IHDR" -> readHeader(body, len);
        case "PLTE" -> {
          palette = new byte[len - len % 3];
          System.arraycopy(data, body, palette, 0, palette.length);
        }
        case "eXIf" -> orientation = ExifOrientation.read(data, body, len);
        case "IEND" -> {
          if (!sawImageData) {
            throw new BadImageException("corrupt PNG data (no IDAT chunk)");
          }
          if (colorType == PALETTE && palette.length == 0) {
            throw new BadImageException("corrupt PNG data (palette image without PLTE chunk)");
          }
          return;
        }
        default -> {
          // other chunks (tRNS, gAMA, iCCP, text...) do not change PIL's RGB values
        }
      }
      sawImageData |= imageData;
      p = body + len + 4;
    }
  }

  private void readHeader(int p, int length) throws BadImageException {
    if (length != 13) {
      throw new BadImageException("corrupt PNG data (IHDR length " + length + ")");
    }
    long w = u32(p);
    long h = u32(p + 4);
    if (w > Integer.MAX_VALUE || h > Integer.MAX_VALUE) {
      throw new BadImageException("corrupt PNG data (size " + w + "x" + h + ")");
    }
    width = (int) w;
    height = (int) h;
    bitDepth = data[p + 8] & 0xFF;
    colorType = data[p + 9] & 0xFF;
    int interlace = data[p + 12] & 0xFF;
    boolean valid =
        switch (colorType) {
          case GRAY ->
              bitDepth == 1 || bitDepth == 2 || bitDepth == 4 || bitDepth == 8 || bitDepth == 16;
          case PALETTE -> bitDepth == 1 || bitDepth == 2 || bitDepth == 4 || bitDepth == 8;
          case RGB, GRAY_ALPHA, RGBA -> bitDepth == 8 || bitDepth == 16;
          default -> false;
        };
    if (!valid) {
      throw new BadImageException(
          "unsupported PNG colour type " + colorType + " with bit depth " + bitDepth);
    }
    if (interlace > 1 || data[p + 10] != 0 || data[p + 11] != 0) {
      throw new BadImageException("corrupt PNG data (unknown compression, filter or interlace)");
    }
  }

  /** The 4-letter chunk type at {@code p}, or its hex value when it is not 4 ASCII letters. */
  private String chunkType(int p) {
    StringBuilder letters = new StringBuilder(4);
    for (int i = 0; i < 4; i++) {
      char c = (char) (data[p + i] & 0xFF);
      if (!(c >= 'A' && c <= 'Z') && !(c >= 'a' && c <= 'z')) {
        return String.format("0x%08x", (int) u32(p));
      }
      letters.append(c);
    }
    return letters.toString();
  }

  private long u32(int p) {
    return ((long) (data[p] & 0xFF) << 24)
        | ((data[p + 1] & 0xFF) << 16)
        | ((data[p + 2] & 0xFF) << 8)
        | (data[p + 3] & 0xFF);
  }

  private static BadImageException truncated(String why) {
    return new BadImageException("truncated PNG data (" + why + ")");
  }
}
