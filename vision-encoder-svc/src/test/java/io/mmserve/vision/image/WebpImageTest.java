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
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * WebP decoding against PIL's {@code ImageOps.exif_transpose(Image.open(f)).convert("RGB")} (Pillow
 * 11.0.0, whose wheel bundles libwebp 1.4.0), through the fixtures of {@code
 * make_format_fixtures.py}, by libwebp (the default when {@code libwebp.so.7} is installed) and by
 * TwelveMonkeys' reader (the fallback).
 *
 * <p>Parity through libwebp: exact for every fixture, lossy (VP8, with or without ALPH) included,
 * with Debian's libwebp 1.2.4 as with Pillow's 1.4.0: the decoder is PIL's own, with the same
 * options ("fancy" chroma upsampling).
 *
 * <p>Without libwebp (the fallback), lossless WebP (VP8L, with or without alpha, animated, with
 * EXIF or ICC chunks) is decoded by TwelveMonkeys exactly as PIL, and lossy WebP is refused:
 * TwelveMonkeys' VP8 decoder lacks libwebp's "fancy" chroma upsampling (measured on the still lossy
 * fixtures: RGB up to 62 levels off, 4.6 to 6.6 on average; the preprocessed crop up to 36), and it
 * decodes the lossy animation's first frame (ALPH + VP8 in ANMF) as black.
 */
class WebpImageTest {
  private static final Optional<LibWebp> LIBWEBP = LibWebp.load();
  private final ImageDecoder decoder =
      new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS, TurboJpeg.load(), LIBWEBP);
  private final ImageDecoder fallback =
      new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS, TurboJpeg.load(), Optional.empty());
  private final ClipPreprocessor preprocessor = new ClipPreprocessor(Fixtures.CONFIG);

  static List<Fixture> decodedFixtures() {
    return FormatFixtures.all().stream()
        .filter(f -> f.format().equals("webp") && f.outputs().contains("rgb"))
        .toList();
  }

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

  @Test
  void load_findsLibwebp() {
    assertTrue(
        LIBWEBP.isPresent(),
        "libwebp.so.7 is not installed: the tests need it (Debian: apt-get install libwebp7;"
            + " .ci/run installs it)");
  }

  @ParameterizedTest
  @MethodSource("decodedFixtures")
  void decode_throughLibwebp_matchesPilExactly(Fixture fixture) {
    RgbImage image = decoder.decode(0, fixture.bytes());

    assertEquals(fixture.width(), image.width());
    assertEquals(fixture.height(), image.height());
    assertEquals(0, Fixtures.maxAbsDiff(fixture.decodedReference(), image.pixels()));
  }

  @ParameterizedTest
  @MethodSource("cropFixtures")
  void preprocess_throughLibwebp_feedsTheModelPilsPixels(Fixture fixture) {
    RgbImage image = decoder.decode(0, fixture.bytes());
    float[] input = new float[preprocessor.floatsPerImage()];
    preprocessor.preprocess(image, input, 0);

    assertArrayEquals(
        fixture.cropReference(), preprocessor.resizeAndCrop(image).pixels(), fixture.name());
    assertArrayEquals(FormatFixtures.normalized(fixture.cropReference()), input);
  }

  @ParameterizedTest
  @MethodSource("losslessFixtures")
  void decode_throughTwelveMonkeys_matchesPilExactlyForLosslessWebp(Fixture fixture) {
    RgbImage image = fallback.decode(0, fixture.bytes());

    assertEquals(fixture.width(), image.width());
    assertEquals(fixture.height(), image.height());
    assertEquals(0, Fixtures.maxAbsDiff(fixture.decodedReference(), image.pixels()));
  }

  @ParameterizedTest
  @MethodSource("lossyFixtures")
  void decode_withoutLibwebp_refusesLossyWebp(Fixture fixture) {
    InvalidInputException e =
        assertThrows(InvalidInputException.class, () -> fallback.decode(3, fixture.bytes()));

    assertEquals(
        "images[3]: unsupported image format variant: lossy WebP needs libwebp, which this server"
            + " lacks (its log says so at start-up)",
        e.getMessage());
  }

  @Test
  void preprocess_throughTwelveMonkeys_feedsTheModelPilsPixelsForLosslessWebp() {
    Fixture fixture = FormatFixtures.named("webp_lossless_64x48");
    RgbImage cropped = preprocessor.resizeAndCrop(fallback.decode(0, fixture.bytes()));

    assertArrayEquals(fixture.cropReference(), cropped.pixels());
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void decode_showsTheFirstFrameOfAnAnimationAsPilDoes(boolean withLibwebp) {
    // The fixture's second frame is a different picture; PIL shows frame 0 after open().
    Fixture animated = FormatFixtures.named("webp_animated_32x24");

    RgbImage image = (withLibwebp ? decoder : fallback).decode(0, animated.bytes());

    assertArrayEquals(animated.decodedReference(), image.pixels());
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void decode_placesAnOffsetFirstFrameOnABlackCanvasAsPilDoes(boolean withLibwebp) {
    // Canvas grown by 4x4 and the first frame moved to (2, 2); PIL (checked by hand) shows the
    // frame there and black around it.
    Fixture animated = FormatFixtures.named("webp_animated_32x24");
    byte[] data = animated.bytes();
    putU24(data, 24, 36 - 1);
    putU24(data, 27, 28 - 1);
    int anmf = indexOf(data, "ANMF") + 8;
    putU24(data, anmf, 1);
    putU24(data, anmf + 3, 1);

    RgbImage image = (withLibwebp ? decoder : fallback).decode(0, data);

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
  void decode_rejectsAChunkHeaderCutByTheEndOfTheRiffBody() {
    // Two bytes after the last chunk, inside the RIFF body: too short for a chunk header, whose
    // type must not be read (this once threw ArrayIndexOutOfBoundsException).
    byte[] original = FormatFixtures.named("webp_animated_32x24").bytes();
    byte[] data = Arrays.copyOf(original, original.length + 2);
    putU24(data, 4, original.length + 2 - 8);
    byte[] cut = data;

    InvalidInputException e =
        assertThrows(InvalidInputException.class, () -> decoder.decode(0, cut));

    assertEquals("images[0]: truncated WebP data (chunk header incomplete)", e.getMessage());
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

  @Test
  void decode_throughTwelveMonkeys_failsOnlyWithTypedErrorsOnMutatedWebp() {
    // ImageDecoderTest mutates every fixture through the default decoder (libwebp); this keeps
    // the fallback reader covered too.
    Random random = new Random(43);
    for (int round = 0; round < 20; round++) {
      for (Fixture fixture : decodedFixtures()) {
        byte[] data = fixture.bytes();
        if (random.nextBoolean()) {
          data = Arrays.copyOf(data, random.nextInt(data.length));
        } else {
          for (int i = random.nextInt(10); i >= 0; i--) {
            data[random.nextInt(data.length)] = (byte) random.nextInt(256);
          }
        }
        byte[] mutated = data;
        try {
          fallback.decode(0, mutated);
        } catch (InvalidInputException | ResourceLimitException expected) {
          assertTrue(expected.getMessage().startsWith("images[0]: "), expected.getMessage());
        }
      }
    }
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
