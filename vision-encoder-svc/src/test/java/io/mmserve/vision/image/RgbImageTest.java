package io.mmserve.vision.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RgbImageTest {

  @Test
  void constructor_rejectsAnArrayOfTheWrongLength() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new RgbImage(2, 2, new byte[11]));

    assertEquals("pixels must hold 12 bytes for 2x2, but held 11", e.getMessage());
  }

  @Test
  void ofYCbCr_convertsWithLibjpegsIntegerTables() {
    // Worked through libjpeg's ycc_rgb_convert (jdcolor.c): grey, saturated red, clipped blue.
    byte[] ycc = {(byte) 128, (byte) 128, (byte) 128, 76, 85, (byte) 255, 0, (byte) 255, 0};

    RgbImage image = RgbImage.ofYCbCr(3, 1, ycc);

    assertArrayEquals(
        new byte[] {(byte) 128, (byte) 128, (byte) 128, (byte) 254, 0, 0, 0, 48, (byte) 225},
        image.pixels());
  }

  @Test
  void resizeAndCrop_givesTheSamePixelsForYCbCrAndRgbHeldImages() {
    byte[] ycc = new byte[157 * 93 * 3];
    new Random(3).nextBytes(ycc);
    RgbImage held = RgbImage.ofYCbCr(157, 93, ycc);
    RgbImage converted = new RgbImage(157, 93, RgbImage.ofYCbCr(157, 93, ycc).pixels());
    ClipPreprocessor preprocessor = new ClipPreprocessor(Fixtures.CONFIG);

    byte[] fromHeld = preprocessor.resizeAndCrop(held).pixels();

    assertArrayEquals(preprocessor.resizeAndCrop(converted).pixels(), fromHeld);
  }

  @Test
  void oriented_turnsAsPilsExifTransposeDoes() {
    // A 3x2 image whose pixel (x, y) holds the value 10 * y + x in every channel:
    //   0  1  2
    //  10 11 12
    byte[] rgb = new byte[3 * 2 * 3];
    for (int y = 0; y < 2; y++) {
      for (int x = 0; x < 3; x++) {
        Arrays.fill(rgb, (y * 3 + x) * 3, (y * 3 + x) * 3 + 3, (byte) (10 * y + x));
      }
    }
    RgbImage image = new RgbImage(3, 2, rgb);
    // Rows of each orientation's result, as PIL's Image.transpose methods give them.
    int[][][] expected = {
      null,
      {{0, 1, 2}, {10, 11, 12}}, // 1: as stored
      {{2, 1, 0}, {12, 11, 10}}, // 2: FLIP_LEFT_RIGHT
      {{12, 11, 10}, {2, 1, 0}}, // 3: ROTATE_180
      {{10, 11, 12}, {0, 1, 2}}, // 4: FLIP_TOP_BOTTOM
      {{0, 10}, {1, 11}, {2, 12}}, // 5: TRANSPOSE
      {{10, 0}, {11, 1}, {12, 2}}, // 6: ROTATE_270 (clockwise)
      {{12, 2}, {11, 1}, {10, 0}}, // 7: TRANSVERSE
      {{2, 12}, {1, 11}, {0, 10}}, // 8: ROTATE_90 (counter-clockwise)
    };
    for (int orientation = 1; orientation <= 8; orientation++) {
      RgbImage turned = image.oriented(orientation);
      int[][] rows = expected[orientation];

      assertEquals(rows[0].length, turned.width(), "orientation " + orientation);
      assertEquals(rows.length, turned.height(), "orientation " + orientation);
      for (int y = 0; y < rows.length; y++) {
        for (int x = 0; x < rows[0].length; x++) {
          assertEquals(rows[y][x], turned.sample(x, y, 1), "orientation " + orientation);
        }
      }
    }
  }

  @Test
  void inBuffer_readsOnlyTheImagesBytesOfALongerBuffer() {
    byte[] buffer = new byte[100];
    Arrays.fill(buffer, (byte) 7);
    buffer[0] = 1;
    buffer[11] = 2;

    RgbImage image = RgbImage.inBuffer(2, 2, buffer);

    byte[] pixels = image.pixels();
    assertEquals(12, pixels.length);
    assertEquals(1, pixels[0]);
    assertEquals(2, pixels[11]);
  }

  @Test
  void inBuffer_rejectsABufferTooShort() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> RgbImage.inBuffer(2, 2, new byte[11]));

    assertEquals("pixels must hold at least 12 bytes for 2x2, but held 11", e.getMessage());
  }
}
