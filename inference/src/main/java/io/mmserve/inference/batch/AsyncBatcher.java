package io.mmserve.inference.batch;

import io.mmserve.kit.errors.BackendUnavailableException;
import io.mmserve.kit.errors.CancelledException;
import io.mmserve.kit.errors.DeadlineExceededException;
import io.mmserve.kit.errors.OverloadedException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;
import java.util.function.ToLongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Merges the items of concurrent requests into batch calls of an asynchronous backend, keeping up
 * to {@link BatchingSettings#maxInFlight()} calls out at once. The gateway batches encoder calls
 * with it; the encoders' {@link DynamicBatcher} batches model calls with it.
 *
 * <p>Requests queue per key (items of different keys, such as different models, never share a
 * batch). A batch is sent when a call slot is free and either the key's queue holds {@code
 * maxBatchSize} items or its oldest item has waited {@code maxDelay} on the {@link Ticker}; a
 * request larger than {@code maxBatchSize} is split over several batches, and its caller gets
 * exactly its own results, in order.
 *
 * <p>Isolation: a request whose caller has gone (cancelled, or past its deadline) is dropped before
 * its items are sent; a caller's deadline fails its future on time even while its batch is in
 * flight, and a batch call whose callers have all gone is cancelled; when a batch of several
 * requests fails with an error that may be one item's fault, each request is sent again on its own
 * (see {@link AsyncBatcherBuilder#itemSpecific}). Admission is all or nothing: a request that does
 * not fit in the bounded queue fails at once with {@link OverloadedException}.
 *
 * <p>No thread of its own: batches leave on the thread that made them possible (a submit, an
 * answer, a delay timer on {@link Timers}), one such thread at a time. Thread-safe.
 *
 * @param <K> the batch key
 * @param <I> the item type
 * @param <O> the result type of one item
 */
public final class AsyncBatcher<K, I, O> implements BatcherLoad, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AsyncBatcher.class);

  /** Deadline of a request that has none. */
  public static final long NO_DEADLINE = Long.MAX_VALUE;

  private static final Duration DEFAULT_CLOSE_WAIT = Duration.ofSeconds(5);

  /** A {@code queuedSinceNanos} meaning "from now": the items waited nowhere before. */
  public static final long QUEUED_NOW = Long.MAX_VALUE;

  private final String name;
  private final BatchingSettings settings;
  private final BatchCall<K, I, O> call;
  private final ToLongFunction<I> sizer;
  private final Predicate<Throwable> itemSpecific;
  private final ToIntFunction<Slot<I, O>> slotGroup; // null: FIFO batches
  private final FailureTranslator translator;
  private final Ticker ticker;
  private final Timers timers;
  private final BatchListener listener;
  private final Duration retryPushback; // null: no hint
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition idle = lock.newCondition();
  private final KeyedQueue<K, Slot<I, O>> queue = new KeyedQueue<>(); // guarded by lock
  private final AtomicInteger pumpRequests = new AtomicInteger();
  private int inFlight; // guarded by lock: batch calls holding a call slot
  private int calls; // guarded by lock: every call not yet answered, re-sends included
  private final DelayTimer delayTimer; // guarded by lock
  private boolean closed; // guarded by lock

  AsyncBatcher(AsyncBatcherBuilder<K, I, O> builder) {
    this.name = builder.name;
    this.settings = builder.settings;
    this.call = builder.call;
    this.sizer = builder.sizer;
    this.itemSpecific = builder.itemSpecific;
    ToIntFunction<I> group = builder.group;
    this.slotGroup = group == null ? null : slot -> group.applyAsInt(slot.item());
    this.translator = builder.translator;
    this.ticker = builder.ticker;
    this.timers = builder.timers;
    this.listener = builder.listener;
    this.retryPushback = builder.retryPushback;
    this.delayTimer = new DelayTimer(timers, lock, this::pump);
  }

  /**
   * Starts building a batcher.
   *
   * @param name names the batcher in messages, e.g. "text-encoder-svc batcher"
   * @param call sends one batch
   */
  public static <K, I, O> AsyncBatcherBuilder<K, I, O> builder(
      String name, BatchingSettings settings, BatchCall<K, I, O> call) {
    return new AsyncBatcherBuilder<>(name, settings, call);
  }

  /**
   * Queues a request's items.
   *
   * @param deadlineNanos when the caller gives up, on the batcher's ticker, or {@link #NO_DEADLINE}
   * @param cancelled true once the caller has gone; read before the items are sent
   * @return the results, one per item in order; fails with the first failure of any item, with
   *     {@link OverloadedException} at once when the queue has no room, with {@link
   *     BackendUnavailableException} once closed, with {@link DeadlineExceededException} at the
   *     deadline, and with {@link CancelledException} when the caller went before its items were
   *     sent. Cancelling it counts as the caller having gone.
   */
  public CompletableFuture<List<O>> submit(
      K key, List<I> items, long deadlineNanos, BooleanSupplier cancelled) {
    return submit(key, items, deadlineNanos, cancelled, QUEUED_NOW);
  }

  /**
   * As {@link #submit(Object, List, long, BooleanSupplier)}, for items that already waited in a
   * stage before this batcher (an encoder's preprocessing): their wait counts from {@code
   * queuedSinceNanos} for {@code maxDelay} and in the queue-time metric, so that metric keeps
   * showing the whole wait of an item for its model call.
   *
   * @param queuedSinceNanos when the items started waiting, on the batcher's ticker; a time after
   *     now counts as now
   */
  public CompletableFuture<List<O>> submit(
      K key, List<I> items, long deadlineNanos, BooleanSupplier cancelled, long queuedSinceNanos) {
    if (items.isEmpty()) {
      return CompletableFuture.completedFuture(List.of());
    }
    Request<O> request = new Request<>(name, items.size(), deadlineNanos, cancelled);
    long now = ticker.nanoTime();
    long since =
        queuedSinceNanos == QUEUED_NOW || queuedSinceNanos - now > 0 ? now : queuedSinceNanos;
    long bytes = 0;
    List<Slot<I, O>> slots = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      long size = sizer.applyAsLong(items.get(i));
      bytes += size;
      slots.add(new Slot<>(request, items.get(i), i, size, since));
    }
    lock.lock();
    try {
      if (closed) {
        return CompletableFuture.failedFuture(
            new BackendUnavailableException(name + " is shutting down"));
      }
      // an empty queue admits any request, so one larger than the bounds is never starved; items
      // of callers that have gone (deadline passed while every call slot was busy) make room first
      if (!fits(items.size(), bytes)) {
        int purged = queue.removeIf(slot -> slot.request().isAbandoned(now));
        if (purged > 0) {
          listener.dropped(purged);
        }
      }
      if (!fits(items.size(), bytes)) {
        listener.rejected(items.size());
        return CompletableFuture.failedFuture(
            settings.overloaded(
                name, queue.items(), queue.bytes(), items.size(), bytes, retryPushback));
      }
      queue.add(key, slots);
    } finally {
      lock.unlock();
    }
    request.failAtDeadline(timers, now);
    pump();
    return request.future;
  }

  @Override
  public int queuedItems() {
    lock.lock();
    try {
      return queue.items();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public int inFlight() {
    lock.lock();
    try {
      return inFlight;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Stops accepting requests, sends what is queued without waiting for {@code maxDelay}, and waits
   * up to {@code wait} for every call to be answered. Items still queued then fail with {@link
   * BackendUnavailableException}.
   *
   * @throws InterruptedException if interrupted while waiting; the queue is left as it is
   */
  public void close(Duration wait) throws InterruptedException {
    lock.lock();
    try {
      closed = true;
    } finally {
      lock.unlock();
    }
    pump();
    lock.lock();
    try {
      long left = wait.toNanos();
      while ((queue.items() > 0 || calls > 0) && left > 0) {
        left = idle.awaitNanos(left);
      }
      BackendUnavailableException gone =
          new BackendUnavailableException(name + " closed before the request was sent");
      queue.clear(slot -> slot.request().fail(gone));
    } finally {
      lock.unlock();
    }
  }

  /** {@link #close(Duration)} waiting up to 5 s. */
  @Override
  public void close() throws InterruptedException {
    close(DEFAULT_CLOSE_WAIT);
  }

  private boolean fits(int items, long bytes) {
    return queue.items() == 0
        || (queue.items() + items <= settings.maxQueueItems()
            && queue.bytes() + bytes <= settings.maxQueueBytes());
  }

  /**
   * Sends every batch that may go now. Only one thread sends at a time; a thread that finds another
   * sending leaves the work to it, so answers that arrive while sending never recurse.
   */
  private void pump() {
    if (pumpRequests.getAndIncrement() != 0) {
      return;
    }
    int missed = 1;
    do {
      Batch<K, I, O> batch;
      while ((batch = nextBatch()) != null) {
        send(batch, true);
      }
      missed = pumpRequests.addAndGet(-missed);
    } while (missed != 0);
  }

  /** The next batch that may go now, holding a call slot; null if none may. */
  private Batch<K, I, O> nextBatch() {
    lock.lock();
    try {
      while (queue.items() > 0 && inFlight < settings.maxInFlight()) {
        long now = ticker.nanoTime();
        long maxDelay = settings.maxDelay().toNanos();
        // a key with a full batch goes now; else the oldest key, once its oldest item has waited
        K key =
            queue.next(
                settings.maxBatchSize(),
                oldest -> !closed && now - oldest.enqueuedNanos() < maxDelay);
        if (key == null) {
          delayTimer.arm(queue.oldest().enqueuedNanos() + maxDelay, now);
          return null;
        }
        Batch<K, I, O> batch = take(key, now);
        if (batch != null) {
          inFlight++;
          calls++;
          return batch;
        }
      }
      signalIfIdle();
      return null;
    } finally {
      lock.unlock();
    }
  }

  /** Takes the next batch of {@code key}, skipping abandoned requests; null if none is left. */
  private Batch<K, I, O> take(K key, long now) {
    int[] dropped = new int[1];
    List<Slot<I, O>> slots =
        queue.take(
            key,
            settings.maxBatchSize(),
            settings.maxBatchBytes(),
            slot -> slot.request().isAbandoned(ticker.nanoTime()),
            slot -> dropped[0]++,
            slotGroup);
    if (dropped[0] > 0) {
      listener.dropped(dropped[0]);
    }
    if (slots.isEmpty()) {
      return null;
    }
    slots.forEach(slot -> listener.dequeued(now - slot.enqueuedNanos()));
    return new Batch<>(key, slots);
  }

  /**
   * Sends {@code batch}; a top-level batch holds a call slot until answered, a re-sent part of a
   * failed batch does not (its batch's slot was already given back).
   */
  private void send(Batch<K, I, O> batch, boolean topLevel) {
    List<I> items = batch.items();
    listener.batchStarted(items.size(), batch.requests().size());
    long start = ticker.nanoTime();
    CompletableFuture<List<O>> answer;
    try {
      answer = call.call(batch.key(), items, batch.latestDeadline());
    } catch (RuntimeException e) {
      answer = CompletableFuture.failedFuture(e);
    }
    batch.cancelWhenNobodyWaits(answer);
    answer.whenComplete(
        (results, failure) -> {
          listener.batchEnded(items.size(), ticker.nanoTime() - start);
          if (failure == null) {
            // the slot first: the next batch need not wait for these callers' answers
            answered(topLevel);
            batch.deliver(name, results);
          } else {
            // the requests first: their items still queued must not leave in the next batch
            failed(batch, unwrap(failure), topLevel);
            answered(topLevel);
          }
        });
  }

  private void answered(boolean topLevel) {
    lock.lock();
    try {
      calls--;
      if (topLevel) {
        inFlight--;
      }
      signalIfIdle();
    } finally {
      lock.unlock();
    }
    if (topLevel) {
      pump();
    }
  }

  private void failed(Batch<K, I, O> batch, Throwable failure, boolean mayIsolate) {
    List<Batch<K, I, O>> perRequest = batch.splitByRequest();
    if (perRequest.size() > 1 && mayIsolate && itemSpecific.test(failure)) {
      log.debug(
          "{}: batch of {} requests failed ({}); sending each on its own",
          name,
          perRequest.size(),
          failure.getMessage());
      for (Batch<K, I, O> alone : perRequest) {
        Request<O> request = alone.requests().get(0);
        if (!request.isAbandoned(ticker.nanoTime())) {
          lock.lock();
          try {
            calls++;
          } finally {
            lock.unlock();
          }
          send(alone, false);
        }
      }
      return;
    }
    for (Batch<K, I, O> alone : perRequest) {
      alone
          .requests()
          .get(0)
          .fail(perRequest.size() == 1 ? translator.forRequest(failure, alone.indices()) : failure);
    }
  }

  private void signalIfIdle() {
    if (queue.items() == 0 && calls == 0) {
      idle.signalAll();
    }
  }

  private static Throwable unwrap(Throwable t) {
    Throwable cause = t;
    while (cause instanceof CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }
}
