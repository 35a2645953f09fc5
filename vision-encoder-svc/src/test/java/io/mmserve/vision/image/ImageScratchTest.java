package io.mmserve.vision.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.mmserve.kit.errors.ResourceLimitException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Decoding and resizing in a reused {@link ImageScratch}: the same pixels as with fresh memory,
 * whatever the scratch held before, and large buffers not kept.
 */
class ImageScratchTest {
  private final ImageDecoder decoder = new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS);
  private final ClipPreprocessor preprocessor = new ClipPreprocessor(Fixtures.CONFIG);

  @Test
  void decodeAndCrop_inOneReusedScratch_giveWhatFreshMemoryGives() {
    // Large then small then large, JPEG (decoded into the scratch) and PNG, turned and upright:
    // each image must see none of the previous one's pixels.
    List<String> names =
        List.of(
            "photo_640x480",
            "photo_40x30_420",
            "orient6_24x16",
            "photo_301x207_422",
            "photo_640x480",
            "orient3_24x16",
            "photo_256x192_progressive");
    ImageScratch scratch = new ImageScratch();
    for (String name : names) {
      byte[] file = Fixtures.named(name).bytes();

      RgbImage inScratch = decoder.decode(0, file, scratch);
      byte[] crop = preprocessor.resizeAndCrop(inScratch, scratch).pixels();

      RgbImage fresh = decoder.decode(0, file);
      assertEquals(fresh.width(), inScratch.width(), name);
      assertArrayEquals(fresh.pixels(), inScratch.pixels(), name);
      assertArrayEquals(preprocessor.resizeAndCrop(fresh).pixels(), crop, name);
    }
  }

  @Test
  void decodeBuffer_isKeptUpToTheRetainedSizeOnly() {
    ImageScratch scratch = new ImageScratch();
    byte[] photo = scratch.decodeBuffer(640 * 480 * 3);

    assertSame(photo, scratch.decodeBuffer(320 * 240 * 3), "a smaller image reuses the buffer");

    int large = (int) ImageScratch.MAX_RETAINED_BYTES + 3;
    byte[] once = scratch.decodeBuffer(large);
    assertEquals(large, once.length);
    assertNotSame(once, scratch.decodeBuffer(large), "a buffer over the limit is not kept");
    assertSame(photo, scratch.decodeBuffer(100), "the kept buffer is still the photo's");
  }

  @Test
  void resizeWorkingMemory_isKeptUpToTheRetainedSizeOnly() {
    ImageScratch scratch = new ImageScratch();

    assertSame(scratch.tile(640), scratch.tile(300));
    assertSame(scratch.sums(64, 192), scratch.sums(32, 100));
    assertSame(scratch.rows(192), scratch.rows(96));
    int wide = (int) (ImageScratch.MAX_RETAINED_BYTES / (ColumnTile.LENGTH * Integer.BYTES)) + 1;
    assertNotSame(scratch.tile(wide), scratch.tile(wide));
  }

  @Test
  void decode_refusesAnImageOverTheDecodeBudgetFromItsHeader() {
    // 640x480 needs 921600 bytes of RGB.
    ImageDecoder budgeted = new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS, 921_599);

    ResourceLimitException e =
        assertThrows(
            ResourceLimitException.class,
            () -> budgeted.decode(3, Fixtures.named("photo_640x480").bytes(), new ImageScratch()));

    assertEquals(
        "images[3]: 640x480 needs 921600 bytes of RGB to decode, more than this encoder's decode"
            + " budget of 921599 bytes (a share of its heap); send a smaller image or give the"
            + " encoder more heap",
        e.getMessage());
    assertEquals(
        640,
        new ImageDecoder(ImageDecoder.DEFAULT_MAX_PIXELS, 921_600)
            .decode(0, Fixtures.named("photo_640x480").bytes())
            .width(),
        "an image exactly at the budget is decoded");
  }

  @Test
  void constructor_refusesANonPositiveBudget() {
    assertThrows(IllegalArgumentException.class, () -> new ImageDecoder(1000, 0));
  }
}
