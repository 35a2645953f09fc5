package io.mmserve.vision.image;

import com.twelvemonkeys.imageio.plugins.tiff.TIFFImageReaderSpi;
import com.twelvemonkeys.imageio.plugins.webp.WebPImageReaderSpi;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.util.Iterator;
import java.util.Locale;
import javax.imageio.ImageReader;
import javax.imageio.spi.IIORegistry;
import javax.imageio.spi.ImageReaderSpi;

/**
 * The ImageIO readers the decoders use, looked up once: the JDK's own for JPEG, PNG, GIF and BMP
 * (chosen even though TwelveMonkeys' plugins are on the class path, because the pixel parity with
 * PIL was measured against them), and TwelveMonkeys' for WebP and TIFF, created directly rather
 * than through the ImageIO registry, so that no other plugin on the class path can take their
 * place.
 *
 * <p>Every read first asks the reader for the image size, which ImageIO takes from the header
 * alone, and refuses to go on if it differs from the size the caller's own header parser found (and
 * checked against the pixel limit).
 */
final class ImageIoReaders {
  private final ImageReaderSpi jpeg = find("jpeg");
  private final ImageReaderSpi png = find("png");
  private final ImageReaderSpi gif = find("gif");
  private final ImageReaderSpi bmp = find("bmp");
  private final ImageReaderSpi webp = new WebPImageReaderSpi();
  private final ImageReaderSpi tiff = new TIFFImageReaderSpi();

  ImageReaderSpi jpeg() {
    return jpeg;
  }

  ImageReaderSpi png() {
    return png;
  }

  ImageReaderSpi gif() {
    return gif;
  }

  ImageReaderSpi bmp() {
    return bmp;
  }

  ImageReaderSpi webp() {
    return webp;
  }

  ImageReaderSpi tiff() {
    return tiff;
  }

  /** Reads image 0 as stored, with no colour conversion (the JPEG reader's raster path). */
  Raster readRaster(ImageReaderSpi spi, byte[] data, int width, int height, String format)
      throws BadImageException {
    return (Raster) read(spi, data, width, height, format, true);
  }

  /** Reads image 0; callers use only its raster, never its colour-converted values. */
  BufferedImage readImage(ImageReaderSpi spi, byte[] data, int width, int height, String format)
      throws BadImageException {
    return (BufferedImage) read(spi, data, width, height, format, false);
  }

  private static Object read(
      ImageReaderSpi spi, byte[] data, int width, int height, String format, boolean raster)
      throws BadImageException {
    ImageReader reader;
    try {
      reader = spi.createReaderInstance();
    } catch (IOException e) {
      throw new IllegalStateException("cannot create the " + format + " reader", e);
    }
    try (ByteArrayImageInputStream in = new ByteArrayImageInputStream(data)) {
      reader.setInput(in, true, true);
      int readerWidth = reader.getWidth(0);
      int readerHeight = reader.getHeight(0);
      if (readerWidth != width || readerHeight != height) {
        throw new BadImageException(
            "corrupt "
                + format
                + " header (size "
                + readerWidth
                + "x"
                + readerHeight
                + " disagrees with "
                + width
                + "x"
                + height
                + ")");
      }
      return raster ? reader.readRaster(0, null) : reader.read(0);
    } catch (IOException | RuntimeException e) {
      // ImageIO reports bad data as IIOException, and some readers as unchecked exceptions.
      String detail = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      throw new BadImageException("corrupt " + format + " data (" + detail + ")", e);
    } finally {
      reader.dispose();
    }
  }

  private static ImageReaderSpi find(String format) {
    ImageReaderSpi fallback = null;
    Iterator<ImageReaderSpi> it =
        IIORegistry.getDefaultInstance().getServiceProviders(ImageReaderSpi.class, true);
    while (it.hasNext()) {
      ImageReaderSpi spi = it.next();
      if (!handles(spi, format)) {
        continue;
      }
      if (spi.getClass().getName().startsWith("com.sun.imageio.plugins.")) {
        return spi;
      }
      if (fallback == null) {
        fallback = spi;
      }
    }
    if (fallback == null) {
      throw new IllegalStateException("no ImageIO reader for " + format);
    }
    return fallback;
  }

  private static boolean handles(ImageReaderSpi spi, String format) {
    for (String name : spi.getFormatNames()) {
      if (name.toLowerCase(Locale.ROOT).equals(format)) {
        return true;
      }
    }
    return false;
  }
}
