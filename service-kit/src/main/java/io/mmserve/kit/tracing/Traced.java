package io.mmserve.kit.tracing;

import io.opentelemetry.context.Context;

/**
 * An item queued for a batch with the context it was submitted in, so the batch's span can be
 * parented and linked ({@link BatchSpans}) on the batcher's thread.
 *
 * @param item the queued item
 * @param context {@link Context#current()} at submission; the root context when tracing is off
 */
public record Traced<T>(T item, Context context) {
  /** {@code item} with the current context. */
  public static <T> Traced<T> now(T item) {
    return new Traced<>(item, Context.current());
  }
}
