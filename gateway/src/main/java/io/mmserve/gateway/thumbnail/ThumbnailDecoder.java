package io.mmserve.gateway.thumbnail;

import io.mmserve.api.v1.Image;
import io.mmserve.api.v1.RawImage;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Decodes an image of a request for its thumbnail with the JDK's ImageIO (JPEG, PNG, GIF, BMP;
 * whatever else plugins on the classpath add), header first: the dimensions are read before any
 * pixel, an image over the pixel limit is not decoded, and a large one is decoded subsampled to
 * about twice the thumbnail's size, so memory stays small whatever the file. Raw pixels are wrapped
 * as they are. The pixels come as stored: {@link Thumbnailer} applies a JPEG's EXIF orientation.
 */
final class ThumbnailDecoder {
  private final long maxPixels;

  ThumbnailDecoder(long maxPixels) {
    this.maxPixels = maxPixels;
  }

  /**
   * The image's pixels, at least {@code 2 * maxSide} pixels on its longest side when the source has
   * that many.
   *
   * @throws ThumbnailSkipped if the image cannot or may not be decoded
   */
  BufferedImage decode(Image image, int maxSide) throws ThumbnailSkipped {
    return switch (image.getSourceCase()) {
      case ENCODED -> decodeEncoded(image.getEncoded().toByteArray(), maxSide);
      case RAW -> wrap(image.getRaw());
      case SOURCE_NOT_SET ->
          throw new ThumbnailSkipped(Thumbnailer.Outcome.UNDECODABLE, "no image given");
    };
  }

  private BufferedImage decodeEncoded(byte[] bytes, int maxSide) throws ThumbnailSkipped {
    try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
      Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
      if (!readers.hasNext()) {
        throw new ThumbnailSkipped(
            Thumbnailer.Outcome.UNSUPPORTED_FORMAT, "no ImageIO reader knows this format");
      }
      ImageReader reader = readers.next();
      try {
        reader.setInput(in, true, true);
        int width = reader.getWidth(0);
        int height = reader.getHeight(0);
        checkPixels(width, height);
        ImageReadParam param = reader.getDefaultReadParam();
        int step = Math.max(1, Math.max(width, height) / (2 * maxSide));
        if (step > 1) {
          param.setSourceSubsampling(step, step, 0, 0);
        }
        return reader.read(0, param);
      } finally {
        reader.dispose();
      }
    } catch (IOException | RuntimeException e) {
      // ImageIO's readers throw IOExceptions and, on some corrupt files, runtime exceptions
      throw new ThumbnailSkipped(Thumbnailer.Outcome.UNDECODABLE, String.valueOf(e.getMessage()));
    }
  }

  private BufferedImage wrap(RawImage raw) throws ThumbnailSkipped {
    long width = Integer.toUnsignedLong(raw.getWidth());
    long height = Integer.toUnsignedLong(raw.getHeight());
    checkPixels(width, height);
    int channels =
        switch (raw.getFormat()) {
          case PIXEL_FORMAT_UNSPECIFIED, RGB8 -> 3;
          case RGBA8 -> 4;
          case GRAY8 -> 1;
          case UNRECOGNIZED ->
              throw new ThumbnailSkipped(
                  Thumbnailer.Outcome.UNSUPPORTED_FORMAT, "unknown raw pixel format");
        };
    int w = (int) width;
    int h = (int) height;
    if (raw.getData().size() != (long) w * h * channels) {
      throw new ThumbnailSkipped(Thumbnailer.Outcome.UNDECODABLE, "raw data of the wrong length");
    }
    BufferedImage out =
        new BufferedImage(
            w, h, channels == 4 ? BufferedImage.TYPE_INT_ARGB : BufferedImage.TYPE_INT_RGB);
    byte[] data = raw.getData().toByteArray();
    int[] row = new int[w];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int at = (y * w + x) * channels;
        int r = data[at] & 0xFF;
        int g = channels == 1 ? r : data[at + 1] & 0xFF;
        int b = channels == 1 ? r : data[at + 2] & 0xFF;
        int a = channels == 4 ? data[at + 3] & 0xFF : 0xFF;
        row[x] = a << 24 | r << 16 | g << 8 | b;
      }
      out.setRGB(0, y, w, 1, row, 0, w);
    }
    return out;
  }

  private void checkPixels(long width, long height) throws ThumbnailSkipped {
    if (width < 1 || height < 1 || width * height > maxPixels) {
      throw new ThumbnailSkipped(
          Thumbnailer.Outcome.TOO_MANY_PIXELS,
          width + "x" + height + " is outside 1.." + maxPixels + " pixels");
    }
  }
}
