package io.mmserve.gateway.thumbnail;

import com.google.protobuf.ByteString;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;

/** Images for thumbnail tests. */
public final class Thumbnails {
  private Thumbnails() {}

  /**
   * A PNG, left half red and right half blue; with {@code alpha} the right half is fully
   * transparent instead.
   */
  public static ByteString png(int width, int height, boolean alpha) {
    BufferedImage image =
        new BufferedImage(
            width, height, alpha ? BufferedImage.TYPE_INT_ARGB : BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        image.setRGB(x, y, x < width / 2 ? 0xFFFF0000 : alpha ? 0x000000FF : 0xFF0000FF);
      }
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try {
      ImageIO.write(image, "png", bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return ByteString.copyFrom(bytes.toByteArray());
  }

  /** Decodes a thumbnail. */
  public static BufferedImage read(ByteString encoded) {
    try {
      BufferedImage image = ImageIO.read(new ByteArrayInputStream(encoded.toByteArray()));
      if (image == null) {
        throw new AssertionError("not an image ImageIO reads: " + encoded.size() + " bytes");
      }
      return image;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
