package io.mmserve.cli;

import com.google.protobuf.ByteString;
import io.mmserve.api.v1.Image;
import io.mmserve.testsupport.ShapePictures;

/** Scenes like the shapes-clip pack's training data, as the public API's {@link Image}. */
final class ShapeScenes {
  private ShapeScenes() {}

  /**
   * A PNG of a large {@code colour} {@code shape} (circle, square, triangle, star) in the centre.
   */
  static Image scene(String colour, String shape) {
    return Image.newBuilder()
        .setEncoded(ByteString.copyFrom(ShapePictures.png(colour, shape)))
        .build();
  }
}
