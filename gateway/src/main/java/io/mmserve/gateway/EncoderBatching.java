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
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Encoder calls of many callers merged into batch calls: the requests of one modality with the same
 * model, normalisation and features flag share batches (an {@link AsyncBatcher}), every batch goes
 * to the encoder through its {@link BackendPool}, and each caller gets a response holding exactly
 * its own rows. With a max batch size of 1, each request goes to the encoder as it came.
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

  private final String backend;
  private final BackendPool pool;
  private final Adapter<Q, R, I> adapter;
  private final Ticker ticker = Ticker.system(); // the clock of grpc Deadlines
  private final AsyncBatcher<Key, Tagged<I>, Row<R>> batcher; // null when batching is off

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
    String requestId = adapter.requestId(request);
    List<Tagged<I>> items = new ArrayList<>(payload.size());
    payload.forEach(item -> items.add(new Tagged<>(item, requestId)));
    long deadlineNanos = ticker.nanoTime() + deadline.timeRemaining(TimeUnit.NANOSECONDS);
    CompletableFuture<List<Row<R>>> rows =
        batcher.submit(adapter.key(request), items, deadlineNanos, cancelled);
    SettableFuture<R> answer = SettableFuture.create();
    rows.whenComplete(
        (value, failure) -> {
          if (failure != null) {
            answer.setException(failure);
            return;
          }
          try {
            answer.set(assemble(value));
          } catch (RuntimeException e) {
            answer.setException(e);
          }
        });
    return answer;
  }

  private CompletableFuture<List<Row<R>>> sendBatch(
      Key key, List<Tagged<I>> tagged, long deadlineNanos) {
    List<I> items = new ArrayList<>(tagged.size());
    LinkedHashSet<String> ids = new LinkedHashSet<>();
    for (Tagged<I> t : tagged) {
      items.add(t.item());
      ids.add(t.requestId());
    }
    Q request = adapter.request(key, items, requestIds(ids));
    Deadline deadline =
        Deadline.after(Math.max(0, deadlineNanos - ticker.nanoTime()), TimeUnit.NANOSECONDS);
    // The batch belongs to no single caller: send it outside the gRPC context of whichever call's
    // thread happens to send it, so that caller's end (or cancellation) does not cancel the
    // others'.
    ListenableFuture<R> response;
    Context previous = Context.ROOT.attach();
    try {
      response = pool.call(deadline, (channel, d) -> adapter.send(channel, d, request));
    } finally {
      Context.ROOT.detach(previous);
    }
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

  /** An item with the id of the request it came in. */
  record Tagged<I>(I item, String requestId) {}

  /** Row {@code row} of a batch response. */
  record Row<R>(R response, int row) {}
}
