package io.mmserve.vision.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmserve.kit.errors.InvalidInputException;
import io.mmserve.kit.errors.ResourceLimitException;
import io.mmserve.vision.image.FormatFixtures.Fixture;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * WebP decoding against PIL's {@code ImageOps.exif_transpose(Image.open(f)).convert("RGB")} (Pillow
 * 11.0.0 with libwebp), through the fixtures of {@code make_format_fixtures.py}.
 *
 * <p>Parity: lossless WebP (VP8L, with or without alpha, animated, with EXIF or ICC chunks) is
 * exact. Lossy WebP (VP8) is not: TwelveMonkeys' VP8 decoder and libwebp agree on luma (within 7
 * levels, mean 1 on {@code webp_lossy_64x48}) but differ in chroma at colour edges (libwebp
 * interpolates the half-resolution chroma, its "fancy upsampling"). Measured on the three lossy
 * fixtures: RGB differs by at most 62 levels (57, 62, 47) and by 4.6 to 6.6 levels on average; the
 * preprocessed 64x64 crop of {@code webp_lossy_64x48} by at most 36 levels, 3.7 on average.
 */
class WebpImageTest {
  /** Largest RGB difference from PIL measured on the lossy fixtures (62), rounded up. */
  private static final int LOSSY_MAX = 64;

  /** Largest mean RGB difference from PIL measured on the lossy fixtures (6.6), rounded up. */
  private static final double LOSSY_MEAN = 7.0;

  /**
   * Largest difference of the preprocessed 64x64 crop from PIL's, measured on the lossy fixture.
   */
  private static final int LOSSY_CROP_MAX = 36;

  private final ImageDecoder decoder = new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS);
  private final ClipPreprocessor preprocessor = new ClipPreprocessor(Fixtures.CONFIG);

  static List<Fixture> losslessFixtures() {
    return FormatFixtures.where("webp", false, "rgb");
  }

  static List<Fixture> lossyFixtures() {
    return FormatFixtures.where("webp", true, "rgb");
  }

  static List<Fixture> cropFixtures() {
    return FormatFixtures.all().stream()
        .filter(f -> f.format().equals("webp") && f.outputs().contains("crop"))
        .toList();
  }

  @ParameterizedTest
  @MethodSource("losslessFixtures")
  void decode_matchesPilExactlyForLosslessWebp(Fixture fixture) {
    RgbImage image = decoder.decode(0, fixture.bytes());

    assertEquals(fixture.width(), image.width());
    assertEquals(fixture.height(), image.height());
    assertEquals(0, Fixtures.maxAbsDiff(fixture.decodedReference(), image.pixels()));
  }

  @ParameterizedTest
  @MethodSource("lossyFixtures")
  void decode_matchesPilWithinTheMeasuredToleranceForLossyWebp(Fixture fixture) {
    RgbImage image = decoder.decode(0, fixture.bytes());

    assertEquals(fixture.width(), image.width());
    byte[] expected = fixture.decodedReference();
    int max = Fixtures.maxAbsDiff(expected, image.pixels());
    double mean = meanAbsDiff(expected, image.pixels());
    assertTrue(max <= LOSSY_MAX, "max difference " + max + " > " + LOSSY_MAX);
    assertTrue(mean <= LOSSY_MEAN, "mean difference " + mean + " > " + LOSSY_MEAN);
  }

  @ParameterizedTest
  @MethodSource("cropFixtures")
  void preprocess_feedsTheModelPilsPixelsForWebp(Fixture fixture) {
    RgbImage image = decoder.decode(0, fixture.bytes());
    RgbImage cropped = preprocessor.resizeAndCrop(image);
    float[] input = new float[preprocessor.floatsPerImage()];
    preprocessor.preprocess(image, input, 0);

    int max = Fixtures.maxAbsDiff(fixture.cropReference(), cropped.pixels());
    assertTrue(
        max <= (fixture.lossy() ? LOSSY_CROP_MAX : 0), fixture + ": max crop difference " + max);
    if (!fixture.lossy()) {
      assertArrayEquals(FormatFixtures.normalized(fixture.cropReference()), input);
    }
  }

  @Test
  void decode_showsTheFirstFrameOfAnAnimationAsPilDoes() {
    // The fixture's second frame is a different picture; PIL shows frame 0 after open().
    Fixture animated = FormatFixtures.named("webp_animated_32x24");

    RgbImage image = decoder.decode(0, animated.bytes());

    assertArrayEquals(animated.decodedReference(), image.pixels());
  }

  @Test
  void decode_placesAnOffsetFirstFrameOnABlackCanvasAsPilDoes() {
    // Canvas grown by 4x4 and the first frame moved to (2, 2); PIL (checked by hand) shows the
    // frame there and black around it.
    Fixture animated = FormatFixtures.named("webp_animated_32x24");
    byte[] data = animated.bytes();
    putU24(data, 24, 36 - 1);
    putU24(data, 27, 28 - 1);
    int anmf = indexOf(data, "ANMF") + 8;
    putU24(data, anmf, 1);
    putU24(data, anmf + 3, 1);

    RgbImage image = decoder.decode(0, data);

    assertEquals(36, image.width());
    assertEquals(28, image.height());
    byte[] frame = animated.decodedReference();
    for (int y = 0; y < 28; y++) {
      for (int x = 0; x < 36; x++) {
        boolean inside = x >= 2 && x < 34 && y >= 2 && y < 26;
        for (int c = 0; c < 3; c++) {
          int expected = inside ? frame[((y - 2) * 32 + x - 2) * 3 + c] & 0xFF : 0;
          assertEquals(expected, image.sample(x, y, c), "(" + x + ", " + y + ")");
        }
      }
    }
  }

  @Test
  void decode_rejectsLosslessWebpOverThePixelLimitFromItsHeader() {
    byte[] data = FormatFixtures.named("webp_lossless_32x24").bytes();
    // VP8L header after the 0x2f signature: 14 bits width - 1, 14 bits height - 1
    data[21] = (byte) 0xFF;
    data[22] = (byte) 0xFF;
    data[23] = (byte) 0xFF;
    data[24] = (byte) ((data[24] & 0xF0) | 0x0F);

    ResourceLimitException e =
        assertThrows(ResourceLimitException.class, () -> decoder.decode(4, data));

    assertEquals(
        "images[4]: 16384x16384 = 268435456 pixels exceeds the limit of 40000000 pixels",
        e.getMessage());
  }

  @Test
  void decode_rejectsLossyWebpOverThePixelLimitFromItsHeader() {
    byte[] data = FormatFixtures.named("webp_lossy_32x24").bytes();
    putU24(data, 26, 0x3FFF); // VP8 key frame: 14-bit width, then 14-bit height
    data[28] = (byte) 0xFF;
    data[29] = 0x3F;

    ResourceLimitException e =
        assertThrows(ResourceLimitException.class, () -> decoder.decode(0, data));

    assertTrue(
        e.getMessage().startsWith("images[0]: 16383x16383 = 268402689 pixels exceeds"),
        e.getMessage());
  }

  @Test
  void decode_rejectsAnAnimationCanvasOverThePixelLimitFromItsHeader() {
    byte[] data = FormatFixtures.named("webp_animated_32x24").bytes();
    putU24(data, 24, 0xFFFFFF); // VP8X canvas width - 1
    putU24(data, 27, 0xFFFFFF);

    ResourceLimitException e =
        assertThrows(ResourceLimitException.class, () -> decoder.decode(0, data));

    assertTrue(
        e.getMessage().startsWith("images[0]: 16777216x16777216 = 281474976710656 pixels"),
        e.getMessage());
  }

  @Test
  void decode_rejectsTruncatedWebp() {
    byte[] data = FormatFixtures.named("webp_lossless_32x24").bytes();
    byte[] cut = Arrays.copyOf(data, data.length / 2);

    InvalidInputException e =
        assertThrows(InvalidInputException.class, () -> decoder.decode(1, cut));

    assertEquals(
        "images[1]: truncated WebP data (RIFF size "
            + data.length
            + " bytes, but "
            + cut.length
            + " present)",
        e.getMessage());
  }

  @Test
  void decode_rejectsAWebpHeaderWithoutImageData() {
    byte[] header =
        "RIFF\u0024\0\0\0WEBPVP8 \u0018\0\0\0"
            .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);

    InvalidInputException e =
        assertThrows(InvalidInputException.class, () -> decoder.decode(2, header));

    assertTrue(e.getMessage().startsWith("images[2]: truncated WebP data"), e.getMessage());
  }

  @Test
  void decode_rejectsAWebpWhoseChunkRunsPastTheRiffBody() {
    byte[] data = FormatFixtures.named("webp_lossless_32x24").bytes();
    data[16] = (byte) 0xF0; // VP8L chunk length, low byte

    InvalidInputException e =
        assertThrows(InvalidInputException.class, () -> decoder.decode(0, data));

    assertEquals(
        "images[0]: truncated WebP data (chunk VP8L extends past the end of the data)",
        e.getMessage());
  }

  @Test
  void decode_rejectsGarbageLosslessBitstream() {
    byte[] data = FormatFixtures.named("webp_lossless_32x24").bytes();
    Random random = new Random(7);
    for (int i = 26; i < data.length; i++) {
      data[i] = (byte) random.nextInt(256);
    }

    InvalidInputException e =
        assertThrows(InvalidInputException.class, () -> decoder.decode(0, data));

    assertTrue(e.getMessage().startsWith("images[0]: corrupt WebP data ("), e.getMessage());
  }

  private static double meanAbsDiff(byte[] expected, byte[] actual) {
    long sum = 0;
    for (int i = 0; i < expected.length; i++) {
      sum += Math.abs((expected[i] & 0xFF) - (actual[i] & 0xFF));
    }
    return (double) sum / expected.length;
  }

  private static void putU24(byte[] data, int p, int value) {
    data[p] = (byte) value;
    data[p + 1] = (byte) (value >> 8);
    data[p + 2] = (byte) (value >> 16);
  }

  private static int indexOf(byte[] data, String ascii) {
    outer:
    for (int i = 12; i + ascii.length() <= data.length; i++) {
      for (int k = 0; k < ascii.length(); k++) {
        if (data[i + k] != ascii.charAt(k)) {
          continue outer;
        }
      }
      return i;
    }
    throw new AssertionError("no " + ascii);
  }
}
