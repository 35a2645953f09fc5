package io.mmserve.vision.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The vectorised resampler against a plain transcription of Pillow's 8-bit resampler, on random
 * images whose sizes exercise the tile blocking: several blocks of {@link ColumnTile#ROWS} rows, a
 * short last block, a single row, upscaling, and skipped passes.
 */
class PilResamplerTest {

  @ParameterizedTest
  @CsvSource({
    // width, height, resized width, resized height, window left, window top (64 x 64 windows)
    "640, 480, 85, 64, 10, 0",
    "1920, 1080, 113, 64, 24, 0",
    "480, 640, 64, 85, 0, 10",
    "300, 129, 148, 64, 42, 0",
    "257, 1000, 64, 249, 0, 92",
    "64, 48, 85, 64, 10, 0",
    "70, 1, 4480, 64, 2208, 0",
    "64, 300, 64, 64, 0, 0",
    "300, 64, 64, 64, 0, 0",
    "64, 900, 64, 200, 0, 68",
    "900, 64, 200, 64, 68, 0"
  })
  void resizeWindow_isBitIdenticalToAScalarTranscriptionOfPil(
      int width, int height, int outWidth, int outHeight, int left, int top) {
    RgbImage image = randomImage(width, height, width * 31L + height);
    ResampleCoefficients horizontal = ResampleCoefficients.bicubic(width, outWidth, left, 64);
    ResampleCoefficients vertical = ResampleCoefficients.bicubic(height, outHeight, top, 64);

    RgbImage window = PilResampler.resizeWindow(image, horizontal, vertical);

    byte[] expected = referenceResize(image, outWidth, outHeight);
    byte[] actual = window.pixels();
    for (int y = 0; y < 64; y++) {
      for (int x = 0; x < 64; x++) {
        for (int c = 0; c < 3; c++) {
          int e = expected[((top + y) * outWidth + left + x) * 3 + c] & 0xFF;
          assertEquals(e, actual[(y * 64 + x) * 3 + c] & 0xFF, "x=" + x + " y=" + y + " c=" + c);
        }
      }
    }
  }

  @ParameterizedTest
  @CsvSource({"700, 300, 1", "1100, 520, 2"})
  void resizeWindow_convertsYCbCrHeldImagesAsThePixelsWouldBe(int width, int height, long seed) {
    // Random Y, Cb and Cr leave 0..255 often, so the clamping path runs in most tile columns.
    byte[] ycc = new byte[width * height * 3];
    new Random(seed).nextBytes(ycc);
    RgbImage held = RgbImage.ofYCbCr(width, height, ycc);
    RgbImage converted = new RgbImage(width, height, RgbImage.ofYCbCr(width, height, ycc).pixels());
    long outWidth = (long) 64 * width / height;
    ResampleCoefficients horizontal =
        ResampleCoefficients.bicubic(width, outWidth, (outWidth - 64) / 2, 64);
    ResampleCoefficients vertical = ResampleCoefficients.bicubic(height, 64, 0, 64);

    byte[] fromHeld = PilResampler.resizeWindow(held, horizontal, vertical).pixels();

    assertArrayEquals(
        PilResampler.resizeWindow(converted, horizontal, vertical).pixels(), fromHeld);
  }

  @ParameterizedTest
  @CsvSource({"700, 300, false", "301, 520, true"})
  void resizeWindow_readsATurnedImageAsItsUprightCopy(int width, int height, boolean ycc) {
    byte[] samples = new byte[width * height * 3];
    new Random(width).nextBytes(samples);
    RgbImage stored =
        ycc
            ? RgbImage.ofYCbCr(width, height, samples)
            : new RgbImage(width, height, samples.clone());
    for (int orientation = 1; orientation <= 8; orientation++) {
      RgbImage turned = stored.oriented(orientation);
      RgbImage upright = new RgbImage(turned.width(), turned.height(), turned.pixels().clone());
      long outWidth = (long) 64 * turned.width() / Math.min(turned.width(), turned.height());
      long outHeight = (long) 64 * turned.height() / Math.min(turned.width(), turned.height());
      ResampleCoefficients horizontal =
          ResampleCoefficients.bicubic(turned.width(), outWidth, (outWidth - 64) / 2, 64);
      ResampleCoefficients vertical =
          ResampleCoefficients.bicubic(turned.height(), outHeight, (outHeight - 64) / 2, 64);

      assertArrayEquals(
          PilResampler.resizeWindow(upright, horizontal, vertical).pixels(),
          PilResampler.resizeWindow(turned, horizontal, vertical).pixels(),
          "orientation " + orientation);
    }
  }

  @ParameterizedTest
  @CsvSource({"64, 300", "300, 64", "64, 64"})
  void resizeWindow_readsATurnedImageOnSkippedPasses(int width, int height) {
    RgbImage stored = randomImage(width, height, 7);
    for (int orientation = 1; orientation <= 8; orientation++) {
      RgbImage turned = stored.oriented(orientation);
      RgbImage upright = new RgbImage(turned.width(), turned.height(), turned.pixels().clone());
      int w = turned.width();
      int h = turned.height();
      ResampleCoefficients horizontal = ResampleCoefficients.bicubic(w, 64, 0, 64);
      ResampleCoefficients vertical = ResampleCoefficients.bicubic(h, 64, 0, 64);

      assertArrayEquals(
          referenceResize(upright, 64, 64),
          PilResampler.resizeWindow(turned, horizontal, vertical).pixels(),
          "orientation " + orientation);
    }
  }

  /**
   * Pillow's ImagingResampleHorizontal_8bpc then ImagingResampleVertical_8bpc over the whole image,
   * one pixel and channel at a time, each pass skipped when its axis keeps its size.
   */
  private static byte[] referenceResize(RgbImage image, int outWidth, int outHeight) {
    int width = image.width();
    int height = image.height();
    byte[] src = image.pixels();
    byte[] horizontal = src;
    if (outWidth != width) {
      ResampleCoefficients c = ResampleCoefficients.bicubic(width, outWidth, 0, outWidth);
      horizontal = new byte[outWidth * height * 3];
      for (int y = 0; y < height; y++) {
        for (int x = 0; x < outWidth; x++) {
          for (int ch = 0; ch < 3; ch++) {
            int ss = ResampleCoefficients.HALF;
            for (int t = 0; t < c.count(x); t++) {
              ss +=
                  (src[(y * width + c.first(x) + t) * 3 + ch] & 0xFF)
                      * c.weights()[x * c.taps() + t];
            }
            horizontal[(y * outWidth + x) * 3 + ch] = (byte) ResampleCoefficients.clip8(ss);
          }
        }
      }
    }
    if (outHeight == height) {
      return horizontal;
    }
    ResampleCoefficients c = ResampleCoefficients.bicubic(height, outHeight, 0, outHeight);
    byte[] out = new byte[outWidth * outHeight * 3];
    for (int y = 0; y < outHeight; y++) {
      for (int x = 0; x < outWidth; x++) {
        for (int ch = 0; ch < 3; ch++) {
          int ss = ResampleCoefficients.HALF;
          for (int t = 0; t < c.count(y); t++) {
            ss +=
                (horizontal[((c.first(y) + t) * outWidth + x) * 3 + ch] & 0xFF)
                    * c.weights()[y * c.taps() + t];
          }
          out[(y * outWidth + x) * 3 + ch] = (byte) ResampleCoefficients.clip8(ss);
        }
      }
    }
    return out;
  }

  private static RgbImage randomImage(int width, int height, long seed) {
    byte[] pixels = new byte[width * height * 3];
    new Random(seed).nextBytes(pixels);
    return new RgbImage(width, height, pixels);
  }
}
