package io.mmserve.gateway;

import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.common.util.concurrent.SettableFuture;
import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.micrometer.core.instrument.MeterRegistry;
import io.mmserve.gateway.resilience.BackendPool;
import io.mmserve.inference.batch.AsyncBatcher;
import io.mmserve.inference.batch.BatchMetrics;
import io.mmserve.inference.batch.BatchingSettings;
import io.mmserve.inference.batch.Ticker;
import io.mmserve.inference.batch.Timers;
import io.mmserve.kit.tracing.BatchSpans;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.context.Scope;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * Encoder calls of many callers merged into batch calls: the requests of one modality with the same
 * model, normalisation and features flag share batches (an {@link AsyncBatcher}), every batch goes
 * to the encoder through its {@link BackendPool}, and each caller gets a response holding exactly
 * its own rows. With a max batch size of 1, each request goes to the encoder as it came.
 *
 * <p>Traced: each request's wait in the queue is a span ({@value #QUEUE_SPAN}, child of the
 * caller's span) that ends when its first batch is sent, with that batch's id and size; each batch
 * call is a span ({@value #BATCH_SPAN}, {@link BatchSpans}: child of the first caller's span,
 * linked to every caller's queue span), current while the encoder is called, so the encoder's spans
 * are its descendants. A caller's answer is completed in the caller's own context.
 *
 * @param <Q> the encoder request type
 * @param <R> the encoder response type
 * @param <I> one item of a request (a text, an image)
 */
final class EncoderBatching<Q, R, I> implements AutoCloseable {
  /** What differs between the text and the image encoder. */
  interface Adapter<Q, R, I> {
    /** The batch key: requests with equal keys may share a batch. */
    Key key(Q request);

    List<I> items(Q request);

    String requestId(Q request);

    /** Bytes the item holds, for the queue's byte bound. */
    long bytes(I item);

    Q request(Key key, List<I> items, String requestId);

    ListenableFuture<R> send(Channel channel, Deadline deadline, Q request);

    /** Rows of the response's embeddings. */
    long rows(R response);

    /** A response of the given rows of the given responses, in order. */
    R gather(List<R> responses, int[] rows);

    /** The field of the request's items, as error details name it: "texts", "images". */
    String itemsName();
  }

  /** Requests with equal keys may share a batch. */
  record Key(String model, boolean normalize, boolean includeFeatures) {}

  /** The span of a request's wait in the batcher's queue. */
  static final String QUEUE_SPAN = QueuedCaller.QUEUE_SPAN;

  /** The span of one batch call to the encoder. */
  static final String BATCH_SPAN = "gateway batch";

  private final String backend;
  private final BackendPool pool;
  private final Adapter<Q, R, I> adapter;
  private final Ticker ticker = Ticker.system(); // the clock of grpc Deadlines
  private final AsyncBatcher<Key, Tagged<I>, Row<R>> batcher; // null when batching is off
  private final Tracer tracer;
  private final AtomicLong batchIds = new AtomicLong();

  /**
   * @param retryPushback the retry hint of a request refused because the queue is full
   * @param timers runs the batcher's delay and deadline timers
   * @param batcherTag the {@code batcher} tag of this batcher's metrics: {@link BatchMetrics#TEXT}
   *     or {@link BatchMetrics#IMAGE}
   */
  EncoderBatching(
      String backend,
      BackendPool pool,
      Adapter<Q, R, I> adapter,
      BatchingSettings settings,
      Duration retryPushback,
      ScheduledExecutorService timers,
      MeterRegistry registry,
      String batcherTag) {
    this(
        backend,
        pool,
        adapter,
        settings,
        retryPushback,
        timers,
        registry,
        batcherTag,
        TracerProvider.noop().get(""));
  }

  /** As the other constructor, with queue and batch spans made by {@code tracer}. */
  EncoderBatching(
      String backend,
      BackendPool pool,
      Adapter<Q, R, I> adapter,
      BatchingSettings settings,
      Duration retryPushback,
      ScheduledExecutorService timers,
      MeterRegistry registry,
      String batcherTag,
      Tracer tracer) {
    this.tracer = tracer;
    this.backend = backend;
    this.pool = pool;
    this.adapter = adapter;
    if (settings.off()) {
      this.batcher = null;
      return;
    }
    BatchMetrics metrics = new BatchMetrics(registry, batcherTag, BatchMetrics.ALL_MODELS);
    this.batcher =
        AsyncBatcher.<Key, Tagged<I>, Row<R>>builder(backend, settings, this::sendBatch)
            .sizer(t -> adapter.bytes(t.item()))
            .itemSpecific(BatchFailures::isItemSpecific)
            .translator(
                (failure, indices) ->
                    BatchFailures.forRequest(failure, adapter.itemsName(), indices))
            .clock(ticker, Timers.of(timers))
            .listener(metrics)
            .retryPushback(retryPushback)
            .build();
    metrics.watch(batcher);
  }

  /**
   * The encoder's answer to {@code request}, through a shared batch unless batching is off.
   *
   * @param cancelled true once the caller has gone
   */
  ListenableFuture<R> encode(Q request, Deadline deadline, BooleanSupplier cancelled) {
    if (batcher == null) {
      return pool.call(
          adapter.key(request).model(),
          deadline,
          (channel, d) -> adapter.send(channel, d, request));
    }
    List<I> payload = adapter.items(request);
    io.opentelemetry.context.Context context = io.opentelemetry.context.Context.current();
    QueuedCaller caller = QueuedCaller.enter(tracer, backend, adapter.requestId(request), context);
    List<Tagged<I>> items = new ArrayList<>(payload.size());
    payload.forEach(item -> items.add(new Tagged<>(item, caller)));
    long deadlineNanos = ticker.nanoTime() + deadline.timeRemaining(TimeUnit.NANOSECONDS);
    CompletableFuture<List<Row<R>>> rows =
        batcher.submit(adapter.key(request), items, deadlineNanos, cancelled);
    SettableFuture<R> answer = SettableFuture.create();
    rows.whenComplete(
        (value, failure) -> {
          caller.leftQueue(failure); // refused, cancelled or timed out before any batch
          // the caller's continuations run in its own context, not in the batch's
          try (Scope ignored = context.makeCurrent()) {
            complete(answer, value, failure);
          }
        });
    return answer;
  }

  private void complete(SettableFuture<R> answer, List<Row<R>> value, Throwable failure) {
    if (failure != null) {
      answer.setException(failure);
      return;
    }
    try {
      answer.set(assemble(value));
    } catch (RuntimeException e) {
      answer.setException(e);
    }
  }

  private CompletableFuture<List<Row<R>>> sendBatch(
      Key key, List<Tagged<I>> tagged, long deadlineNanos) {
    List<I> items = new ArrayList<>(tagged.size());
    LinkedHashSet<String> ids = new LinkedHashSet<>();
    LinkedHashSet<QueuedCaller> callers = new LinkedHashSet<>();
    for (Tagged<I> t : tagged) {
      items.add(t.item());
      ids.add(t.requestId());
      callers.add(t.caller());
    }
    long batchId = batchIds.incrementAndGet();
    List<io.opentelemetry.context.Context> queued = new ArrayList<>(callers.size());
    for (QueuedCaller caller : callers) {
      caller.joined(batchId, items.size());
      queued.add(caller.queued());
    }
    Span batchSpan =
        BatchSpans.start(
            tracer,
            BATCH_SPAN,
            backend,
            batchId,
            items.size(),
            callers.iterator().next().context(),
            queued);
    Q request = adapter.request(key, items, BatchFailures.requestIds(ids));
    Deadline deadline =
        Deadline.after(Math.max(0, deadlineNanos - ticker.nanoTime()), TimeUnit.NANOSECONDS);
    // The batch belongs to no single caller: send it outside the gRPC context of whichever call's
    // thread happens to send it, so that caller's end (or cancellation) does not cancel the
    // others'.
    ListenableFuture<R> response;
    Context previous = Context.ROOT.attach();
    // the batch's span inside the root gRPC context: the encoder call is its child
    try (Scope ignored = io.opentelemetry.context.Context.current().with(batchSpan).makeCurrent()) {
      response =
          pool.call(key.model(), deadline, (channel, d) -> adapter.send(channel, d, request));
    } finally {
      Context.ROOT.detach(previous);
    }
    response.addListener(() -> endBatchSpan(batchSpan, response), MoreExecutors.directExecutor());
    CompletableFuture<List<Row<R>>> rows = new CompletableFuture<>();
    Futures.addCallback(
        response,
        new com.google.common.util.concurrent.FutureCallback<R>() {
          @Override
          public void onSuccess(R value) {
            long n = adapter.rows(value);
            if (n != items.size()) {
              rows.completeExceptionally(
                  new IllegalStateException(
                      backend + " returned " + n + " embeddings for " + items.size() + " items"));
              return;
            }
            List<Row<R>> out = new ArrayList<>(items.size());
            for (int i = 0; i < items.size(); i++) {
              out.add(new Row<>(value, i));
            }
            rows.complete(out);
          }

          @Override
          public void onFailure(Throwable t) {
            rows.completeExceptionally(t);
          }
        },
        MoreExecutors.directExecutor());
    // the batcher cancels a batch whose callers have all gone: stop the encoder call too
    rows.whenComplete(
        (value, failure) -> {
          if (rows.isCancelled()) {
            response.cancel(true);
          }
        });
    return rows;
  }

  /** The caller's response from its rows; the batch's own response when the rows are all of it. */
  private R assemble(List<Row<R>> rows) {
    R first = rows.get(0).response();
    boolean whole = adapter.rows(first) == rows.size();
    for (int i = 0; whole && i < rows.size(); i++) {
      whole = rows.get(i).response() == first && rows.get(i).row() == i;
    }
    if (whole) {
      return first;
    }
    List<R> responses = new ArrayList<>(rows.size());
    int[] indices = new int[rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      responses.add(rows.get(i).response());
      indices[i] = rows.get(i).row();
    }
    return adapter.gather(responses, indices);
  }

  @Override
  public void close() throws InterruptedException {
    if (batcher != null) {
      batcher.close();
    }
  }

  private static void endBatchSpan(Span span, ListenableFuture<?> response) {
    try {
      Futures.getDone(response);
    } catch (java.util.concurrent.ExecutionException e) {
      span.setStatus(StatusCode.ERROR, Status.fromThrowable(e.getCause()).getCode().name());
    } catch (java.util.concurrent.CancellationException e) {
      span.setStatus(StatusCode.ERROR, "CANCELLED");
    }
    span.end();
  }

  /** An item with the request it came in. */
  record Tagged<I>(I item, QueuedCaller caller) {
    String requestId() {
      return caller.requestId();
    }
  }

  /** Row {@code row} of a batch response. */
  record Row<R>(R response, int row) {}
}
