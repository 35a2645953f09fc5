package io.mmserve.inference.batch;

import io.mmserve.kit.tracing.BatchSpans;
import io.mmserve.kit.tracing.Traced;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link BatchFunction} whose every call is a span: the model call of a batch of items from many
 * requests, child of the first item's context and linked to every item's ({@link BatchSpans}),
 * current while the function runs (a Triton call inside is its child and carries its trace). Items
 * are queued as {@link Traced} with the context they were submitted in.
 *
 * <p>Called on the batcher's worker threads, like the function it wraps.
 *
 * @param <I> the item type of the wrapped function
 * @param <O> the result type
 */
public final class TracedBatchFunction<I, O> implements BatchFunction<Traced<I>, O> {
  private final BatchFunction<I, O> function;
  private final Tracer tracer;
  private final String spanName;
  private final String batcher;
  private final AtomicLong batchIds = new AtomicLong();

  /**
   * @param spanName the name of each call's span, e.g. "vision-encoder model"
   * @param batcher the {@code mmserve.batcher} attribute, e.g. the backend model's name
   */
  public TracedBatchFunction(
      BatchFunction<I, O> function, Tracer tracer, String spanName, String batcher) {
    this.function = function;
    this.tracer = tracer;
    this.spanName = spanName;
    this.batcher = batcher;
  }

  @Override
  public List<BatchResult<O>> apply(List<Traced<I>> items) throws Exception {
    List<I> plain = new ArrayList<>(items.size());
    List<Context> callers = new ArrayList<>(items.size());
    for (Traced<I> item : items) {
      plain.add(item.item());
      callers.add(item.context());
    }
    Span span =
        BatchSpans.start(
            tracer, spanName, batcher, batchIds.incrementAndGet(), items.size(), callers);
    try (Scope ignored = span.makeCurrent()) {
      return function.apply(plain);
    } catch (Exception | Error e) {
      span.setStatus(StatusCode.ERROR, e.getClass().getSimpleName());
      throw e;
    } finally {
      span.end();
    }
  }
}
