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
 * TIFF decoding against PIL's {@code ImageOps.exif_transpose(Image.open(f)).convert("RGB")} (Pillow
 * 11.0.0), through the fixtures of {@code make_format_fixtures.py}. Parity: every supported variant
 * (uncompressed, LZW, Deflate, PackBits; RGB, RGBA, grey 1/8/16-bit, WhiteIsZero, palette, CMYK,
 * 16-bit RGB, first of two pages, Orientation tag) is exact.
 */
class TiffImageTest {
  private final ImageDecoder decoder = new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS);
  private final ClipPreprocessor preprocessor = new ClipPreprocessor(Fixtures.CONFIG);

  static List<Fixture> tiffFixtures() {
    return FormatFixtures.where("tiff", false, "rgb");
  }

  @ParameterizedTest
  @MethodSource("tiffFixtures")
  void decode_matchesPilExactlyForEveryTiffVariant(Fixture fixture) {
    RgbImage image = decoder.decode(0, fixture.bytes());

    assertEquals(fixture.width(), image.width());
    assertEquals(fixture.height(), image.height());
    assertEquals(0, Fixtures.maxAbsDiff(fixture.decodedReference(), image.pixels()));
  }

  @Test
  void preprocess_feedsTheModelPilsPixelsForTiff() {
    Fixture fixture = FormatFixtures.named("tiff_lzw_rgb_64x48");
    RgbImage image = decoder.decode(0, fixture.bytes());
    float[] input = new float[preprocessor.floatsPerImage()];

    preprocessor.preprocess(image, input, 0);

    assertArrayEquals(
        fixture.cropReference(), preprocessor.resizeAndCrop(image).pixels(), "resized crop");
    assertArrayEquals(FormatFixtures.normalized(fixture.cropReference()), input);
  }

  @Test
  void decode_readsTheFirstPageOfAMultiPageTiff() {
    Fixture twoPages = FormatFixtures.named("tiff_two_pages_32x24");

    RgbImage image = decoder.decode(0, twoPages.bytes());

    assertArrayEquals(twoPages.decodedReference(), image.pixels());
  }

  @Test
  void decode_appliesTheOrientationTagAsPilExifTranspose() {
    Fixture turned = FormatFixtures.named("tiff_orient6_32x24");

    RgbImage image = decoder.decode(0, turned.bytes());

    assertEquals(24, image.width());
    assertEquals(32, image.height());
    assertArrayEquals(turned.decodedReference(), image.pixels());
  }

  @Test
  void decode_readsOneBitsPerSampleValueAsTheDepthOfEverySampleAsPilDoes() {
    Fixture rgb = FormatFixtures.named("tiff_raw_rgb_32x24");
    byte[] data = rgb.bytes();
    int bits = entry(data, 258); // SHORT x 3 at an offset, becomes SHORT x 1 inline
    data[bits + 4] = 1;
    setTag(data, 258, 8);

    RgbImage image = decoder.decode(0, data);

    assertArrayEquals(rgb.decodedReference(), image.pixels());
  }

  @Test
  void decode_rejectsAHugeSamplesPerPixelBeforeSizingAnythingByIt() {
    // found by ImageDecodingFuzzTest (crash_samples_per_pixel_huge): one BitsPerSample value was
    // copied to SamplesPerPixel (1456860675) entries, an OutOfMemoryError
    byte[] data = FormatFixtures.named("tiff_raw_rgb_32x24").bytes();
    int bits = entry(data, 258);
    data[bits + 4] = 1;
    setTag(data, 258, 8);
    setTag(data, 277, 60_000);

    InvalidInputException e =
        assertThrows(InvalidInputException.class, () -> decoder.decode(0, data));

    assertEquals(
        "images[0]: unsupported TIFF variant: photometric interpretation 2 (RGB) with 60000 samples"
            + " per pixel; supported: grey 1/2/4/8-bit (and 16-bit BlackIsZero), RGB or RGBA"
            + " 8/16-bit, palette 1/2/4/8-bit, CMYK 8-bit",
        e.getMessage());
  }

  @Test
  void decode_rejectsTiffOverThePixelLimitFromItsHeader() {
    byte[] data = FormatFixtures.named("tiff_lzw_rgb_32x24").bytes();
    setTag(data, 256, 60_000);
    setTag(data, 257, 60_000);

    ResourceLimitException e =
        assertThrows(ResourceLimitException.class, () -> decoder.decode(5, data));

    assertEquals(
        "images[5]: 60000x60000 = 3600000000 pixels exceeds the limit of 40000000 pixels",
        e.getMessage());
  }

  @Test
  void decode_rejectsATileFarLargerThanTheImageBeforeDecoding() {
    byte[] data = FormatFixtures.named("tiff_raw_rgb_32x24").bytes();
    // strips become tiles: RowsPerStrip (LONG) -> TileWidth, PlanarConfiguration (SHORT) ->
    // TileLength, StripOffsets -> TileOffsets, StripByteCounts -> TileByteCounts
    retag(data, 278, 322);
    retag(data, 284, 323);
    retag(data, 273, 324);
    retag(data, 279, 325);
    setTag(data, 322, 1_000_000);
    setTag(data, 323, 60_000);

    InvalidInputException e =
        assertThrows(InvalidInputException.class, () -> decoder.decode(0, data));

    assertEquals(
        "images[0]: unsupported TIFF tile size 1000000x60000 for a 32x24 image", e.getMessage());
  }

  @Test
  void decode_rejectsTruncatedTiff() {
    byte[] data = FormatFixtures.named("tiff_raw_rgb_32x24").bytes();
    byte[] cut = Arrays.copyOf(data, data.length * 2 / 3);

    InvalidInputException e =
        assertThrows(InvalidInputException.class, () -> decoder.decode(0, cut));

    assertTrue(e.getMessage().startsWith("images[0]: truncated TIFF data (strip "), e.getMessage());
  }

  @Test
  void decode_rejectsTiffWhoseDirectoryIsPastTheEnd() {
    byte[] data = FormatFixtures.named("tiff_raw_rgb_32x24").bytes();
    data[4] = (byte) 0xF0;
    data[5] = (byte) 0xFF;

    InvalidInputException e =
        assertThrows(InvalidInputException.class, () -> decoder.decode(0, data));

    assertEquals(
        "images[0]: truncated TIFF data (first directory at offset 65520 is past the end of the"
            + " data)",
        e.getMessage());
  }

  @Test
  void decode_rejectsYCbCrTiffNamingThePhotometricInterpretationAndBits() {
    byte[] data = FormatFixtures.named("tiff_raw_rgb_32x24").bytes();
    setTag(data, 262, 6);

    InvalidInputException e =
        assertThrows(InvalidInputException.class, () -> decoder.decode(0, data));

    assertTrue(
        e.getMessage()
            .startsWith(
                "images[0]: unsupported TIFF variant: photometric interpretation 6 (YCbCr) with 3"
                    + " samples of [8, 8, 8] bits; supported: "),
        e.getMessage());
  }

  @Test
  void decode_rejectsJpegCompressedTiffNamingTheCompression() {
    byte[] data = FormatFixtures.named("tiff_raw_rgb_32x24").bytes();
    setTag(data, 259, 7);

    InvalidInputException e =
        assertThrows(InvalidInputException.class, () -> decoder.decode(0, data));

    assertEquals(
        "images[0]: unsupported TIFF compression 7 (JPEG); supported: none, LZW, Deflate,"
            + " PackBits",
        e.getMessage());
  }

  @Test
  void decode_rejectsBigTiffByName() {
    byte[] bigTiff = {'I', 'I', 43, 0, 8, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0};

    InvalidInputException e =
        assertThrows(InvalidInputException.class, () -> decoder.decode(0, bigTiff));

    assertEquals(
        "images[0]: unsupported image format BigTIFF (classic TIFF is supported)", e.getMessage());
  }

  @Test
  void decode_rejectsGarbageDeflateData() {
    byte[] data = FormatFixtures.named("tiff_deflate_rgb_32x24").bytes();
    int strip = (int) tagValue(data, 273);
    Random random = new Random(3);
    for (int i = strip; i < strip + 64; i++) {
      data[i] = (byte) random.nextInt(256);
    }

    InvalidInputException e =
        assertThrows(InvalidInputException.class, () -> decoder.decode(0, data));

    assertTrue(e.getMessage().startsWith("images[0]: corrupt TIFF data ("), e.getMessage());
  }

  /** The byte offset of {@code tag}'s entry in the first directory of a little-endian TIFF. */
  private static int entry(byte[] data, int tag) {
    int ifd = (int) u32(data, 4);
    int count = u16(data, ifd);
    for (int i = 0, e = ifd + 2; i < count; i++, e += 12) {
      if (u16(data, e) == tag) {
        return e;
      }
    }
    throw new AssertionError("no tag " + tag);
  }

  /** The first value of a SHORT or LONG tag, stored in its entry or at the offset it names. */
  private static long tagValue(byte[] data, int tag) {
    int e = entry(data, tag);
    boolean isShort = u16(data, e + 2) == 3;
    long count = u32(data, e + 4);
    int at = count * (isShort ? 2 : 4) <= 4 ? e + 8 : (int) u32(data, e + 8);
    return isShort ? u16(data, at) : u32(data, at);
  }

  /** Changes the tag number of {@code tag}'s entry to {@code newTag}. */
  private static void retag(byte[] data, int tag, int newTag) {
    int e = entry(data, tag);
    data[e] = (byte) newTag;
    data[e + 1] = (byte) (newTag >> 8);
  }

  /** Overwrites the single SHORT or LONG value of {@code tag}. */
  private static void setTag(byte[] data, int tag, int value) {
    int e = entry(data, tag);
    data[e + 8] = (byte) value;
    data[e + 9] = (byte) (value >> 8);
    if (u16(data, e + 2) == 4) {
      data[e + 10] = (byte) (value >> 16);
      data[e + 11] = (byte) (value >> 24);
    }
  }

  private static int u16(byte[] data, int p) {
    return (data[p] & 0xFF) | (data[p + 1] & 0xFF) << 8;
  }

  private static long u32(byte[] data, int p) {
    return u16(data, p) | (long) u16(data, p + 2) << 16;
  }
}
