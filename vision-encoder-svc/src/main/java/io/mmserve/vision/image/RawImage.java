package io.mmserve.vision.image;

import java.util.Objects;

/**
 * Uncompressed pixels as a client sends them: {@code width * height} pixels of {@code format}, row
 * by row without padding. Nothing is validated here; {@link ImageDecoder#decodeRaw} checks the
 * dimensions and the data length and reports problems against the item's index.
 *
 * @param data the pixel bytes; shared, not copied
 */
public record RawImage(int width, int height, Format format, byte[] data) {

  /** Layout of one raw pixel. */
  public enum Format {
    /** One byte per pixel, grey level. */
    GRAY8(1),
    /** Three bytes per pixel: R, G, B. */
    RGB8(3),
    /** Four bytes per pixel: R, G, B, alpha (alpha is ignored, as PIL's convert("RGB") does). */
    RGBA8(4);

    private final int channels;

    Format(int channels) {
      this.channels = channels;
    }

    public int channels() {
      return channels;
    }
  }

  public RawImage {
    Objects.requireNonNull(format, "format");
    Objects.requireNonNull(data, "data");
  }
}
