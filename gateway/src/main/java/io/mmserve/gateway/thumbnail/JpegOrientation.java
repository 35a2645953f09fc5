package io.mmserve.gateway.thumbnail;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;

/**
 * The EXIF Orientation (tag 0x0112 of IFD0 in a JPEG's APP1 "Exif" segment) and the turn or flip
 * that shows the image upright, as PIL's {@code ImageOps.exif_transpose} and the vision encoder
 * apply it: 2 mirror, 3 rotate 180, 4 flip, 5 transpose, 6 rotate 90 clockwise, 7 transverse, 8
 * rotate 90 counter-clockwise. A missing or malformed tag is 1 (as stored): the image itself is
 * fine. (The vision encoder has its own reader; the gateway does not depend on that module.)
 */
final class JpegOrientation {
  static final int NORMAL = 1;

  private static final int TAG_ORIENTATION = 0x0112;

  private JpegOrientation() {}

  /** The orientation of a JPEG file's bytes; 1 for anything else. */
  static int read(byte[] jpeg) {
    if (jpeg.length < 4 || (jpeg[0] & 0xFF) != 0xFF || (jpeg[1] & 0xFF) != 0xD8) {
      return NORMAL;
    }
    int p = 2;
    while (p + 4 <= jpeg.length && (jpeg[p] & 0xFF) == 0xFF) {
      int marker = jpeg[p + 1] & 0xFF;
      int length = u16(jpeg, p + 2, false);
      if (marker == 0xDA || marker == 0xD9 || length < 2) {
        return NORMAL; // pixels start: the metadata segments are behind us
      }
      int body = p + 4;
      int end = Math.min(jpeg.length, p + 2 + length);
      if (marker == 0xE1 && end - body >= 14 && isExif(jpeg, body)) {
        return fromTiff(jpeg, body + 6, end);
      }
      p += 2 + length;
    }
    return NORMAL;
  }

  /** {@code image} turned upright for {@code orientation}; the same image for 1. */
  static BufferedImage apply(BufferedImage image, int orientation) {
    int w = image.getWidth();
    int h = image.getHeight();
    // x' = m00 x + m01 y + m02, y' = m10 x + m11 y + m12 (AffineTransform's argument order)
    AffineTransform turn =
        switch (orientation) {
          case 2 -> new AffineTransform(-1, 0, 0, 1, w, 0);
          case 3 -> new AffineTransform(-1, 0, 0, -1, w, h);
          case 4 -> new AffineTransform(1, 0, 0, -1, 0, h);
          case 5 -> new AffineTransform(0, 1, 1, 0, 0, 0);
          case 6 -> new AffineTransform(0, 1, -1, 0, h, 0);
          case 7 -> new AffineTransform(0, -1, -1, 0, h, w);
          case 8 -> new AffineTransform(0, -1, 1, 0, 0, w);
          default -> null;
        };
    if (turn == null) {
      return image;
    }
    boolean swap = orientation >= 5;
    BufferedImage out = new BufferedImage(swap ? h : w, swap ? w : h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    try {
      g.setRenderingHint(
          RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
      g.drawImage(image, turn, null);
    } finally {
      g.dispose();
    }
    return out;
  }

  private static boolean isExif(byte[] b, int p) {
    return b[p] == 'E' && b[p + 1] == 'x' && b[p + 2] == 'i' && b[p + 3] == 'f' && b[p + 4] == 0;
  }

  /** The orientation in the TIFF structure at {@code [start, end)}. */
  private static int fromTiff(byte[] b, int start, int end) {
    boolean little;
    if (b[start] == 'I' && b[start + 1] == 'I') {
      little = true;
    } else if (b[start] == 'M' && b[start + 1] == 'M') {
      little = false;
    } else {
      return NORMAL;
    }
    long ifd = u32(b, start + 4, little);
    if (u16(b, start + 2, little) != 42 || ifd < 8 || start + ifd + 2 > end) {
      return NORMAL;
    }
    int p = start + (int) ifd;
    int entries = u16(b, p, little);
    p += 2;
    for (int i = 0; i < entries && p + 12 <= end; i++, p += 12) {
      if (u16(b, p, little) == TAG_ORIENTATION) {
        int type = u16(b, p + 2, little);
        long value = type == 3 ? u16(b, p + 8, little) : type == 4 ? u32(b, p + 8, little) : 0;
        return value >= 1 && value <= 8 && u32(b, p + 4, little) == 1 ? (int) value : NORMAL;
      }
    }
    return NORMAL;
  }

  private static int u16(byte[] b, int p, boolean little) {
    int b0 = b[p] & 0xFF;
    int b1 = b[p + 1] & 0xFF;
    return little ? b0 | (b1 << 8) : (b0 << 8) | b1;
  }

  private static long u32(byte[] b, int p, boolean little) {
    long first = u16(b, p, little);
    long second = u16(b, p + 2, little);
    return little ? (second << 16) | first : (first << 16) | second;
  }
}
