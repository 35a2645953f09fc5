package io.mmserve.gateway;

import io.mmserve.kit.errors.FieldViolation;
import io.mmserve.kit.errors.InvalidInputException;

/**
 * What the gateway knows about one image of a request before any decoding: enough for the checks
 * that are cheap at the edge (a missing source, empty bytes, zero sizes, a raw buffer of the wrong
 * length). Decoding and the pixel limit are the vision encoder's job.
 */
public sealed interface ImageInput {

  /**
   * Throws if the image is certainly bad.
   *
   * @param index the image's position in the request, named in the message
   * @throws InvalidInputException naming {@code images[index]} and the rule broken
   */
  default void check(int index) {
    check("images[" + index + "]");
  }

  /**
   * Throws if the image is certainly bad.
   *
   * @param item the image's field path in the request ("pairs[2].image"), named in the message
   * @throws InvalidInputException naming {@code item} and the rule broken
   */
  void check(String item);

  /** The request set neither encoded bytes nor raw pixels. */
  record Missing() implements ImageInput {
    @Override
    public void check(String item) {
      throw new InvalidInputException(
          FieldViolation.of(item, "no image given; set either encoded or raw"));
    }
  }

  /** An encoded file's bytes. */
  record Encoded(int byteCount) implements ImageInput {
    @Override
    public void check(String item) {
      if (byteCount == 0) {
        throw new InvalidInputException(FieldViolation.of(item, "encoded bytes are empty"));
      }
    }
  }

  /**
   * Raw pixels.
   *
   * @param width width in pixels as sent (unsigned 32-bit)
   * @param height height in pixels as sent (unsigned 32-bit)
   * @param channels bytes per pixel of the declared format, or 0 if the format is unknown
   * @param format the format's name, for messages
   * @param dataBytes length of the pixel buffer
   */
  record Raw(long width, long height, int channels, String format, long dataBytes)
      implements ImageInput {
    @Override
    public void check(String item) {
      if (channels == 0) {
        throw new InvalidInputException(
            FieldViolation.of(item, "raw pixel format " + format + " is not supported"));
      }
      if (width == 0 || height == 0) {
        throw new InvalidInputException(
            FieldViolation.of(
                item, "raw image is " + width + "x" + height + "; width and height must be > 0"));
      }
      long expected = expectedBytes();
      if (dataBytes != expected) {
        throw new InvalidInputException(
            FieldViolation.of(
                item,
                "raw data has "
                    + dataBytes
                    + " bytes, but "
                    + width
                    + "x"
                    + height
                    + " "
                    + format
                    + " needs "
                    + (expected < 0 ? "more than " + Long.MAX_VALUE : expected)));
      }
    }

    /** width x height x channels, or -1 if that overflows a long. */
    private long expectedBytes() {
      try {
        return Math.multiplyExact(Math.multiplyExact(width, height), channels);
      } catch (ArithmeticException e) {
        return -1;
      }
    }
  }
}
