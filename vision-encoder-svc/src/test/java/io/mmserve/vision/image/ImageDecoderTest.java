package io.mmserve.vision.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.mmserve.kit.errors.InvalidInputException;
import io.mmserve.kit.errors.ResourceLimitException;
import io.mmserve.vision.image.Fixtures.Fixture;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ImageDecoderTest {
  /** Lossless formats decode to exactly PIL's values. */
  private static final int LOSSLESS_TOLERANCE = 0;

  /** JPEG: the JDK's libjpeg and PIL's libjpeg-turbo may round an IDCT output differently. */
  private static final int JPEG_TOLERANCE = 1;

  private final ImageDecoder decoder = new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS);

  static List<Fixture> losslessDecodeFixtures() {
    return Fixtures.where(f -> !f.lossy() && f.outputs().contains("rgb"));
  }

  static List<Fixture> jpegDecodeFixtures() {
    return Fixtures.where(f -> f.lossy() && f.outputs().contains("rgb"));
  }

  @ParameterizedTest
  @MethodSource("losslessDecodeFixtures")
  void decode_matchesPilExactlyForLosslessFormats(Fixture fixture) {
    RgbImage image = decoder.decode(0, fixture.bytes());

    assertEquals(fixture.width(), image.width());
    assertEquals(fixture.height(), image.height());
    assertEquals(
        LOSSLESS_TOLERANCE, Fixtures.maxAbsDiff(fixture.decodedReference(), image.pixels()));
  }

  @ParameterizedTest
  @MethodSource("jpegDecodeFixtures")
  void decode_matchesPilWithinOneLevelForJpeg(Fixture fixture) {
    RgbImage image = decoder.decode(0, fixture.bytes());

    assertEquals(fixture.width(), image.width());
    assertEquals(fixture.height(), image.height());
    int diff = Fixtures.maxAbsDiff(fixture.decodedReference(), image.pixels());
    assertTrue(diff <= JPEG_TOLERANCE, "max difference " + diff + " > " + JPEG_TOLERANCE);
  }

  @Test
  void decode_appliesEachExifOrientationAsPilExifTranspose() {
    RgbImage upright = decoder.decode(0, Fixtures.named("orient1_24x16").bytes());
    for (int orientation = 2; orientation <= 8; orientation++) {
      // Same JPEG scan data, only the EXIF tag differs: the pixels must be an exact transposition.
      RgbImage turned =
          decoder.decode(0, Fixtures.named("orient" + orientation + "_24x16").bytes());

      RgbImage expected = ExifOrientation.apply(upright, orientation);
      assertEquals(expected.width(), turned.width(), "orientation " + orientation);
      assertArrayEquals(expected.pixels(), turned.pixels(), "orientation " + orientation);
    }
  }

  @Test
  void decode_rejectsEmptyData() {
    InvalidInputException e =
        assertThrows(InvalidInputException.class, () -> decoder.decode(3, new byte[0]));

    assertEquals("images[3]: empty image data (0 bytes)", e.getMessage());
  }

  @Test
  void decode_rejectsTextBytes() {
    byte[] text = "hello, this is not an image".getBytes(StandardCharsets.US_ASCII);

    InvalidInputException e =
        assertThrows(InvalidInputException.class, () -> decoder.decode(1, text));

    assertTrue(
        e.getMessage().startsWith("images[1]: not an image in a recognised format"),
        e.getMessage());
    assertTrue(
        e.getMessage().contains("supported formats: JPEG, PNG, GIF, BMP, WebP, TIFF"),
        e.getMessage());
  }

  @Test
  void decode_rejectsHeicNamingTheFormat() {
    byte[] heic = ascii("\0\0\0\u0018ftypheic\0\0\0\0mif1heic");

    InvalidInputException e =
        assertThrows(InvalidInputException.class, () -> decoder.decode(2, heic));

    assertEquals(
        "images[2]: unsupported image format HEIF/HEIC;"
            + " supported formats: JPEG, PNG, GIF, BMP, WebP, TIFF",
        e.getMessage());
  }

  @Test
  void decode_rejectsTruncatedJpeg() {
    byte[] jpeg = Fixtures.named("photo_640x480").bytes();
    byte[] cut = Arrays.copyOf(jpeg, jpeg.length * 6 / 10);

    InvalidInputException e =
        assertThrows(InvalidInputException.class, () -> decoder.decode(4, cut));

    assertEquals("images[4]: truncated JPEG data (no end-of-image marker)", e.getMessage());
  }

  @Test
  void decode_rejectsJpegMissingOnlyItsEndMarker() {
    byte[] jpeg = Fixtures.named("photo_320x240_444").bytes();
    byte[] cut = Arrays.copyOf(jpeg, jpeg.length - 2);

    assertThrows(InvalidInputException.class, () -> decoder.decode(0, cut));
  }

  @Test
  void decode_rejectsTruncatedProgressiveJpeg() {
    byte[] jpeg = Fixtures.named("photo_256x192_progressive").bytes();
    byte[] cut = Arrays.copyOf(jpeg, jpeg.length / 2);

    InvalidInputException e =
        assertThrows(InvalidInputException.class, () -> decoder.decode(0, cut));

    assertTrue(e.getMessage().contains("truncated JPEG data"), e.getMessage());
  }

  @Test
  void decode_rejectsJpegCutInsideItsHeader() {
    byte[] jpeg = Fixtures.named("photo_320x240_444").bytes();
    byte[] cut = Arrays.copyOf(jpeg, 40);

    InvalidInputException e =
        assertThrows(InvalidInputException.class, () -> decoder.decode(0, cut));

    assertEquals("images[0]: truncated JPEG data (header ends early)", e.getMessage());
  }

  @Test
  void decode_rejectsTruncatedPngImageData() {
    byte[] png = Fixtures.named("rgb_240x150").bytes();
    byte[] cut = Arrays.copyOf(png, png.length / 2);

    InvalidInputException e =
        assertThrows(InvalidInputException.class, () -> decoder.decode(5, cut));

    assertEquals(
        "images[5]: truncated PNG data (chunk IDAT extends past the end of the data)",
        e.getMessage());
  }

  @Test
  void decode_rejectsPngWithoutIendChunk() {
    byte[] png = Fixtures.named("rgb_64x48").bytes();
    byte[] cut = Arrays.copyOf(png, png.length - 12); // the IEND chunk is 12 bytes

    InvalidInputException e =
        assertThrows(InvalidInputException.class, () -> decoder.decode(0, cut));

    assertEquals("images[0]: truncated PNG data (missing IEND chunk)", e.getMessage());
  }

  @Test
  void decode_rejectsPngWithBadHeaderCrc() {
    byte[] png = Fixtures.named("rgb_64x48").bytes();
    png[29] ^= 0x55; // last byte of the IHDR CRC

    InvalidInputException e =
        assertThrows(InvalidInputException.class, () -> decoder.decode(0, png));

    assertEquals("images[0]: corrupt PNG data (bad CRC in chunk IHDR)", e.getMessage());
  }

  @Test
  void decode_rejectsPngWithCorruptImageData() {
    byte[] png = png(8, 8, 2, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, false); // not zlib

    InvalidInputException e =
        assertThrows(InvalidInputException.class, () -> decoder.decode(0, png));

    assertTrue(e.getMessage().startsWith("images[0]: corrupt PNG data"), e.getMessage());
  }

  @Test
  void decode_rejectsZeroSizedPng() {
    byte[] png = png(0, 10, 2, new byte[0], true);

    InvalidInputException e =
        assertThrows(InvalidInputException.class, () -> decoder.decode(6, png));

    assertEquals("images[6]: zero-sized image (0x10)", e.getMessage());
  }

  @Test
  void decode_rejectsZeroSizedJpeg() {
    byte[] jpeg = Fixtures.named("photo_40x30_420").bytes();
    int sof = indexOfMarker(jpeg, 0xC0);
    jpeg[sof + 5] = 0; // height, high byte
    jpeg[sof + 6] = 0; // height, low byte

    InvalidInputException e =
        assertThrows(InvalidInputException.class, () -> decoder.decode(0, jpeg));

    assertEquals("images[0]: zero-sized image (40x0)", e.getMessage());
  }

  @Test
  void decode_rejectsPngDecompressionBombFromItsHeaderAlone() {
    // 100000 x 100000 RGB would need 30 GB; the whole file is under 100 bytes.
    byte[] bomb = png(100_000, 100_000, 2, new byte[0], true);

    ResourceLimitException e =
        assertThrows(ResourceLimitException.class, () -> decoder.decode(7, bomb));

    assertEquals(
        "images[7]: 100000x100000 = 10000000000 pixels exceeds the limit of 40000000 pixels",
        e.getMessage());
    assertTrue(bomb.length < 100);
  }

  @Test
  void decode_allocatesNothingLikeTheBombsSizeBeforeRejectingIt() {
    assumeTrue(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean);
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    byte[] bomb = png(100_000, 100_000, 2, new byte[0], true);
    decoder.decode(0, Fixtures.named("gray_40x30").bytes()); // load the classes first
    long before = threads.getCurrentThreadAllocatedBytes();

    assertThrows(ResourceLimitException.class, () -> decoder.decode(0, bomb));

    long allocated = threads.getCurrentThreadAllocatedBytes() - before;
    assertTrue(allocated < 1_000_000, allocated + " bytes allocated");
  }

  @Test
  void decode_failsOnlyWithTypedErrorsOnMutatedFiles() {
    // Cut and corrupted copies of every fixture: each must decode or be refused with the
    // service's exceptions, never with anything else.
    Random random = new Random(42);
    ImageDecoder limited = new ImageDecoder(4_000_000);
    for (int round = 0; round < 6; round++) {
      for (Fixture fixture : Fixtures.all()) {
        byte[] data = fixture.bytes();
        if (random.nextBoolean()) {
          data = Arrays.copyOf(data, random.nextInt(data.length));
        } else {
          for (int i = random.nextInt(10); i >= 0; i--) {
            data[random.nextInt(Math.min(data.length, 300))] = (byte) random.nextInt(256);
          }
        }
        byte[] mutated = data;
        try {
          limited.decode(0, mutated);
        } catch (InvalidInputException | ResourceLimitException expected) {
          assertTrue(expected.getMessage().startsWith("images[0]: "), expected.getMessage());
        }
      }
    }
  }

  @Test
  void decode_failsOnlyWithTypedErrorsOnMutatedWebpAndTiff() {
    // Cut and corrupted copies of every WebP and TIFF fixture: each must decode or be refused
    // with the service's exceptions, never with anything else.
    Random random = new Random(42);
    ImageDecoder limited = new ImageDecoder(4_000_000);
    for (int round = 0; round < 20; round++) {
      for (FormatFixtures.Fixture fixture : FormatFixtures.all()) {
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
          limited.decode(0, mutated);
        } catch (InvalidInputException | ResourceLimitException expected) {
          assertTrue(expected.getMessage().startsWith("images[0]: "), expected.getMessage());
        }
      }
    }
  }

  @Test
  void decode_rejectsJpegDecompressionBombFromItsHeaderAlone() {
    byte[] jpeg = Fixtures.named("photo_40x30_420").bytes();
    int sof = indexOfMarker(jpeg, 0xC0);
    jpeg[sof + 5] = (byte) 0xFF; // height 65535
    jpeg[sof + 6] = (byte) 0xFF;
    jpeg[sof + 7] = (byte) 0xFF; // width 65535
    jpeg[sof + 8] = (byte) 0xFF;

    ResourceLimitException e =
        assertThrows(ResourceLimitException.class, () -> decoder.decode(0, jpeg));

    assertTrue(
        e.getMessage().startsWith("images[0]: 65535x65535 = 4294836225 pixels"), e.getMessage());
  }

  @Test
  void decode_appliesTheConfiguredPixelLimit() {
    ImageDecoder small = new ImageDecoder(1000);

    ResourceLimitException e =
        assertThrows(
            ResourceLimitException.class,
            () -> small.decode(2, Fixtures.named("gray_40x30").bytes()));

    assertEquals("images[2]: 40x30 = 1200 pixels exceeds the limit of 1000 pixels", e.getMessage());
  }

  @Test
  void decode_acceptsAnImageExactlyAtThePixelLimit() {
    ImageDecoder exact = new ImageDecoder(1200);

    RgbImage image = exact.decode(0, Fixtures.named("gray_40x30").bytes());

    assertEquals(40, image.width());
  }

  @Test
  void decode_rejectsYcckJpeg() {
    byte[] jpeg = Fixtures.named("cmyk_adobe_40x30").bytes();
    int adobe = indexOfMarker(jpeg, 0xEE);
    jpeg[adobe + 4 + 11] = 2; // Adobe transform 2: YCCK

    InvalidInputException e =
        assertThrows(InvalidInputException.class, () -> decoder.decode(0, jpeg));

    assertTrue(e.getMessage().contains("unsupported JPEG colour space YCCK"), e.getMessage());
  }

  @Test
  void decode_rejectsLosslessJpeg() {
    byte[] jpeg = Fixtures.named("photo_40x30_420").bytes();
    jpeg[indexOfMarker(jpeg, 0xC0) + 1] = (byte) 0xC3;

    InvalidInputException e =
        assertThrows(InvalidInputException.class, () -> decoder.decode(0, jpeg));

    assertEquals("images[0]: unsupported JPEG process (lossless)", e.getMessage());
  }

  @Test
  void decode_rejectsJpegWithCorruptHuffmanTable() {
    byte[] jpeg = Fixtures.named("photo_40x30_420").bytes();
    int dht = indexOfMarker(jpeg, 0xC4);
    Arrays.fill(jpeg, dht + 5, dht + 21, (byte) 0xFF); // code counts that overflow the code space

    InvalidInputException e =
        assertThrows(InvalidInputException.class, () -> decoder.decode(0, jpeg));

    assertTrue(e.getMessage().startsWith("images[0]: corrupt JPEG data"), e.getMessage());
  }

  @Test
  void decode_rejectsTruncatedGif() {
    byte[] gif = Fixtures.named("gif_40x30").bytes();
    byte[] cut = Arrays.copyOf(gif, gif.length / 2);

    InvalidInputException e =
        assertThrows(InvalidInputException.class, () -> decoder.decode(0, cut));

    assertEquals("images[0]: truncated GIF data (first frame incomplete)", e.getMessage());
  }

  @Test
  void decode_rejectsTruncatedBmp() {
    byte[] bmp = Fixtures.named("bmp24_40x30").bytes();
    byte[] cut = Arrays.copyOf(bmp, bmp.length - 100);

    InvalidInputException e =
        assertThrows(InvalidInputException.class, () -> decoder.decode(0, cut));

    assertEquals("images[0]: truncated BMP data (pixel rows missing)", e.getMessage());
  }

  @Test
  void decodeRaw_copiesRgbPixels() {
    byte[] data = {1, 2, 3, 4, 5, 6};

    RgbImage image = decoder.decodeRaw(0, new RawImage(2, 1, RawImage.Format.RGB8, data));

    assertArrayEquals(data, image.pixels());
  }

  @Test
  void decodeRaw_dropsAlphaFromRgba() {
    byte[] data = {1, 2, 3, 9, 4, 5, 6, 9};

    RgbImage image = decoder.decodeRaw(0, new RawImage(1, 2, RawImage.Format.RGBA8, data));

    assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6}, image.pixels());
  }

  @Test
  void decodeRaw_replicatesGrey() {
    RgbImage image =
        decoder.decodeRaw(0, new RawImage(2, 1, RawImage.Format.GRAY8, new byte[] {7, (byte) 200}));

    assertArrayEquals(new byte[] {7, 7, 7, (byte) 200, (byte) 200, (byte) 200}, image.pixels());
  }

  @Test
  void decodeRaw_rejectsDataLengthMismatchNamingBothNumbers() {
    RawImage raw = new RawImage(4, 5, RawImage.Format.RGB8, new byte[59]);

    InvalidInputException e =
        assertThrows(InvalidInputException.class, () -> decoder.decodeRaw(8, raw));

    assertEquals(
        "images[8]: raw RGB8 data has 59 bytes but 4x5x3 = 60 bytes are required", e.getMessage());
  }

  @Test
  void decodeRaw_rejectsZeroSize() {
    RawImage raw = new RawImage(0, 5, RawImage.Format.GRAY8, new byte[0]);

    InvalidInputException e =
        assertThrows(InvalidInputException.class, () -> decoder.decodeRaw(0, raw));

    assertEquals("images[0]: zero-sized image (0x5)", e.getMessage());
  }

  @Test
  void decodeRaw_rejectsOverThePixelLimitBeforeCheckingTheData() {
    RawImage raw = new RawImage(50_000, 50_000, RawImage.Format.RGB8, new byte[3]);

    assertThrows(ResourceLimitException.class, () -> decoder.decodeRaw(0, raw));
  }

  /** A PNG of the given size and colour type whose IDAT holds {@code payload}. */
  private static byte[] png(int width, int height, int colorType, byte[] payload, boolean deflate) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A});
    ByteBuffer ihdr = ByteBuffer.allocate(13);
    ihdr.putInt(width).putInt(height).put((byte) 8).put((byte) colorType);
    ihdr.put((byte) 0).put((byte) 0).put((byte) 0);
    chunk(out, "IHDR", ihdr.array());
    byte[] idat = payload;
    if (deflate) {
      Deflater deflater = new Deflater();
      deflater.setInput(payload);
      deflater.finish();
      byte[] buffer = new byte[64];
      idat = Arrays.copyOf(buffer, deflater.deflate(buffer));
    }
    chunk(out, "IDAT", idat);
    chunk(out, "IEND", new byte[0]);
    return out.toByteArray();
  }

  private static void chunk(ByteArrayOutputStream out, String type, byte[] body) {
    byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
    CRC32 crc = new CRC32();
    crc.update(typeBytes);
    crc.update(body);
    out.writeBytes(ByteBuffer.allocate(4).putInt(body.length).array());
    out.writeBytes(typeBytes);
    out.writeBytes(body);
    out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
  }

  /** Index of the first 0xFF byte of the first {@code marker} segment in a JPEG header. */
  private static int indexOfMarker(byte[] jpeg, int marker) {
    for (int i = 2; i + 1 < jpeg.length; i++) {
      if ((jpeg[i] & 0xFF) == 0xFF && (jpeg[i + 1] & 0xFF) == marker) {
        return i;
      }
    }
    throw new AssertionError("no marker 0x" + Integer.toHexString(marker));
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }
}
