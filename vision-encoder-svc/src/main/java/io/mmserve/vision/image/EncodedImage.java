package io.mmserve.vision.image;

/**
 * An encoded image whose container structure has been checked (complete, not truncated, a known
 * variant) but whose pixels have not been decoded. The dimensions come from the header alone, so
 * the caller can refuse an oversized image before any pixel memory is allocated.
 */
interface EncodedImage {

  /** Width stored in the header, before any EXIF rotation. */
  int width();

  /** Height stored in the header, before any EXIF rotation. */
  int height();

  /**
   * Decodes the pixels and converts them to RGB as PIL's {@code ImageOps.exif_transpose} followed
   * by {@code convert("RGB")} would.
   */
  RgbImage decode() throws BadImageException;

  /**
   * As {@link #decode()}, with the pixels in {@code scratch}'s buffer where the decoder can write
   * them there; the image is then valid until {@code scratch} is used again.
   */
  default RgbImage decode(ImageScratch scratch) throws BadImageException {
    return decode();
  }
}
