package io.mmserve.vision.encoder;

import io.mmserve.kit.errors.OverloadedException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Bounds the images inside the encoder, from a request's admission to its answer: waiting to be
 * decoded, decoded and waiting for a {@link PreparedSlots} buffer, prepared, or in a model call.
 * Admission is all or nothing per request, and when nothing is inside, any request is admitted, so
 * one larger than the bound is never starved. Past the bound, a request is refused at once with
 * {@link OverloadedException} (UNAVAILABLE: retryable), before any of its bytes are decoded.
 * Thread-safe.
 */
final class AdmittedImages {
  private final String name;
  private final int limit;
  private final AtomicInteger inside = new AtomicInteger();

  /**
   * @param name the encoder, in overload messages
   * @param limit most images inside at once (the encoder's {@code batching.max-queue-items})
   */
  AdmittedImages(String name, int limit) {
    this.name = name;
    this.limit = limit;
  }

  /**
   * Admits {@code count} images; the caller runs the returned action once when their request is
   * answered.
   *
   * @throws OverloadedException if they do not fit
   */
  Runnable admit(int count) {
    int now;
    do {
      now = inside.get();
      if (now > 0 && now + count > limit) {
        throw new OverloadedException(
            name
                + " is overloaded: "
                + now
                + " images already inside, a request of "
                + count
                + " images does not fit (limit "
                + limit
                + " images)");
      }
    } while (!inside.compareAndSet(now, now + count));
    return () -> inside.addAndGet(-count);
  }

  /** Images inside now. */
  int inside() {
    return inside.get();
  }
}
