package io.mmserve.vision.image;

import java.nio.charset.StandardCharsets;

/**
 * Image container formats recognised from their leading "magic" bytes. Only some are decoded; the
 * others are recognised so that the error can name what was sent.
 */
enum ImageFormat {
  JPEG("JPEG", true),
  PNG("PNG", true),
  GIF("GIF", true),
  BMP("BMP", true),
  WEBP("WebP", true),
  TIFF("TIFF", true),
  HEIF("HEIF/HEIC", false),
  AVIF("AVIF", false),
  JPEG2000("JPEG 2000", false),
  JPEG_XL("JPEG XL", false),
  ICO("ICO", false),
  PSD("Photoshop PSD", false),
  UNKNOWN("unknown", false);

  /** Names of the decodable formats, for error messages. */
  static final String SUPPORTED = "JPEG, PNG, GIF, BMP, WebP, TIFF";

  private final String displayName;
  private final boolean decodable;

  ImageFormat(String displayName, boolean decodable) {
    this.displayName = displayName;
    this.decodable = decodable;
  }

  String displayName() {
    return displayName;
  }

  boolean decodable() {
    return decodable;
  }

  /** Identifies the format of {@code data} from its first bytes; never throws. */
  static ImageFormat sniff(byte[] data) {
    if (startsWith(data, 0, 0xFF, 0xD8, 0xFF)) {
      return JPEG;
    }
    if (startsWith(data, 0, 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A)) {
      return PNG;
    }
    if (startsWithAscii(data, 0, "GIF87a") || startsWithAscii(data, 0, "GIF89a")) {
      return GIF;
    }
    if (startsWithAscii(data, 0, "BM") && isBitmapHeaderSize(data)) {
      return BMP;
    }
    if (startsWithAscii(data, 0, "RIFF") && startsWithAscii(data, 8, "WEBP")) {
      return WEBP;
    }
    if (startsWith(data, 0, 'I', 'I', 42, 0)
        || startsWith(data, 0, 'M', 'M', 0, 42)
        || startsWith(data, 0, 'I', 'I', 43, 0)
        || startsWith(data, 0, 'M', 'M', 0, 43)) {
      // BigTIFF (43) too, so that TiffImage can refuse it by name
      return TIFF;
    }
    if (startsWithAscii(data, 4, "ftyp")) {
      return isoBrand(data);
    }
    if (startsWith(data, 0, 0x00, 0x00, 0x00, 0x0C, 'j', 'P', ' ', ' ')
        || startsWith(data, 0, 0xFF, 0x4F, 0xFF, 0x51)) {
      return JPEG2000;
    }
    if (startsWith(data, 0, 0xFF, 0x0A) || startsWith(data, 0, 0, 0, 0, 0x0C, 'J', 'X', 'L', ' ')) {
      return JPEG_XL;
    }
    if (startsWith(data, 0, 0, 0, 1, 0) && data.length >= 6 && data[4] != 0) {
      return ICO;
    }
    if (startsWithAscii(data, 0, "8BPS")) {
      return PSD;
    }
    return UNKNOWN;
  }

  /** Whether the DIB header size after a "BM" file header is one that bitmaps use. */
  private static boolean isBitmapHeaderSize(byte[] data) {
    if (data.length < 18) {
      return false;
    }
    int size =
        (data[14] & 0xFF)
            | (data[15] & 0xFF) << 8
            | (data[16] & 0xFF) << 16
            | (data[17] & 0xFF) << 24;
    return size == 12
        || size == 40
        || size == 52
        || size == 56
        || size == 64
        || size == 108
        || size == 124;
  }

  private static ImageFormat isoBrand(byte[] data) {
    if (data.length < 12) {
      return UNKNOWN;
    }
    String brand = new String(data, 8, 4, StandardCharsets.ISO_8859_1);
    switch (brand) {
      case "avif":
      case "avis":
        return AVIF;
      case "heic":
      case "heix":
      case "heim":
      case "heis":
      case "hevc":
      case "hevx":
      case "mif1":
      case "msf1":
        return HEIF;
      case "jp2 ":
        return JPEG2000;
      default:
        return UNKNOWN;
    }
  }

  private static boolean startsWith(byte[] data, int offset, int... magic) {
    if (data.length < offset + magic.length) {
      return false;
    }
    for (int i = 0; i < magic.length; i++) {
      if ((data[offset + i] & 0xFF) != magic[i]) {
        return false;
      }
    }
    return true;
  }

  private static boolean startsWithAscii(byte[] data, int offset, String magic) {
    if (data.length < offset + magic.length()) {
      return false;
    }
    for (int i = 0; i < magic.length(); i++) {
      if (data[offset + i] != magic.charAt(i)) {
        return false;
      }
    }
    return true;
  }
}
