package io.mmserve.vision.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmserve.vision.image.Fixtures.Fixture;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ClipPreprocessorTest {
  /** Resize and crop of lossless input reproduce PIL's 8-bit fixed-point arithmetic exactly. */
  private static final int PNG_TOLERANCE = 0;

  /** JPEG input may differ by one level after decoding; the resize must not widen that. */
  private static final int JPEG_TOLERANCE = 1;

  private final ImageDecoder decoder = new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS);
  private final ClipPreprocessor preprocessor = new ClipPreprocessor(Fixtures.CONFIG);

  static List<Fixture> losslessCropFixtures() {
    return Fixtures.where(f -> !f.lossy() && f.outputs().contains("crop"));
  }

  static List<Fixture> jpegCropFixtures() {
    return Fixtures.where(f -> f.lossy() && f.outputs().contains("crop"));
  }

  @ParameterizedTest
  @MethodSource("losslessCropFixtures")
  void resizeAndCrop_isBitIdenticalToPilOnPng(Fixture fixture) {
    RgbImage cropped = preprocessor.resizeAndCrop(decoder.decode(0, fixture.bytes()));

    assertEquals(64, cropped.width());
    assertEquals(64, cropped.height());
    assertEquals(PNG_TOLERANCE, Fixtures.maxAbsDiff(fixture.cropReference(), cropped.pixels()));
  }

  @ParameterizedTest
  @MethodSource("jpegCropFixtures")
  void resizeAndCrop_matchesPilWithinOneLevelOnJpeg(Fixture fixture) {
    RgbImage cropped = preprocessor.resizeAndCrop(decoder.decode(0, fixture.bytes()));

    int diff = Fixtures.maxAbsDiff(fixture.cropReference(), cropped.pixels());
    assertTrue(diff <= JPEG_TOLERANCE, "max difference " + diff + " > " + JPEG_TOLERANCE);
  }

  @Test
  void normalize_isBitIdenticalToHuggingFaceFloat32Arithmetic() {
    float[][] expected = Fixtures.normalizeTable();
    byte[] levels = new byte[256 * 3];
    for (int v = 0; v < 256; v++) {
      levels[v * 3] = levels[v * 3 + 1] = levels[v * 3 + 2] = (byte) v;
    }
    float[] out = new float[3 * 256];

    preprocessor.normalize(new RgbImage(256, 1, levels), out, 0);

    for (int c = 0; c < 3; c++) {
      assertArrayEquals(
          expected[c], Arrays.copyOfRange(out, c * 256, c * 256 + 256), "channel " + c);
    }
  }

  @Test
  void preprocess_writesChannelPlanesAtTheOffset() {
    RgbImage image = decoder.decode(0, Fixtures.named("rgb_200x100").bytes());
    RgbImage cropped = preprocessor.resizeAndCrop(image);
    float[][] table = Fixtures.normalizeTable();
    int n = preprocessor.floatsPerImage();
    float[] batch = new float[n * 3];
    Arrays.fill(batch, Float.NaN);

    preprocessor.preprocess(image, batch, n);

    assertTrue(Float.isNaN(batch[n - 1]) && Float.isNaN(batch[2 * n]), "wrote outside its slot");
    int plane = 64 * 64;
    for (int y : new int[] {0, 17, 63}) {
      for (int x : new int[] {0, 40, 63}) {
        for (int c = 0; c < 3; c++) {
          assertEquals(
              table[c][cropped.sample(x, y, c)], batch[n + c * plane + y * 64 + x], "c" + c);
        }
      }
    }
  }

  @Test
  void preprocess_fillsADirectBufferLikeAnArray() {
    RgbImage image = decoder.decode(0, Fixtures.named("rgb_31x257").bytes());
    int n = preprocessor.floatsPerImage();
    float[] array = new float[n];
    FloatBuffer direct =
        ByteBuffer.allocateDirect(2 * n * Float.BYTES)
            .order(ByteOrder.nativeOrder())
            .asFloatBuffer();

    preprocessor.preprocess(image, array, 0);
    preprocessor.preprocess(image, direct, n);

    float[] fromBuffer = new float[n];
    direct.get(n, fromBuffer);
    assertArrayEquals(array, fromBuffer);
    assertEquals(0, direct.position());
  }

  @Test
  void preprocess_rejectsADestinationTooSmall() {
    RgbImage image = decoder.decode(0, Fixtures.named("rgb_64x64").bytes());
    float[] small = new float[preprocessor.floatsPerImage() + 10];

    assertThrows(IndexOutOfBoundsException.class, () -> preprocessor.preprocess(image, small, 11));
  }

  @Test
  void resizedSize_followsEachConventionAsTheReferenceLibrariesDo() {
    for (String[] row : Fixtures.sizeTable()) {
      int w = Integer.parseInt(row[0]);
      int h = Integer.parseInt(row[1]);
      int edge = Integer.parseInt(row[2]);
      int crop = Integer.parseInt(row[3]);
      ResizeConvention convention =
          switch (row[4]) {
            case "hf" -> ResizeConvention.HF_CLIP_IMAGE_PROCESSOR;
            case "torchvision" -> ResizeConvention.TORCHVISION;
            default -> ResizeConvention.ROUND_HALF_EVEN;
          };
      ClipPreprocessor p = new ClipPreprocessor(config(edge, crop, convention));
      String what = String.join(" ", row);

      long[] size = p.resizedSize(w, h);

      assertEquals(Integer.parseInt(row[5]), size[0], what);
      assertEquals(Integer.parseInt(row[6]), size[1], what);
      assertEquals(Integer.parseInt(row[7]), convention.cropOffset(size[0], crop), what);
      assertEquals(Integer.parseInt(row[8]), convention.cropOffset(size[1], crop), what);
    }
  }

  @Test
  void resizeAndCrop_ofAWindowEqualsCroppingTheFullResize() {
    // The preprocessor computes only the crop window; a window covering everything is the full
    // resize, from which the centre crop must be the same pixels.
    RgbImage image = randomImage(157, 93, 1);
    ResampleCoefficients v = ResampleCoefficients.bicubic(93, 64, 0, 64);
    RgbImage full =
        PilResampler.resizeWindow(image, ResampleCoefficients.bicubic(157, 108, 0, 108), v);

    RgbImage window =
        PilResampler.resizeWindow(image, ResampleCoefficients.bicubic(157, 108, 22, 64), v);

    for (int y = 0; y < 64; y++) {
      for (int x = 0; x < 64; x++) {
        for (int c = 0; c < 3; c++) {
          assertEquals(full.sample(22 + x, y, c), window.sample(x, y, c));
        }
      }
    }
  }

  @Test
  void resizeAndCrop_leavesAnImageOfTheTargetSizeUnchanged() {
    RgbImage image = randomImage(64, 64, 2);

    assertArrayEquals(image.pixels(), preprocessor.resizeAndCrop(image).pixels());
  }

  @Test
  void resizeAndCrop_computesOnlyTheWindowOfAVeryThinImage() {
    // 1 x 200,000 is resized to 64 x 12,800,000; a full-axis tap table would take ~250 MB.
    int height = 200_000;
    byte[] column = new byte[height * 3];
    Arrays.fill(column, (byte) 77);

    RgbImage cropped = preprocessor.resizeAndCrop(new RgbImage(1, height, column));

    assertEquals(64, cropped.width());
    assertEquals(64, cropped.height());
    assertEquals(77, cropped.sample(31, 40, 1));
  }

  @Test
  void resizedSize_doesNotOverflowForALongSideBeyondIntRange() {
    long[] size = preprocessor.resizedSize(1, 40_000_000);

    assertEquals(64, size[0]);
    assertEquals(2_560_000_000L, size[1]);
  }

  @Test
  void config_rejectsACropLargerThanTheResizedShortSide() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> config(64, 65, ResizeConvention.TORCHVISION));

    assertTrue(
        e.getMessage().contains("must fit inside the resized short side 64"), e.getMessage());
  }

  @Test
  void config_rejectsNonPositiveStd() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                ClipPreprocessorConfig.of(
                    64, 64, 64, 1 / 255.0, new double[] {0, 0, 0}, new double[] {1, 0, 1}));

    assertTrue(e.getMessage().startsWith("std must hold positive finite numbers"), e.getMessage());
  }

  private static ClipPreprocessorConfig config(int edge, int crop, ResizeConvention convention) {
    return new ClipPreprocessorConfig(
        edge,
        crop,
        crop,
        1 / 255.0,
        new double[] {0.5, 0.5, 0.5},
        new double[] {0.5, 0.5, 0.5},
        convention);
  }

  private static RgbImage randomImage(int width, int height, long seed) {
    byte[] pixels = new byte[width * height * 3];
    new Random(seed).nextBytes(pixels);
    return new RgbImage(width, height, pixels);
  }
}
