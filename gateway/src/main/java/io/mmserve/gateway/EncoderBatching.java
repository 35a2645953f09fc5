package io.mmserve.gateway;

import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.common.util.concurrent.SettableFuture;
import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.MeterRegistry;
import io.mmserve.gateway.resilience.BackendPool;
import io.mmserve.inference.batch.AsyncBatcher;
import io.mmserve.inference.batch.BatchMetrics;
import io.mmserve.inference.batch.BatchingSettings;
import io.mmserve.inference.batch.Ticker;
import io.mmserve.inference.batch.Timers;
import io.mmserve.kit.errors.BadRequestDetails;
import io.mmserve.kit.errors.FieldViolation;
import io.mmserve.kit.errors.InvalidInputException;
import io.mmserve.kit.errors.ResourceLimitException;
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
import java.util.concurrent.atomic.AtomicBoolean;
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

  private static final int MAX_IDS_SHOWN = 8;

  /** The span of a request's wait in the batcher's queue. */
  static final String QUEUE_SPAN = "gateway batch queue";

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
            .itemSpecific(EncoderBatching::isItemSpecific)
            .translator(this::forRequest)
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
      return pool.call(deadline, (channel, d) -> adapter.send(channel, d, request));
    }
    List<I> payload = adapter.items(request);
    io.opentelemetry.context.Context context = io.opentelemetry.context.Context.current();
    Caller caller = new Caller(adapter.requestId(request), context, queueSpan(context));
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

  private Span queueSpan(io.opentelemetry.context.Context caller) {
    return tracer
        .spanBuilder(QUEUE_SPAN)
        .setParent(caller)
        .setAttribute(BatchSpans.BATCHER, backend)
        .startSpan();
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
    LinkedHashSet<Caller> callers = new LinkedHashSet<>();
    for (Tagged<I> t : tagged) {
      items.add(t.item());
      ids.add(t.requestId());
      callers.add(t.caller());
    }
    long batchId = batchIds.incrementAndGet();
    List<io.opentelemetry.context.Context> queued = new ArrayList<>(callers.size());
    for (Caller caller : callers) {
      caller.joined(batchId, items.size());
      queued.add(caller.context().with(caller.queue()));
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
    Q request = adapter.request(key, items, requestIds(ids));
    Deadline deadline =
        Deadline.after(Math.max(0, deadlineNanos - ticker.nanoTime()), TimeUnit.NANOSECONDS);
    // The batch belongs to no single caller: send it outside the gRPC context of whichever call's
    // thread happens to send it, so that caller's end (or cancellation) does not cancel the
    // others'.
    ListenableFuture<R> response;
    Context previous = Context.ROOT.attach();
    // the batch's span inside the root gRPC context: the encoder call is its child
    try (Scope ignored = io.opentelemetry.context.Context.current().with(batchSpan).makeCurrent()) {
      response = pool.call(deadline, (channel, d) -> adapter.send(channel, d, request));
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

  /** The request ids of a batch for the encoder's log: one, or the first few and a count. */
  private static String requestIds(LinkedHashSet<String> ids) {
    if (ids.size() == 1) {
      return ids.iterator().next();
    }
    StringBuilder out = new StringBuilder();
    int shown = 0;
    for (String id : ids) {
      if (shown == MAX_IDS_SHOWN) {
        out.append(",+").append(ids.size() - shown).append(" more");
        break;
      }
      out.append(shown == 0 ? "" : ",").append(id.isEmpty() ? "-" : id);
      shown++;
    }
    return out.toString();
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

  /** A batch failure that may be one item's fault, so each request is sent again on its own. */
  private static boolean isItemSpecific(Throwable t) {
    if (t instanceof InvalidInputException || t instanceof ResourceLimitException) {
      return true;
    }
    Status.Code code = Status.fromThrowable(t).getCode();
    return code == Status.Code.INVALID_ARGUMENT || code == Status.Code.RESOURCE_EXHAUSTED;
  }

  /**
   * The encoder names a bad item by its index in the batch, in its status's {@code BadRequest}
   * details; the caller knows it by its index in its own request. Renumbers the violations of this
   * encoder's item list ({@link Adapter#itemsName()}) and rewrites the description from the first
   * one (the encoder's description is that violation's message); other failures pass unchanged.
   *
   * @param indices for each item of the failed batch, its index in the caller's request
   */
  private Throwable forRequest(Throwable failure, int[] indices) {
    if (!(failure instanceof StatusRuntimeException sre) || !isItemSpecific(failure)) {
      return failure;
    }
    List<FieldViolation> inBatch = BadRequestDetails.of(sre);
    List<FieldViolation> inRequest = new ArrayList<>(inBatch.size());
    for (FieldViolation v : inBatch) {
      boolean ours = v.field().equals(adapter.itemsName()) && v.isItem();
      inRequest.add(ours && v.index() < indices.length ? v.withIndex(indices[v.index()]) : v);
    }
    if (inRequest.equals(inBatch)) {
      return failure;
    }
    Status status = sre.getStatus().withDescription(inRequest.get(0).message());
    Metadata trailers = new Metadata();
    if (sre.getTrailers() != null) {
      trailers.merge(sre.getTrailers());
    }
    return status.asRuntimeException(BadRequestDetails.attach(status, inRequest, trailers));
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
  record Tagged<I>(I item, Caller caller) {
    String requestId() {
      return caller.requestId();
    }
  }

  /**
   * One request in the queue: its id, the context it came in, and the span of its wait, which ends
   * once, when its first batch is sent or it fails before any.
   */
  record Caller(
      String requestId, io.opentelemetry.context.Context context, Span queue, AtomicBoolean left) {
    Caller(String requestId, io.opentelemetry.context.Context context, Span queue) {
      this(requestId, context, queue, new AtomicBoolean());
    }

    void joined(long batchId, int batchSize) {
      if (left.compareAndSet(false, true)) {
        queue.setAttribute(BatchSpans.BATCH_ID, batchId);
        queue.setAttribute(BatchSpans.BATCH_SIZE, (long) batchSize);
        queue.end();
      }
    }

    void leftQueue(Throwable failure) {
      if (left.compareAndSet(false, true)) {
        if (failure != null) {
          queue.setStatus(StatusCode.ERROR, failure.getClass().getSimpleName());
        }
        queue.end();
      }
    }

    // identity: a caller is one request, whatever its fields
    @Override
    public boolean equals(Object other) {
      return this == other;
    }

    @Override
    public int hashCode() {
      return System.identityHashCode(this);
    }
  }

  /** Row {@code row} of a batch response. */
  record Row<R>(R response, int row) {}
}
