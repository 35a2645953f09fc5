package io.mmserve.vision.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmserve.kit.errors.InvalidInputException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * JPEG decoding through libjpeg-turbo (the default when libturbojpeg is installed) and through the
 * JDK's ImageIO reader (the fallback) against PIL's decoded pixels.
 */
class TurboJpegTest {
  /** libjpeg-turbo is PIL's own decoder: the same pixels. */
  private static final int TURBO_TOLERANCE = 0;

  /** The JDK's libjpeg (IJG 6b in Temurin) may round an IDCT output one level off PIL's. */
  private static final int IMAGEIO_TOLERANCE = 1;

  private static final Optional<TurboJpeg> TURBO = TurboJpeg.load();
  private final ImageDecoder turbo = new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS, TURBO);
  private final ImageDecoder imageIo =
      new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS, Optional.empty());

  static List<Fixtures.Fixture> jpegs() {
    return Fixtures.where(f -> f.lossy() && f.outputs().contains("rgb"));
  }

  @Test
  void load_findsLibturbojpeg() {
    assertTrue(
        TURBO.isPresent(),
        "libturbojpeg.so.0 is not installed: the tests need it (Debian: apt-get install"
            + " libturbojpeg0; .ci/run installs it)");
  }

  @ParameterizedTest
  @MethodSource("jpegs")
  void decode_throughLibjpegTurbo_matchesPil(Fixtures.Fixture fixture) {
    RgbImage image = turbo.decode(0, fixture.bytes());

    assertEquals(fixture.width(), image.width());
    assertEquals(fixture.height(), image.height());
    assertEquals(TURBO_TOLERANCE, Fixtures.maxAbsDiff(fixture.decodedReference(), image.pixels()));
  }

  @ParameterizedTest
  @MethodSource("jpegs")
  void decode_throughImageIo_matchesPilWithinOneLevel(Fixtures.Fixture fixture) {
    RgbImage image = imageIo.decode(0, fixture.bytes());

    assertEquals(fixture.width(), image.width());
    assertEquals(fixture.height(), image.height());
    int diff = Fixtures.maxAbsDiff(fixture.decodedReference(), image.pixels());
    assertTrue(diff <= IMAGEIO_TOLERANCE, "max difference " + diff + " > " + IMAGEIO_TOLERANCE);
  }

  @Test
  void decode_rejectsAFatalLibjpegErrorAsInvalidInput_throughBothDecoders() {
    byte[] jpeg = Fixtures.named("photo_320x240_444").bytes();
    byte[] corrupt = Arrays.copyOf(jpeg, jpeg.length);
    // a Huffman table of class 3 (only 0 and 1 exist): libjpeg stops with "Bogus DHT index"
    corrupt[indexOfMarker(corrupt, 0xC4) + 4] = 0x30;

    for (ImageDecoder decoder : List.of(turbo, imageIo)) {
      InvalidInputException e =
          assertThrows(InvalidInputException.class, () -> decoder.decode(3, corrupt));
      assertTrue(e.getMessage().startsWith("images[3]: corrupt JPEG data"), e.getMessage());
    }
  }

  private static int indexOfMarker(byte[] data, int marker) {
    for (int i = 0; i + 1 < data.length; i++) {
      if ((data[i] & 0xFF) == 0xFF && (data[i + 1] & 0xFF) == marker) {
        return i;
      }
    }
    throw new AssertionError("no marker " + Integer.toHexString(marker));
  }
}
