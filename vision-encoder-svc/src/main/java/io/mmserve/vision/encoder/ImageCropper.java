package io.mmserve.vision.encoder;

import io.mmserve.kit.errors.CancelledException;
import io.mmserve.kit.errors.FieldViolation;
import io.mmserve.kit.errors.InvalidInputException;
import io.mmserve.kit.errors.MmserveException;
import io.mmserve.kit.errors.ResourceLimitException;
import io.mmserve.vision.image.ImageDecoder;
import io.mmserve.vision.image.ImageScratch;
import io.mmserve.vision.image.RgbImage;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first step of {@link ImageEncoder}'s pipeline for one image, run on a preparation thread: the
 * per-image limits, then decode, resize and centre crop in that thread's reused memory ({@link
 * ImageScratch}), traced as a span ({@value ImageEncoder#PREPROCESS_SPAN}). Errors name the image
 * as {@code images[index]}. Thread-safe.
 */
final class ImageCropper {
  private static final Logger log = LoggerFactory.getLogger(ImageCropper.class);

  /** Each preparation thread's decode and resize memory, reused from image to image. */
  private static final ThreadLocal<ImageScratch> SCRATCH =
      ThreadLocal.withInitial(ImageScratch::new);

  private final ImageLimits limits;
  private final ImageDecoder decoder;
  private final Tracer tracer;

  ImageCropper(ImageLimits limits, Tracer tracer) {
    this.limits = limits;
    this.decoder = new ImageDecoder(limits.maxPixels(), decodeBudget());
    this.tracer = tracer;
  }

  /**
   * Decodes image {@code index} of a request and crops it to {@code model}'s input size.
   *
   * @throws MmserveException naming {@code images[index]}: bad data, a limit, or a cancelled call
   */
  RgbImage crop(ImageModel model, int index, ImageInput input, BooleanSupplier cancelled) {
    if (input instanceof ImageInput.Rejected rejected) {
      throw rejected.error();
    }
    if (cancelled.getAsBoolean()) {
      throw new CancelledException(
          "request cancelled or past its deadline before images[" + index + "] was decoded");
    }
    if (input.byteCount() > limits.maxImageBytes()) {
      throw new ResourceLimitException(
          FieldViolation.item(
              "images",
              index,
              input.byteCount()
                  + " bytes exceed the limit of "
                  + limits.maxImageBytes()
                  + " bytes per image"));
    }
    Span span =
        tracer
            .spanBuilder(ImageEncoder.PREPROCESS_SPAN)
            .setAttribute(ImageEncoder.IMAGE_INDEX, (long) index)
            .startSpan();
    try (Scope ignored = span.makeCurrent()) {
      ImageScratch scratch = SCRATCH.get();
      return model.crop(decode(index, input, scratch), scratch);
    } catch (RuntimeException e) {
      span.setStatus(StatusCode.ERROR, e.getClass().getSimpleName());
      throw e;
    } finally {
      span.end();
    }
  }

  /**
   * The decode budget of one image: half the heap. An image over it could not be decoded even
   * alone; several large ones at once on several preparation threads may still exhaust the heap,
   * and each image whose allocation fails is then refused (see {@link #decode}).
   */
  static long decodeBudget() {
    return Math.max(1, Runtime.getRuntime().maxMemory() / 2);
  }

  private RgbImage decode(int index, ImageInput input, ImageScratch scratch) {
    try {
      if (input instanceof ImageInput.Encoded encoded) {
        return decoder.decode(index, encoded.data(), scratch);
      }
      return decoder.decodeRaw(index, ((ImageInput.Raw) input).image());
    } catch (MmserveException e) {
      throw e;
    } catch (OutOfMemoryError e) {
      // Within the decode budget, but a format decoded through ImageIO takes several copies, or
      // other images took the rest: the failed allocation was this image's, so only it fails.
      log.warn("images[{}]: out of memory while decoding ({})", index, e.getMessage());
      throw new ResourceLimitException(
          FieldViolation.item(
              "images",
              index,
              "too large to decode in this encoder's heap now; send a smaller image or give the"
                  + " encoder more heap"));
    } catch (RuntimeException e) {
      // The decoders report bad data as InvalidInputException; anything else is a decoder gap
      // that a malformed file reached. The client still gets a bad-input answer, we get the log.
      log.warn("images[{}]: decoder failed unexpectedly", index, e);
      throw new InvalidInputException(
          FieldViolation.item("images", index, "corrupt image data"), e);
    }
  }
}
