package io.mmserve.vision.encoder;

import io.mmserve.kit.errors.MmserveException;
import io.mmserve.vision.image.RawImage;
import java.util.Objects;

/**
 * One image of a request, as the client sent it: an encoded file or raw pixels, or an item the
 * transport layer already found unusable, which fails in its place in the request's order.
 */
public sealed interface ImageInput {

  /** How many bytes the client sent for this image: the file, or the pixel data. */
  int byteCount();

  /** The bytes of an image file (JPEG, PNG, ...); not copied. */
  static ImageInput encoded(byte[] data) {
    return new Encoded(data);
  }

  /** Raw pixels; not copied. */
  static ImageInput raw(RawImage raw) {
    return new Raw(raw);
  }

  /** An item that could not be read as an image (no source, an unknown pixel format). */
  static ImageInput rejected(MmserveException error) {
    return new Rejected(error);
  }

  /** The bytes of an image file, shared with the caller. */
  record Encoded(byte[] data) implements ImageInput {
    public Encoded {
      Objects.requireNonNull(data, "data");
    }

    @Override
    public int byteCount() {
      return data.length;
    }
  }

  /** Raw pixels, shared with the caller. */
  record Raw(RawImage image) implements ImageInput {
    public Raw {
      Objects.requireNonNull(image, "image");
    }

    @Override
    public int byteCount() {
      return image.data().length;
    }
  }

  /** An item the transport layer found unusable; encoding it fails with {@code error}. */
  record Rejected(MmserveException error) implements ImageInput {
    public Rejected {
      Objects.requireNonNull(error, "error");
    }

    @Override
    public int byteCount() {
      return 0;
    }
  }
}
