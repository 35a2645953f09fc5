package io.mmserve.vision.image;

import io.mmserve.kit.errors.FieldViolation;
import io.mmserve.kit.errors.InvalidInputException;
import io.mmserve.kit.errors.ResourceLimitException;
import java.util.Optional;

/**
 * Turns one request item (encoded bytes or raw pixels) into an {@link RgbImage} with the values PIL
 * gives for {@code ImageOps.exif_transpose(Image.open(...)).convert("RGB")}.
 *
 * <p>JPEG, PNG, GIF (first frame), BMP, WebP (lossy, lossless, animated: first frame) and TIFF
 * (first page) are decoded; HEIF, AVIF and other recognised formats are refused by name. The
 * container structure is checked and the size read from the header before any pixel is decoded, so
 * a truncated file is refused as such and an image over the pixel limit (a decompression bomb)
 * never allocates its pixels.
 *
 * <p>Errors name the item as {@code images[index]} and the rule it breaks: {@link
 * InvalidInputException} for bad data, {@link ResourceLimitException} for the pixel limit and for
 * an image whose RGB pixels alone would take more than the decode budget (a share of the heap), so
 * that such a photo is refused from its header instead of failing the JVM's allocation.
 * Thread-safe; decoding happens on the calling thread.
 */
public final class ImageDecoder {
  /** The pixel limit used when none is configured: 40 megapixels. */
  public static final long DEFAULT_MAX_PIXELS = 40_000_000L;

  /** The largest configurable limit: an image of 4 bytes per pixel must fit one Java array. */
  public static final long MAX_PIXELS_CEILING = Integer.MAX_VALUE / 4;

  private final long maxPixels;
  private final long maxDecodeBytes;
  private final ImageIoReaders readers = new ImageIoReaders();
  private final Optional<TurboJpeg> turbo;
  private final Optional<LibWebp> libwebp;

  /**
   * @param maxPixels largest {@code width * height} accepted, in 1..{@link #MAX_PIXELS_CEILING}
   */
  public ImageDecoder(long maxPixels) {
    this(maxPixels, Long.MAX_VALUE);
  }

  /**
   * @param maxPixels largest {@code width * height} accepted, in 1..{@link #MAX_PIXELS_CEILING}
   * @param maxDecodeBytes the decode budget: an image whose {@code width * height * 3} RGB bytes
   *     exceed it is refused from its header (positive)
   */
  public ImageDecoder(long maxPixels, long maxDecodeBytes) {
    this(maxPixels, maxDecodeBytes, TurboJpeg.load(), LibWebp.load());
  }

  /**
   * @param turbo libjpeg-turbo for JPEGs, or empty for the JDK's ImageIO reader only (tests compare
   *     the two)
   */
  ImageDecoder(long maxPixels, Optional<TurboJpeg> turbo) {
    this(maxPixels, Long.MAX_VALUE, turbo, LibWebp.load());
  }

  /**
   * @param turbo libjpeg-turbo for JPEGs, or empty for the JDK's ImageIO reader only
   * @param libwebp libwebp for WebP, or empty for TwelveMonkeys' reader only (tests compare the
   *     two)
   */
  ImageDecoder(long maxPixels, Optional<TurboJpeg> turbo, Optional<LibWebp> libwebp) {
    this(maxPixels, Long.MAX_VALUE, turbo, libwebp);
  }

  private ImageDecoder(
      long maxPixels, long maxDecodeBytes, Optional<TurboJpeg> turbo, Optional<LibWebp> libwebp) {
    if (maxDecodeBytes < 1) {
      throw new IllegalArgumentException(
          "maxDecodeBytes must be positive, but was " + maxDecodeBytes);
    }
    this.maxDecodeBytes = maxDecodeBytes;
    this.turbo = turbo;
    this.libwebp = libwebp;
    if (maxPixels < 1 || maxPixels > MAX_PIXELS_CEILING) {
      throw new IllegalArgumentException(
          "maxPixels must be in 1.." + MAX_PIXELS_CEILING + ", but was " + maxPixels);
    }
    this.maxPixels = maxPixels;
  }

  public long maxPixels() {
    return maxPixels;
  }

  /**
   * Decodes the encoded image {@code data} of request item {@code index}.
   *
   * @throws InvalidInputException if the data is empty, not an image, of an unsupported format or
   *     variant, truncated, corrupt, or zero-sized
   * @throws ResourceLimitException if the image has more than {@link #maxPixels()} pixels
   */
  public RgbImage decode(int index, byte[] data) {
    return decode(index, data, null);
  }

  /**
   * As {@link #decode(int, byte[])}, with the pixels in {@code scratch}'s buffer where the format's
   * decoder can write them there (JPEG through libjpeg-turbo). The image is then valid only until
   * {@code scratch} is used again: resize it first.
   */
  public RgbImage decode(int index, byte[] data, ImageScratch scratch) {
    if (data == null || data.length == 0) {
      throw invalid(index, "empty image data (0 bytes)");
    }
    ImageFormat format = ImageFormat.sniff(data);
    if (format == ImageFormat.UNKNOWN) {
      throw invalid(
          index,
          "not an image in a recognised format (first bytes "
              + hexPrefix(data)
              + "); supported formats: "
              + ImageFormat.SUPPORTED);
    }
    if (!format.decodable()) {
      throw invalid(
          index,
          "unsupported image format "
              + format.displayName()
              + "; supported formats: "
              + ImageFormat.SUPPORTED);
    }
    try {
      EncodedImage image = parse(format, data);
      checkSize(index, image.width(), image.height());
      return scratch == null ? image.decode() : image.decode(scratch);
    } catch (BadImageException e) {
      // the cause (an ImageIO exception, if any) is for the server's log, not the client
      throw new InvalidInputException(
          FieldViolation.item("images", index, e.getMessage()), e.getCause());
    }
  }

  /**
   * Converts the raw pixels of request item {@code index} to RGB (grey replicated, alpha dropped).
   *
   * @throws InvalidInputException if a dimension is not positive or the data length is not {@code
   *     width * height * channels}
   * @throws ResourceLimitException if the image has more than {@link #maxPixels()} pixels
   */
  public RgbImage decodeRaw(int index, RawImage raw) {
    checkSize(index, raw.width(), raw.height());
    int channels = raw.format().channels();
    long expected = (long) raw.width() * raw.height() * channels;
    byte[] data = raw.data();
    if (data.length != expected) {
      throw invalid(
          index,
          "raw "
              + raw.format()
              + " data has "
              + data.length
              + " bytes but "
              + raw.width()
              + "x"
              + raw.height()
              + "x"
              + channels
              + " = "
              + expected
              + " bytes are required");
    }
    int pixels = raw.width() * raw.height();
    byte[] rgb;
    switch (raw.format()) {
      case RGB8 -> rgb = data.clone();
      case RGBA8 -> {
        rgb = new byte[pixels * 3];
        for (int i = 0, p = 0, o = 0; i < pixels; i++, p += 4, o += 3) {
          rgb[o] = data[p];
          rgb[o + 1] = data[p + 1];
          rgb[o + 2] = data[p + 2];
        }
      }
      case GRAY8 -> {
        rgb = new byte[pixels * 3];
        JpegColor.grayToRgb(data, rgb, 0, pixels);
      }
      default -> throw new IllegalStateException("unhandled format " + raw.format());
    }
    return new RgbImage(raw.width(), raw.height(), rgb);
  }

  private EncodedImage parse(ImageFormat format, byte[] data) throws BadImageException {
    return switch (format) {
      case JPEG -> JpegImage.parse(data, readers, turbo);
      case PNG -> PngImage.parse(data, readers);
      case GIF -> GifImage.parse(data, readers);
      case BMP -> BmpImage.parse(data, readers);
      case WEBP -> WebpImage.parse(data, readers, libwebp);
      case TIFF -> TiffImage.parse(data, readers);
      default -> throw new IllegalStateException("no decoder for " + format);
    };
  }

  private void checkSize(int index, int width, int height) {
    if (width <= 0 || height <= 0) {
      throw invalid(index, "zero-sized image (" + width + "x" + height + ")");
    }
    long pixels = (long) width * height;
    if (pixels > maxPixels) {
      throw tooLarge(
          index,
          width,
          height,
          " = " + pixels + " pixels exceeds the limit of " + maxPixels + " pixels");
    }
    long bytes = pixels * 3;
    if (bytes > maxDecodeBytes) {
      throw tooLarge(
          index,
          width,
          height,
          " needs "
              + bytes
              + " bytes of RGB to decode, more than this encoder's decode budget of "
              + maxDecodeBytes
              + " bytes (a share of its heap); send a smaller image or give the encoder more heap");
    }
  }

  private static ResourceLimitException tooLarge(int index, int width, int height, String rule) {
    return new ResourceLimitException(
        FieldViolation.item("images", index, width + "x" + height + rule));
  }

  private static InvalidInputException invalid(int index, String rule) {
    return new InvalidInputException(FieldViolation.item("images", index, rule));
  }

  private static String hexPrefix(byte[] data) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < Math.min(8, data.length); i++) {
      if (i > 0) {
        sb.append(' ');
      }
      sb.append(String.format("%02x", data[i] & 0xFF));
    }
    return sb.toString();
  }
}
