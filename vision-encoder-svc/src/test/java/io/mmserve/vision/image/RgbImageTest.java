package io.mmserve.vision.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
}
