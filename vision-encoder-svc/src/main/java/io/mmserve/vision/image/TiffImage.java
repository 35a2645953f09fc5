package io.mmserve.vision.image;

import java.awt.image.Raster;
import java.util.Arrays;

/**
 * The first page of a TIFF whose first directory has been read and checked: a supported variant,
 * and every strip or tile it points to inside the data (a file cut short is refused before
 * decoding). Later pages are ignored, as PIL opens page 0.
 *
 * <p>Supported, with PIL's {@code convert("RGB")} values: compression none, LZW, Deflate or
 * PackBits (any predictor TwelveMonkeys reads); unsigned integer samples, stored interleaved; and
 *
 * <ul>
 *   <li>grey (BlackIsZero 1, 2, 4, 8 or 16 bits; WhiteIsZero 1, 2, 4 or 8 bits): replicated, lower
 *       depths scaled to 0-255, WhiteIsZero inverted, 16 bits clipped to 255 (PIL's "I;16");
 *   <li>RGB of 8 or 16 bits, with or without an unassociated or unspecified alpha sample: alpha
 *       dropped, 16 bits reduced to the high byte;
 *   <li>palette of 1, 2, 4 or 8 bits: looked up in the ColorMap's high bytes;
 *   <li>CMYK of 8 bits: Pillow's {@code cmyk2rgb}.
 * </ul>
 *
 * Other photometric interpretations (YCbCr, CIELab...), premultiplied alpha, grey with alpha,
 * floating-point samples, separate planes and other compressions are refused by name. The
 * Orientation tag is applied, as PIL's {@code exif_transpose} reads it from the first directory.
 */
final class TiffImage implements EncodedImage {
  private static final int WHITE_IS_ZERO = 0;
  private static final int BLACK_IS_ZERO = 1;
  private static final int RGB = 2;
  private static final int PALETTE = 3;
  private static final int CMYK = 5;
  private static final int EXTRA_ASSOCIATED_ALPHA = 1;

  /** The most samples per pixel of any supported variant (RGBA, CMYK). */
  private static final int MAX_SAMPLES = 4;

  private static final String SUPPORTED_VARIANTS =
      "supported: grey 1/2/4/8-bit (and 16-bit BlackIsZero), RGB or RGBA 8/16-bit,"
          + " palette 1/2/4/8-bit, CMYK 8-bit";

  /** Tiles up to this side are accepted whatever the image size (writers often use 256 or 512). */
  private static final int MAX_TILE_SIDE = 1024;

  private final byte[] data;
  private final ImageIoReaders readers;
  private int width;
  private int height;
  private int photometric;
  private int bits;
  private int samples;
  private long[] colorMap;
  private int orientation = ExifOrientation.NORMAL;

  private TiffImage(byte[] data, ImageIoReaders readers) {
    this.data = data;
    this.readers = readers;
  }

  /** Reads and checks the first directory of {@code data}, which starts with a TIFF header. */
  static TiffImage parse(byte[] data, ImageIoReaders readers) throws BadImageException {
    TiffImage image = new TiffImage(data, readers);
    image.readDirectory(TiffDirectory.read(data));
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
    Raster raster = readers.readRaster(readers.tiff(), data, width, height, "TIFF");
    RasterRows rows = new RasterRows(raster);
    if (rows.bands() != samples) {
      throw new BadImageException(
          "corrupt TIFF data (" + rows.bands() + " decoded channels, header says " + samples + ")");
    }
    byte[] rgb;
    if (photometric == RGB && bits == 8 && samples == 3) {
      rgb = rows.compactBytes();
    } else {
      rgb = new byte[width * height * 3];
      for (int y = 0; y < height; y++) {
        convertRow(rows.readInts(y), rgb, y * width * 3);
      }
    }
    return ExifOrientation.apply(new RgbImage(width, height, rgb), orientation);
  }

  private void convertRow(int[] s, byte[] rgb, int rowStart) {
    if (photometric == CMYK) {
      byte[] cmyk = new byte[width * 4];
      for (int i = 0; i < cmyk.length; i++) {
        cmyk[i] = (byte) s[i];
      }
      JpegColor.cmykToRgb(cmyk, rgb, rowStart, width);
      return;
    }
    for (int x = 0, p = 0, o = rowStart; x < width; x++, p += samples, o += 3) {
      switch (photometric) {
        case RGB -> {
          int shift = bits == 16 ? 8 : 0;
          rgb[o] = (byte) (s[p] >> shift);
          rgb[o + 1] = (byte) (s[p + 1] >> shift);
          rgb[o + 2] = (byte) (s[p + 2] >> shift);
        }
        case PALETTE -> {
          int entries = colorMap.length / 3;
          rgb[o] = (byte) (colorMap[s[p]] >> 8);
          rgb[o + 1] = (byte) (colorMap[entries + s[p]] >> 8);
          rgb[o + 2] = (byte) (colorMap[2 * entries + s[p]] >> 8);
        }
        default -> rgb[o] = rgb[o + 1] = rgb[o + 2] = (byte) grey(s[p]);
      }
    }
  }

  /** A grey sample as PIL's mode "1", "L" or "I;16" converted to RGB gives it. */
  private int grey(int v) {
    int max = (1 << bits) - 1;
    if (bits == 16) {
      return Math.min(v, 255);
    }
    int level = photometric == WHITE_IS_ZERO ? max - v : v;
    return level * 255 / max;
  }

  private void readDirectory(TiffDirectory ifd) throws BadImageException {
    long w = ifd.required(256, "ImageWidth");
    long h = ifd.required(257, "ImageLength");
    if (w > Integer.MAX_VALUE || h > Integer.MAX_VALUE) {
      throw new BadImageException("corrupt TIFF data (size " + w + "x" + h + ")");
    }
    width = (int) w;
    height = (int) h;
    checkCompression((int) ifd.value(259, 1));
    photometric = (int) ifd.required(262, "PhotometricInterpretation");
    long samplesPerPixel = ifd.value(277, 1);
    if (samplesPerPixel < 1 || samplesPerPixel > MAX_SAMPLES) {
      // before anything is sized by it (found by ImageDecodingFuzzTest: 1456860675 samples)
      throw new BadImageException(
          "unsupported TIFF variant: photometric interpretation "
              + photometric
              + " ("
              + photometricName(photometric)
              + ") with "
              + samplesPerPixel
              + " samples per pixel; "
              + SUPPORTED_VARIANTS);
    }
    samples = (int) samplesPerPixel;
    long[] bitsPerSample = ifd.values(258, new long[] {1});
    if (bitsPerSample.length == 1 && samples > 1) { // one value for all samples, as PIL reads it
      bitsPerSample = Arrays.copyOf(bitsPerSample, samples);
      Arrays.fill(bitsPerSample, bitsPerSample[0]);
    }
    bits = bitsPerSample.length == 0 ? 0 : (int) bitsPerSample[0];
    boolean sameBits = Arrays.stream(bitsPerSample).allMatch(b -> b == bits);
    if (!sameBits || bitsPerSample.length != samples || !supportedVariant()) {
      throw new BadImageException(
          "unsupported TIFF variant: photometric interpretation "
              + photometric
              + " ("
              + photometricName(photometric)
              + ") with "
              + samples
              + " samples of "
              + (bitsPerSample.length <= MAX_SAMPLES
                  ? Arrays.toString(bitsPerSample)
                  : bitsPerSample.length + " values of")
              + " bits; "
              + SUPPORTED_VARIANTS);
    }
    long[] extra = ifd.values(338, new long[0]);
    if (extra.length > 0 && extra[0] == EXTRA_ASSOCIATED_ALPHA) {
      throw new BadImageException("unsupported TIFF with premultiplied (associated) alpha");
    }
    if (Arrays.stream(ifd.values(339, new long[] {1})).anyMatch(f -> f != 1)) {
      throw new BadImageException("unsupported TIFF sample format (not unsigned integers)");
    }
    if (samples > 1 && ifd.value(284, 1) != 1) {
      throw new BadImageException("unsupported TIFF with separate colour planes");
    }
    if (photometric == PALETTE) {
      colorMap = ifd.values(320, null);
      if (colorMap == null || colorMap.length != 3 << bits) {
        throw new BadImageException("corrupt TIFF data (palette image without a full ColorMap)");
      }
    }
    long o = ifd.value(274, ExifOrientation.NORMAL);
    orientation = o >= 1 && o <= 8 ? (int) o : ExifOrientation.NORMAL;
    boolean tiled = ifd.has(324);
    if (tiled) {
      checkTileSize(ifd.required(322, "TileWidth"), ifd.required(323, "TileLength"));
    }
    checkDataPresent(
        ifd.values(tiled ? 324 : 273, null),
        ifd.values(tiled ? 325 : 279, null),
        tiled ? "tile" : "strip");
  }

  private boolean supportedVariant() {
    return switch (photometric) {
      case WHITE_IS_ZERO -> samples == 1 && (bits == 1 || bits == 2 || bits == 4 || bits == 8);
      case BLACK_IS_ZERO ->
          samples == 1 && (bits == 1 || bits == 2 || bits == 4 || bits == 8 || bits == 16);
      case RGB -> (samples == 3 || samples == 4) && (bits == 8 || bits == 16);
      case PALETTE -> samples == 1 && (bits == 1 || bits == 2 || bits == 4 || bits == 8);
      case CMYK -> samples == 4 && bits == 8;
      default -> false;
    };
  }

  /**
   * Tiles are padded to multiples of 16 and may outgrow a small image, but a tile far larger than
   * the image would make the reader allocate for it what the pixel limit refused for the image.
   */
  private void checkTileSize(long tileWidth, long tileLength) throws BadImageException {
    if (tileWidth > Math.max(roundUp16(width), MAX_TILE_SIDE)
        || tileLength > Math.max(roundUp16(height), MAX_TILE_SIDE)) {
      throw new BadImageException(
          "unsupported TIFF tile size "
              + tileWidth
              + "x"
              + tileLength
              + " for a "
              + width
              + "x"
              + height
              + " image");
    }
  }

  private static long roundUp16(int size) {
    return (size + 15L) / 16 * 16;
  }

  private void checkDataPresent(long[] offsets, long[] counts, String unit)
      throws BadImageException {
    if (offsets == null || counts == null || offsets.length == 0) {
      throw new BadImageException("corrupt TIFF data (no " + unit + " offsets or byte counts)");
    }
    if (offsets.length != counts.length) {
      throw new BadImageException(
          "corrupt TIFF data ("
              + offsets.length
              + " "
              + unit
              + " offsets but "
              + counts.length
              + " byte counts)");
    }
    for (int i = 0; i < offsets.length; i++) {
      if (offsets[i] + counts[i] > data.length) {
        throw new BadImageException(
            "truncated TIFF data (" + unit + " " + i + " extends past the end of the data)");
      }
    }
  }

  private static void checkCompression(int compression) throws BadImageException {
    String name =
        switch (compression) {
          case 1, 5, 8, 32946, 32773 -> null;
          case 2, 3, 4 -> "CCITT";
          case 6, 7 -> "JPEG";
          case 34712 -> "JPEG 2000";
          case 34925 -> "LZMA";
          case 50000 -> "Zstandard";
          case 50001 -> "WebP";
          default -> "unknown";
        };
    if (name != null) {
      throw new BadImageException(
          "unsupported TIFF compression "
              + compression
              + " ("
              + name
              + "); supported: none, LZW, Deflate, PackBits");
    }
  }

  private static String photometricName(int photometric) {
    return switch (photometric) {
      case WHITE_IS_ZERO -> "WhiteIsZero";
      case BLACK_IS_ZERO -> "BlackIsZero";
      case RGB -> "RGB";
      case PALETTE -> "palette";
      case 4 -> "transparency mask";
      case CMYK -> "CMYK";
      case 6 -> "YCbCr";
      case 8, 9, 10 -> "CIELab";
      default -> "other";
    };
  }
}
