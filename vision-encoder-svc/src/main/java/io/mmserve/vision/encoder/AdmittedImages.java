package io.mmserve.vision.encoder;

import io.mmserve.kit.errors.OverloadedException;

/**
 * Bounds the images inside the encoder, from a request's admission to its answer: waiting to be
 * decoded, decoded and waiting for a {@link PreparedSlots} buffer, prepared, or in a model call.
 * Two bounds: the number of images, and the bytes they arrived as (encoded files or raw pixels),
 * which the heap holds until the answer while large photos are decoded beside them. Admission is
 * all or nothing per request, and when nothing is inside, any request is admitted, so one larger
 * than a bound is never starved. Past a bound, a request is refused at once with {@link
 * OverloadedException} (UNAVAILABLE: retryable), before any of its bytes are decoded. Thread-safe.
 */
final class AdmittedImages {
  private final String name;
  private final int limit;
  private final long limitBytes;
  private int inside;
  private long insideBytes;

  /**
   * @param name the encoder, in overload messages
   * @param limit most images inside at once (the encoder's {@code batching.max-queue-items})
   * @param limitBytes most bytes of images inside at once ({@code preprocess.max-admitted-bytes})
   */
  AdmittedImages(String name, int limit, long limitBytes) {
    this.name = name;
    this.limit = limit;
    this.limitBytes = limitBytes;
  }

  /**
   * Admits {@code count} images of {@code bytes} bytes in all; the caller runs the returned action
   * once when their request is answered.
   *
   * @throws OverloadedException if they do not fit
   */
  synchronized Runnable admit(int count, long bytes) {
    if (inside > 0 && (inside + count > limit || insideBytes + bytes > limitBytes)) {
      throw new OverloadedException(
          name
              + " is overloaded: "
              + inside
              + " images ("
              + insideBytes
              + " bytes) already inside, a request of "
              + count
              + " images ("
              + bytes
              + " bytes) does not fit (limit "
              + limit
              + " images, "
              + limitBytes
              + " bytes)");
    }
    inside += count;
    insideBytes += bytes;
    return () -> leave(count, bytes);
  }

  private synchronized void leave(int count, long bytes) {
    inside -= count;
    insideBytes -= bytes;
  }

  /** Images inside now. */
  synchronized int inside() {
    return inside;
  }

  /** Bytes of the images inside now. */
  synchronized long insideBytes() {
    return insideBytes;
  }
}
