package io.mmserve.vision.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ExifOrientationTest {

  @Test
  void read_findsAShortOrientationInLittleEndianExif() {
    byte[] exif = tiff(true, 3, 6);

    assertEquals(6, ExifOrientation.read(exif, 0, exif.length));
  }

  @Test
  void read_findsAShortOrientationInBigEndianExif() {
    byte[] exif = tiff(false, 3, 8);

    assertEquals(8, ExifOrientation.read(exif, 0, exif.length));
  }

  @Test
  void read_acceptsALongOrientation() {
    byte[] exif = tiff(true, 4, 3);

    assertEquals(3, ExifOrientation.read(exif, 0, exif.length));
  }

  @Test
  void read_ignoresOutOfRangeValuesAndOtherTypes() {
    byte[] outOfRange = tiff(true, 3, 9);
    byte[] ascii = tiff(true, 2, 6);

    assertEquals(1, ExifOrientation.read(outOfRange, 0, outOfRange.length));
    assertEquals(1, ExifOrientation.read(ascii, 0, ascii.length));
  }

  @Test
  void read_treatsMalformedExifAsUpright() {
    byte[] garbage = {'I', 'I', 42, 0, (byte) 0xFF, 0x7F, 0, 0, 1, 0};
    byte[] notTiff = {'X', 'X', 42, 0, 8, 0, 0, 0, 0, 0};

    assertEquals(1, ExifOrientation.read(garbage, 0, garbage.length));
    assertEquals(1, ExifOrientation.read(notTiff, 0, notTiff.length));
    assertEquals(1, ExifOrientation.read(new byte[4], 0, 4));
  }

  @Test
  void apply_rotatesClockwiseForOrientation6() {
    // 3x2 image with pixel values 1..6 in the red channel:  1 2 3 / 4 5 6
    RgbImage image = redImage(3, 2, 1, 2, 3, 4, 5, 6);

    RgbImage turned = ExifOrientation.apply(image, 6);

    // PIL's ROTATE_270 (90 degrees clockwise): 4 1 / 5 2 / 6 3
    assertEquals(2, turned.width());
    assertEquals(3, turned.height());
    assertArrayEquals(new int[] {4, 1, 5, 2, 6, 3}, reds(turned));
  }

  @Test
  void apply_rotatesCounterClockwiseForOrientation8() {
    RgbImage image = redImage(3, 2, 1, 2, 3, 4, 5, 6);

    // PIL's ROTATE_90: 3 6 / 2 5 / 1 4
    assertArrayEquals(new int[] {3, 6, 2, 5, 1, 4}, reds(ExifOrientation.apply(image, 8)));
  }

  @Test
  void apply_transposesForOrientation5AndTransversesFor7() {
    RgbImage image = redImage(3, 2, 1, 2, 3, 4, 5, 6);

    assertArrayEquals(new int[] {1, 4, 2, 5, 3, 6}, reds(ExifOrientation.apply(image, 5)));
    assertArrayEquals(new int[] {6, 3, 5, 2, 4, 1}, reds(ExifOrientation.apply(image, 7)));
  }

  @Test
  void apply_flipsAndTurnsForOrientations2To4() {
    RgbImage image = redImage(3, 2, 1, 2, 3, 4, 5, 6);

    assertArrayEquals(new int[] {3, 2, 1, 6, 5, 4}, reds(ExifOrientation.apply(image, 2)));
    assertArrayEquals(new int[] {6, 5, 4, 3, 2, 1}, reds(ExifOrientation.apply(image, 3)));
    assertArrayEquals(new int[] {4, 5, 6, 1, 2, 3}, reds(ExifOrientation.apply(image, 4)));
  }

  /** A TIFF header and an IFD0 holding an Orientation entry of the given type and value. */
  private static byte[] tiff(boolean little, int type, int value) {
    byte[] b = new byte[8 + 2 + 12 + 4];
    b[0] = b[1] = (byte) (little ? 'I' : 'M');
    put16(b, 2, 42, little);
    put32(b, 4, 8, little);
    put16(b, 8, 1, little); // one entry
    put16(b, 10, 0x0112, little);
    put16(b, 12, type, little);
    put32(b, 14, 1, little); // count
    if (type == 4) {
      put32(b, 18, value, little);
    } else {
      put16(b, 18, value, little);
    }
    return b;
  }

  private static void put16(byte[] b, int at, int v, boolean little) {
    b[at + (little ? 0 : 1)] = (byte) v;
    b[at + (little ? 1 : 0)] = (byte) (v >> 8);
  }

  private static void put32(byte[] b, int at, int v, boolean little) {
    put16(b, at + (little ? 0 : 2), v & 0xFFFF, little);
    put16(b, at + (little ? 2 : 0), v >>> 16, little);
  }

  private static RgbImage redImage(int width, int height, int... reds) {
    byte[] pixels = new byte[width * height * 3];
    for (int i = 0; i < reds.length; i++) {
      pixels[i * 3] = (byte) reds[i];
      pixels[i * 3 + 1] = (byte) (100 + reds[i]);
      pixels[i * 3 + 2] = (byte) (200 + reds[i]);
    }
    return new RgbImage(width, height, pixels);
  }

  private static int[] reds(RgbImage image) {
    int[] out = new int[image.width() * image.height()];
    for (int i = 0; i < out.length; i++) {
      out[i] = image.sample(i % image.width(), i / image.width(), 0);
      assertEquals(out[i] + 100, image.sample(i % image.width(), i / image.width(), 1));
    }
    return out;
  }
}
