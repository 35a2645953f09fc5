package io.mmserve.gateway;

import io.mmserve.api.v1.Image;
import io.mmserve.api.v1.RawImage;
import java.util.List;

/** The edge checks of images in a request, before any is sent to the vision encoder. */
final class ImageChecks {
  private ImageChecks() {}

  /**
   * Checks every image of a repeated field.
   *
   * @param field the field's name ("images"), named with the index in messages
   * @throws io.mmserve.kit.errors.InvalidInputException for the first bad image
   */
  static void checkAll(String field, List<Image> images) {
    for (int i = 0; i < images.size(); i++) {
      describe(images.get(i)).check(field + "[" + i + "]");
    }
  }

  /** What the edge checks need to know about an image. */
  static ImageInput describe(Image image) {
    return switch (image.getSourceCase()) {
      case ENCODED -> new ImageInput.Encoded(image.getEncoded().size());
      case RAW -> describe(image.getRaw());
      case SOURCE_NOT_SET -> new ImageInput.Missing();
    };
  }

  private static ImageInput describe(RawImage raw) {
    int channels =
        switch (raw.getFormat()) {
          case PIXEL_FORMAT_UNSPECIFIED, RGB8 -> 3;
          case RGBA8 -> 4;
          case GRAY8 -> 1;
          case UNRECOGNIZED -> 0;
        };
    String format =
        switch (raw.getFormat()) {
          case PIXEL_FORMAT_UNSPECIFIED -> "RGB8";
          case UNRECOGNIZED -> Integer.toString(raw.getFormatValue());
          default -> raw.getFormat().name();
        };
    return new ImageInput.Raw(
        Integer.toUnsignedLong(raw.getWidth()),
        Integer.toUnsignedLong(raw.getHeight()),
        channels,
        format,
        raw.getData().size());
  }
}
