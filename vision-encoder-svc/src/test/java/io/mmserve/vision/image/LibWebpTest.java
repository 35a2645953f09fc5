package io.mmserve.vision.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The checks {@link LibWebp} makes before it lets libwebp write any pixel. */
class LibWebpTest {
  private static final int CHUNKS = 12; // a simple-format file: its VP8L chunk follows "WEBP"

  private final LibWebp libwebp = LibWebp.load().orElseThrow();
  private final byte[] file = FormatFixtures.named("webp_lossless_32x24").bytes();

  @Test
  void decodeRgb_writesTheFrameAtItsPlaceOnABlackCanvas() throws Exception {
    byte[] whole = decode(new LibWebp.Placement(32, 24, 0, 0, 32, 24));
    byte[] canvas = decode(new LibWebp.Placement(34, 25, 2, 1, 32, 24));

    for (int y = 0; y < 25; y++) {
      for (int x = 0; x < 34; x++) {
        for (int c = 0; c < 3; c++) {
          boolean inside = x >= 2 && y >= 1;
          int expected = inside ? whole[((y - 1) * 32 + x - 2) * 3 + c] : 0;
          assertEquals(expected, canvas[(y * 34 + x) * 3 + c], "(" + x + ", " + y + ")");
        }
      }
    }
  }

  @Test
  void decodeRgb_refusesAFrameSizeTheLibraryDoesNotRead() {
    BadImageException e =
        assertThrows(
            BadImageException.class, () -> decode(new LibWebp.Placement(33, 24, 0, 0, 33, 24)));

    assertEquals("corrupt WebP data (libwebp reads 32x24, header says 33x24)", e.getMessage());
  }

  @Test
  void decodeRgb_refusesChunksWithoutAnImageHeader() {
    byte[] garbage = new byte[64];

    BadImageException e =
        assertThrows(
            BadImageException.class,
            () -> libwebp.decodeRgb(garbage, 0, 64, new LibWebp.Placement(1, 1, 0, 0, 1, 1)));

    assertEquals("corrupt WebP data (libwebp cannot read the bitstream header)", e.getMessage());
  }

  @Test
  void placement_refusesAFrameOutsideItsCanvas() {
    assertThrows(IllegalArgumentException.class, () -> new LibWebp.Placement(32, 24, 1, 0, 32, 24));
    assertThrows(IllegalArgumentException.class, () -> new LibWebp.Placement(32, 24, 0, 0, 0, 24));
    assertThrows(
        IllegalArgumentException.class,
        () -> new LibWebp.Placement(50_000, 50_000, 0, 0, 10, 10)); // over one Java array
  }

  @Test
  void decodeRgb_refusesChunksOutsideTheData() {
    assertThrows(
        IllegalArgumentException.class,
        () ->
            libwebp.decodeRgb(file, 10, file.length, new LibWebp.Placement(32, 24, 0, 0, 32, 24)));
  }

  private byte[] decode(LibWebp.Placement placement) throws BadImageException {
    return libwebp.decodeRgb(file, CHUNKS, file.length - CHUNKS, placement);
  }
}
