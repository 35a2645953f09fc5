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

  /** A JPEG (quality 95), left half red and right half blue. */
  public static ByteString jpeg(int width, int height) {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        image.setRGB(x, y, x < width / 2 ? 0xFF0000 : 0x0000FF);
      }
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try {
      ImageIO.write(image, "jpeg", bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return ByteString.copyFrom(bytes.toByteArray());
  }

  /**
   * {@code jpeg} with an APP1 Exif segment right after its start marker whose IFD0 holds one entry,
   * Orientation = {@code orientation} (big-endian TIFF, as cameras often write it).
   */
  public static ByteString withExifOrientation(ByteString jpeg, int orientation) {
    byte[] tiff = {
      'M',
      'M',
      0,
      42,
      0,
      0,
      0,
      8, // header, IFD0 at offset 8
      0,
      1, // one entry
      0x01,
      0x12,
      0,
      3,
      0,
      0,
      0,
      1,
      0,
      (byte) orientation,
      0,
      0, // Orientation, SHORT, 1 value
      0,
      0,
      0,
      0 // no next IFD
    };
    byte[] exif = new byte[6 + tiff.length];
    System.arraycopy(new byte[] {'E', 'x', 'i', 'f', 0, 0}, 0, exif, 0, 6);
    System.arraycopy(tiff, 0, exif, 6, tiff.length);
    int length = exif.length + 2;
    ByteString segment =
        ByteString.copyFrom(
                new byte[] {(byte) 0xFF, (byte) 0xE1, (byte) (length >> 8), (byte) length})
            .concat(ByteString.copyFrom(exif));
    return jpeg.substring(0, 2).concat(segment).concat(jpeg.substring(2));
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
