package io.mmserve.gateway.thumbnail;

import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.ListeningExecutorService;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.protobuf.ByteString;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.mmserve.api.v1.GalleryItem;
import io.mmserve.api.v1.Image;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the thumbnail the gallery keeps with an upserted image: a baseline JPEG whose longest side
 * is at most {@link ThumbnailSettings#maxSide()} pixels (a smaller image keeps its size),
 * transparency flattened onto white, a JPEG's EXIF orientation applied (as the vision encoder
 * does). One format for every source keeps the stored item and the search hit free of a media type.
 * {@link #make} never fails an upsert: an image it cannot decode gets no thumbnail, and the reason
 * is counted in {@code mmserve_gateway_thumbnails_total{outcome}}.
 *
 * <p>Thread-safe. {@link #make} runs on the calling thread, and holds it for the decode, scale and
 * encode of one image (a few milliseconds for a photo, thanks to subsampled decoding); {@link
 * #makeAll} runs on this thumbnailer's executor, so that a gRPC event loop, where the gateway's
 * calls run ({@code grpc.executor=direct}), is never held by image work.
 */
public final class Thumbnailer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Thumbnailer.class);

  /** What became of one image. */
  public enum Outcome {
    MADE,
    UNSUPPORTED_FORMAT,
    UNDECODABLE,
    TOO_MANY_PIXELS,
    TOO_LARGE;

    String tag() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** Larger JPEGs are dropped: gallery-svc refuses thumbnails over this size. */
  static final int MAX_THUMBNAIL_BYTES = 256 * 1024;

  private final ThumbnailSettings settings;
  private final ThumbnailDecoder decoder;
  private final Map<Outcome, Counter> outcomes = new EnumMap<>(Outcome.class);
  private final ListeningExecutorService executor;

  /** A thumbnailer whose {@link #makeAll} runs on the calling thread (tests). */
  public Thumbnailer(ThumbnailSettings settings, MeterRegistry meters) {
    this(settings, meters, MoreExecutors.newDirectExecutorService());
  }

  /**
   * A thumbnailer whose {@link #makeAll} runs on {@code executor}, which it owns: {@link #close()}
   * shuts it down.
   */
  public Thumbnailer(ThumbnailSettings settings, MeterRegistry meters, ExecutorService executor) {
    this.settings = settings;
    this.executor = MoreExecutors.listeningDecorator(executor);
    this.decoder = new ThumbnailDecoder(settings.maxPixels());
    for (Outcome outcome : Outcome.values()) {
      outcomes.put(
          outcome,
          Counter.builder("mmserve.gateway.thumbnails")
              .description("Images of upserts by what became of their thumbnail")
              .tag("outcome", outcome.tag())
              .register(meters));
    }
  }

  /**
   * A thumbnailer on its own daemon threads {@code gateway-thumbnails-N}, one per available
   * processor (image work is CPU-bound).
   */
  public static Thumbnailer onOwnThreads(ThumbnailSettings settings, MeterRegistry meters) {
    if (!settings.enabled()) {
      return new Thumbnailer(settings, meters);
    }
    AtomicInteger n = new AtomicInteger();
    ThreadFactory threads =
        r -> {
          Thread t = new Thread(r, "gateway-thumbnails-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        };
    return new Thumbnailer(
        settings,
        meters,
        Executors.newFixedThreadPool(Runtime.getRuntime().availableProcessors(), threads));
  }

  /** A thumbnailer that makes none (and counts nothing anywhere). */
  public static Thumbnailer off() {
    return new Thumbnailer(ThumbnailSettings.off(), new SimpleMeterRegistry());
  }

  /** Whether {@link #make} makes thumbnails at all. */
  public boolean enabled() {
    return settings.enabled();
  }

  /**
   * The thumbnail of {@code image}, or an empty string when thumbnails are off or this image gets
   * none (see the class comment). Never throws.
   */
  public ByteString make(Image image) {
    if (!settings.enabled()) {
      return ByteString.EMPTY;
    }
    Outcome outcome;
    ByteString thumbnail = ByteString.EMPTY;
    try {
      BufferedImage decoded = decoder.decode(image, settings.maxSide());
      int orientation =
          image.hasEncoded()
              ? JpegOrientation.read(image.getEncoded().toByteArray())
              : JpegOrientation.NORMAL;
      BufferedImage upright =
          JpegOrientation.apply(scale(decoded, settings.maxSide()), orientation);
      byte[] jpeg = jpeg(upright, settings.quality());
      if (jpeg.length > MAX_THUMBNAIL_BYTES) {
        throw new ThumbnailSkipped(Outcome.TOO_LARGE, jpeg.length + " bytes");
      }
      thumbnail = ByteString.copyFrom(jpeg);
      outcome = Outcome.MADE;
    } catch (ThumbnailSkipped e) {
      log.debug("no thumbnail ({}): {}", e.outcome().tag(), e.getMessage());
      outcome = e.outcome();
    } catch (IOException | RuntimeException e) {
      log.debug("no thumbnail: cannot encode it", e);
      outcome = Outcome.UNDECODABLE;
    }
    outcomes.get(outcome).increment();
    return thumbnail;
  }

  /**
   * One thumbnail per item, in order ({@link #make} for an image, an empty string for an item that
   * is not one), made on this thumbnailer's executor; done at once when thumbnails are off or no
   * item is an image. The executor reads {@code items} later: it must not change (a request's item
   * list never does).
   */
  public ListenableFuture<List<ByteString>> makeAll(List<GalleryItem> items) {
    if (!settings.enabled() || items.stream().noneMatch(GalleryItem::hasImage)) {
      return Futures.immediateFuture(Collections.nCopies(items.size(), ByteString.EMPTY));
    }
    return executor.submit(
        () -> {
          List<ByteString> out = new ArrayList<>(items.size());
          for (GalleryItem item : items) {
            out.add(item.hasImage() ? make(item.getImage()) : ByteString.EMPTY);
          }
          return out;
        });
  }

  /** Stops the executor; thumbnails still queued are not made (their calls are ending). */
  @Override
  public void close() {
    executor.shutdownNow();
  }

  /** {@code source} with its longest side at most {@code maxSide}, opaque RGB over white. */
  static BufferedImage scale(BufferedImage source, int maxSide) {
    int w = source.getWidth();
    int h = source.getHeight();
    double factor = Math.min(1.0, (double) maxSide / Math.max(w, h));
    int targetW = Math.max(1, (int) Math.round(w * factor));
    int targetH = Math.max(1, (int) Math.round(h * factor));
    BufferedImage current = source;
    // halve with bilinear steps while more than twice too large: one big bilinear step aliases
    while (current.getWidth() / 2 >= targetW && current.getHeight() / 2 >= targetH) {
      current = draw(current, current.getWidth() / 2, current.getHeight() / 2);
    }
    return draw(current, targetW, targetH);
  }

  private static BufferedImage draw(BufferedImage source, int width, int height) {
    BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    try {
      g.setRenderingHint(
          RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
      g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, width, height);
      g.drawImage(source, 0, 0, width, height, null);
    } finally {
      g.dispose();
    }
    return out;
  }

  private static byte[] jpeg(BufferedImage image, int quality) throws IOException {
    ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
      writer.setOutput(out);
      ImageWriteParam param = writer.getDefaultWriteParam();
      param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
      param.setCompressionQuality(quality / 100f);
      writer.write(null, new IIOImage(image, null, null), param);
    } finally {
      writer.dispose();
    }
    return bytes.toByteArray();
  }
}
