package io.mmserve.gateway;

import io.mmserve.kit.tracing.BatchSpans;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One request in an {@link EncoderBatching} queue: its id, the tracing context it came in, and the
 * span of its wait in the queue, which ends once: when its first batch is sent ({@link #joined}) or
 * when it fails before any ({@link #leftQueue}), whichever thread gets there first.
 *
 * <p>Equality is identity: a caller is one request, whatever its fields.
 */
final class QueuedCaller {
  /** The span of a request's wait in the batcher's queue. */
  static final String QUEUE_SPAN = "gateway batch queue";

  private final String requestId;
  private final Context context;
  private final Span queue;
  private final AtomicBoolean left = new AtomicBoolean();

  private QueuedCaller(String requestId, Context context, Span queue) {
    this.requestId = requestId;
    this.context = context;
    this.queue = queue;
  }

  /** A caller entering {@code batcher}'s queue now, its queue span a child of {@code context}. */
  static QueuedCaller enter(Tracer tracer, String batcher, String requestId, Context context) {
    Span queue =
        tracer
            .spanBuilder(QUEUE_SPAN)
            .setParent(context)
            .setAttribute(BatchSpans.BATCHER, batcher)
            .startSpan();
    return new QueuedCaller(requestId, context, queue);
  }

  String requestId() {
    return requestId;
  }

  /** The tracing context the request came in. */
  Context context() {
    return context;
  }

  /** The caller's context with its queue span current: what a batch span links to. */
  Context queued() {
    return context.with(queue);
  }

  /** The request's first batch was sent: its queue span ends with that batch's id and size. */
  void joined(long batchId, int batchSize) {
    if (left.compareAndSet(false, true)) {
      queue.setAttribute(BatchSpans.BATCH_ID, batchId);
      queue.setAttribute(BatchSpans.BATCH_SIZE, (long) batchSize);
      queue.end();
    }
  }

  /** The request's answer is settled; ends the queue span if no batch took it (a failure). */
  void leftQueue(Throwable failure) {
    if (left.compareAndSet(false, true)) {
      if (failure != null) {
        queue.setStatus(StatusCode.ERROR, failure.getClass().getSimpleName());
      }
      queue.end();
    }
  }
}
