package io.mmserve.kit.tracing;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The span of one batch call, the work of many callers done at once (the gateway's encoder batches,
 * an encoder's model calls). It belongs to no single caller, so it is the child of the first
 * caller's span (a lone request stays one trace) and links to every caller's span (the first
 * included), with the batch's id and size as attributes.
 */
public final class BatchSpans {
  /** The batch's id, unique within its batcher for the process's life. */
  public static final AttributeKey<Long> BATCH_ID = AttributeKey.longKey("mmserve.batch.id");

  /** Items in the batch (texts, images). */
  public static final AttributeKey<Long> BATCH_SIZE = AttributeKey.longKey("mmserve.batch.size");

  /** Callers whose items the batch holds. */
  public static final AttributeKey<Long> BATCH_CALLERS =
      AttributeKey.longKey("mmserve.batch.callers");

  /** The batcher, e.g. "vision-encoder-svc". */
  public static final AttributeKey<String> BATCHER = AttributeKey.stringKey("mmserve.batcher");

  private BatchSpans() {}

  /**
   * Starts (does not make current) the span of a batch of {@code size} items from {@code callers},
   * the context each item was submitted in, in batch order (one per item or per caller; repeats are
   * linked once). The caller ends it.
   */
  public static Span start(
      Tracer tracer, String name, String batcher, long batchId, int size, List<Context> callers) {
    return start(
        tracer, name, batcher, batchId, size, callers.isEmpty() ? null : callers.get(0), callers);
  }

  /**
   * As {@link #start(Tracer, String, String, long, int, List)}, with an explicit parent (null for
   * none): the gateway parents its batch by the first caller's call and links the callers' queue
   * spans.
   */
  public static Span start(
      Tracer tracer,
      String name,
      String batcher,
      long batchId,
      int size,
      Context parent,
      List<Context> callers) {
    Set<SpanContext> linked = new LinkedHashSet<>();
    for (Context caller : callers) {
      SpanContext span = Span.fromContext(caller).getSpanContext();
      if (span.isValid()) {
        linked.add(span);
      }
    }
    SpanBuilder builder =
        tracer
            .spanBuilder(name)
            .setAttribute(BATCHER, batcher)
            .setAttribute(BATCH_ID, batchId)
            .setAttribute(BATCH_SIZE, (long) size)
            .setAttribute(BATCH_CALLERS, (long) linked.size());
    if (parent == null) {
      builder.setNoParent();
    } else {
      builder.setParent(parent);
    }
    linked.forEach(builder::addLink);
    return builder.startSpan();
  }
}
