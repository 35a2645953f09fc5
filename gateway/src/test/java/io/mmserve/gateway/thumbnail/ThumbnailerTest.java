package io.mmserve.gateway.thumbnail;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.ByteString;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.mmserve.api.v1.GalleryItem;
import io.mmserve.api.v1.Image;
import io.mmserve.api.v1.PixelFormat;
import io.mmserve.api.v1.RawImage;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ThumbnailerTest {
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  private Thumbnailer thumbnailer(int maxSide, long maxPixels) {
    return new Thumbnailer(new ThumbnailSettings(maxSide, 90, maxPixels), meters);
  }

  private static Image encoded(ByteString bytes) {
    return Image.newBuilder().setEncoded(bytes).build();
  }

  private double count(String outcome) {
    return meters.get("mmserve.gateway.thumbnails").tag("outcome", outcome).counter().count();
  }

  /** Red, green, blue of a pixel, each 0..255. */
  private static int[] rgb(BufferedImage image, int x, int y) {
    int p = image.getRGB(x, y);
    return new int[] {p >> 16 & 0xFF, p >> 8 & 0xFF, p & 0xFF};
  }

  private static void assertNear(int[] expected, int[] actual) {
    for (int c = 0; c < 3; c++) {
      // JPEG at quality 90 moves a flat colour by a few levels
      assertTrue(Math.abs(expected[c] - actual[c]) <= 12, java.util.Arrays.toString(actual));
    }
  }

  @Test
  void makeAll_runsOnTheThumbnailersExecutorNotTheCallingThread_oneThumbnailPerItemInOrder()
      throws Exception {
    ExecutorService pool = Executors.newSingleThreadExecutor(r -> new Thread(r, "thumbs"));
    CountDownLatch hold = new CountDownLatch(1);
    pool.execute(
        () -> {
          try {
            hold.await(); // the executor is busy: makeAll must not make anything on the caller
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    try (Thumbnailer thumbnailer =
        new Thumbnailer(new ThumbnailSettings(160, 90, 1_000_000), meters, pool)) {
      List<GalleryItem> items =
          List.of(
              GalleryItem.newBuilder().setText("a text").build(),
              GalleryItem.newBuilder().setImage(encoded(Thumbnails.png(800, 400, false))).build());

      ListenableFuture<List<ByteString>> made = thumbnailer.makeAll(items);

      assertFalse(made.isDone());
      assertEquals(0.0, count("made"));
      hold.countDown();
      List<ByteString> thumbnails = made.get(30, TimeUnit.SECONDS);
      assertEquals(2, thumbnails.size());
      assertEquals(ByteString.EMPTY, thumbnails.get(0));
      assertEquals(160, Thumbnails.read(thumbnails.get(1)).getWidth());
      assertEquals(1.0, count("made"));
    }
    assertTrue(pool.isShutdown()); // the thumbnailer owns its executor
  }

  @Test
  void makeAll_withoutImagesOrWhenOff_isDoneAtOnceWithEmptyThumbnails() throws Exception {
    List<GalleryItem> texts = List.of(GalleryItem.newBuilder().setText("a").build());
    assertEquals(List.of(ByteString.EMPTY), thumbnailer(160, 1_000_000).makeAll(texts).get());
    List<GalleryItem> image =
        List.of(GalleryItem.newBuilder().setImage(encoded(Thumbnails.png(80, 40, false))).build());
    assertEquals(List.of(ByteString.EMPTY), Thumbnailer.off().makeAll(image).get());
  }

  @Test
  void make_largeImage_isAJpegWithTheLongestSideAtMaxSideAndTheSameAspect() {
    ByteString jpeg = thumbnailer(160, 1_000_000).make(encoded(Thumbnails.png(800, 400, false)));

    BufferedImage thumbnail = Thumbnails.read(jpeg);
    assertEquals(0xFF, jpeg.byteAt(0) & 0xFF);
    assertEquals(0xD8, jpeg.byteAt(1) & 0xFF);
    assertEquals(160, thumbnail.getWidth());
    assertEquals(80, thumbnail.getHeight());
    assertNear(new int[] {255, 0, 0}, rgb(thumbnail, 20, 40));
    assertNear(new int[] {0, 0, 255}, rgb(thumbnail, 140, 40));
    assertEquals(1.0, count("made"));
  }

  @Test
  void make_tiff_isReadByTheJdksOwnReader() throws java.io.IOException {
    BufferedImage image = Thumbnails.read(Thumbnails.png(200, 100, false));
    java.io.ByteArrayOutputStream tiff = new java.io.ByteArrayOutputStream();
    javax.imageio.ImageIO.write(image, "tiff", tiff);

    BufferedImage thumbnail =
        Thumbnails.read(
            thumbnailer(50, 1_000_000).make(encoded(ByteString.copyFrom(tiff.toByteArray()))));

    assertEquals(50, thumbnail.getWidth());
    assertEquals(25, thumbnail.getHeight());
  }

  @Test
  void make_smallImage_keepsItsSize() {
    BufferedImage thumbnail =
        Thumbnails.read(thumbnailer(160, 1_000_000).make(encoded(Thumbnails.png(30, 50, false))));

    assertEquals(30, thumbnail.getWidth());
    assertEquals(50, thumbnail.getHeight());
  }

  @Test
  void make_transparentPixels_areFlattenedOntoWhite() {
    BufferedImage thumbnail =
        Thumbnails.read(thumbnailer(64, 1_000_000).make(encoded(Thumbnails.png(64, 64, true))));

    assertNear(new int[] {255, 0, 0}, rgb(thumbnail, 10, 32));
    assertNear(new int[] {255, 255, 255}, rgb(thumbnail, 54, 32));
  }

  @Test
  void make_jpegWithExifOrientation6_isTurnedUprightLikeTheVisionEncoderDoes() {
    // stored 40x20, left half red: shown rotated 90 degrees clockwise, 20x40 with red on top
    ByteString jpeg = Thumbnails.withExifOrientation(Thumbnails.jpeg(40, 20), 6);

    BufferedImage thumbnail = Thumbnails.read(thumbnailer(160, 1_000_000).make(encoded(jpeg)));

    assertEquals(20, thumbnail.getWidth());
    assertEquals(40, thumbnail.getHeight());
    assertNear(new int[] {255, 0, 0}, rgb(thumbnail, 10, 5));
    assertNear(new int[] {0, 0, 255}, rgb(thumbnail, 10, 35));
  }

  @Test
  void make_jpegWithExifOrientation8_isTurnedCounterClockwise() {
    ByteString jpeg = Thumbnails.withExifOrientation(Thumbnails.jpeg(40, 20), 8);

    BufferedImage thumbnail = Thumbnails.read(thumbnailer(160, 1_000_000).make(encoded(jpeg)));

    assertEquals(20, thumbnail.getWidth());
    assertNear(new int[] {0, 0, 255}, rgb(thumbnail, 10, 5));
    assertNear(new int[] {255, 0, 0}, rgb(thumbnail, 10, 35));
  }

  @Test
  void make_rawRgbPixels_areScaledLikeAFile() {
    byte[] pixels = new byte[20 * 10 * 3];
    for (int i = 0; i < pixels.length; i += 3) {
      pixels[i + 1] = (byte) 200; // green
    }
    Image raw =
        Image.newBuilder()
            .setRaw(
                RawImage.newBuilder()
                    .setWidth(20)
                    .setHeight(10)
                    .setFormat(PixelFormat.RGB8)
                    .setData(ByteString.copyFrom(pixels)))
            .build();

    BufferedImage thumbnail = Thumbnails.read(thumbnailer(10, 1_000_000).make(raw));

    assertEquals(10, thumbnail.getWidth());
    assertEquals(5, thumbnail.getHeight());
    assertNear(new int[] {0, 200, 0}, rgb(thumbnail, 5, 2));
  }

  @Test
  void make_bytesNoReaderKnows_isEmptyAndCountedAsUnsupportedFormat() {
    ByteString none = thumbnailer(160, 1_000_000).make(encoded(ByteString.copyFromUtf8("RIFF..")));

    assertEquals(ByteString.EMPTY, none);
    assertEquals(1.0, count("unsupported_format"));
  }

  @Test
  void make_truncatedPng_isEmptyAndCountedAsUndecodable() {
    ByteString png = Thumbnails.png(100, 100, false);

    ByteString none = thumbnailer(160, 1_000_000).make(encoded(png.substring(0, 60)));

    assertEquals(ByteString.EMPTY, none);
    assertEquals(1.0, count("undecodable"));
  }

  @Test
  void make_imageOverThePixelLimit_isNotDecodedAndCountedAsTooManyPixels() {
    ByteString none =
        thumbnailer(160, 100 * 100 - 1).make(encoded(Thumbnails.png(100, 100, false)));

    assertEquals(ByteString.EMPTY, none);
    assertEquals(1.0, count("too_many_pixels"));
  }

  @Test
  void make_thumbnailsOff_makesNoneAndCountsNothing() {
    ByteString none = thumbnailer(0, 1_000_000).make(encoded(Thumbnails.png(10, 10, false)));

    assertEquals(ByteString.EMPTY, none);
    assertEquals(0.0, count("made"));
  }
}
