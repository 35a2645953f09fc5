package io.mmserve.gateway.batching;

import io.mmserve.kit.errors.BackendUnavailableException;
import io.mmserve.kit.errors.CancelledException;
import io.mmserve.kit.errors.DeadlineExceededException;
import io.mmserve.kit.errors.OverloadedException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Merges the items of concurrent requests into batch calls of an asynchronous backend, the way
 * Triton's dynamic batcher does, but for a network hop: several batches may be in flight at once.
 *
 * <p>Requests queue per key (items of different keys, such as different models, never share a
 * batch). A batch is sent when a backend call slot is free ({@code maxInFlight}) and either the
 * key's queue holds {@code maxBatchSize} items or its oldest item has waited {@code maxDelay}. A
 * request larger than {@code maxBatchSize} is split over several batches; its caller gets exactly
 * its own results, in order.
 *
 * <p>Isolation: a request whose caller has gone (cancelled, or past its deadline) is dropped before
 * its items are sent; a caller's deadline fails its future on time even while its batch is in
 * flight; and when a batch of several requests fails with an error that {@code itemSpecific} blames
 * on an item (a corrupt image), each request is sent again on its own, so only the request with the
 * bad item fails. Admission is all or nothing: a request that does not fit in the bounded queue is
 * refused at once with {@link OverloadedException} carrying the retry hint.
 *
 * <p>No gRPC here: the backend is a {@link BatchCall}. Thread-safe; one dispatcher thread.
 *
 * @param <K> the batch key
 * @param <I> the item type
 * @param <O> the result type
 */
public final class AsyncBatcher<K, I, O> implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AsyncBatcher.class);

  /** Deadline of a request that has none. */
  public static final long NO_DEADLINE = Long.MAX_VALUE;

  /** One backend call for a batch. */
  @FunctionalInterface
  public interface BatchCall<K, I, O> {
    /**
     * Sends {@code items}, which share {@code key}, in one backend call.
     *
     * @param deadlineNanos the latest deadline among the requests in the batch, on the batcher's
     *     clock, or {@link #NO_DEADLINE}
     * @return one result per item, in order
     */
    CompletableFuture<List<O>> call(K key, List<I> items, long deadlineNanos);
  }

  /** Rewrites a batch failure for one request, e.g. to name the item by its index there. */
  @FunctionalInterface
  public interface FailureTranslator {
    /**
     * @param indices for each item of the failed batch, its index in the request
     */
    Throwable forRequest(Throwable failure, int[] indices);
  }

  /** What the batcher reports for metrics. */
  public interface Listener {
    Listener NONE = new Listener() {};

    /** A request was refused because the queue was full. */
    default void shed(int items) {}

    /** A batch left for the backend. */
    default void batchSent(int items, int requests, long oldestWaitNanos) {}

    /** Items dropped because their caller had gone. */
    default void dropped(int items) {}
  }

  private final String name;
  private final BatchingSettings settings;
  private final BatchCall<K, I, O> call;
  private final ToLongFunction<I> sizer;
  private final Predicate<Throwable> itemSpecific;
  private final FailureTranslator translator;
  private final ScheduledExecutorService timers;
  private final LongSupplier clock;
  private final Listener listener;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final KeyedQueue<K, Slot> queue = new KeyedQueue<>(); // guarded by lock
  private final Thread dispatcher;
  private int inFlight; // guarded by lock
  private boolean closed; // guarded by lock

  /**
   * Creates the batcher and starts its dispatcher thread.
   *
   * @param name names the batcher in messages, e.g. "text-encoder-svc batcher"
   * @param sizer the bytes an item holds, for the queue's byte bound
   * @param itemSpecific true for batch failures that may be one item's fault
   * @param timers runs the deadline timers
   * @param clock nanosecond clock of deadlines ({@code System::nanoTime} outside tests)
   */
  public AsyncBatcher(
      String name,
      BatchingSettings settings,
      BatchCall<K, I, O> call,
      ToLongFunction<I> sizer,
      Predicate<Throwable> itemSpecific,
      FailureTranslator translator,
      ScheduledExecutorService timers,
      LongSupplier clock,
      Listener listener) {
    this.name = name;
    this.settings = settings;
    this.call = call;
    this.sizer = sizer;
    this.itemSpecific = itemSpecific;
    this.translator = translator;
    this.timers = timers;
    this.clock = clock;
    this.listener = listener;
    this.dispatcher = new Thread(this::dispatch, "mmserve-gateway-batcher-" + name);
    dispatcher.setDaemon(true);
    dispatcher.start();
  }

  /**
   * Queues a request's items.
   *
   * @param deadlineNanos when the caller gives up, on the batcher's clock, or {@link #NO_DEADLINE}
   * @param cancelled true once the caller has gone; read before the items are sent
   * @return the results, one per item in order; fails with the first failure of any item, with
   *     {@link OverloadedException} at once when the queue has no room, with {@link
   *     DeadlineExceededException} at the deadline, and with {@link CancelledException} when the
   *     caller went before its items were sent
   */
  public CompletableFuture<List<O>> submit(
      K key, List<I> items, long deadlineNanos, BooleanSupplier cancelled) {
    if (items.isEmpty()) {
      return CompletableFuture.completedFuture(List.of());
    }
    Request<O> request = new Request<>(name, items.size(), deadlineNanos, cancelled);
    long now = clock.getAsLong();
    long bytes = 0;
    List<Slot> slots = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      long size = sizer.applyAsLong(items.get(i));
      bytes += size;
      slots.add(new Slot(request, items.get(i), i, size, now));
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
        int purged = queue.removeIf(slot -> slot.request.isAbandoned(now));
        if (purged > 0) {
          listener.dropped(purged);
        }
      }
      if (!fits(items.size(), bytes)) {
        listener.shed(items.size());
        return CompletableFuture.failedFuture(overloaded(items.size(), bytes));
      }
      queue.add(key, slots);
      changed.signal();
    } finally {
      lock.unlock();
    }
    if (deadlineNanos != NO_DEADLINE) {
      ScheduledFuture<?> timer =
          timers.schedule(
              () ->
                  request.fail(
                      new DeadlineExceededException(
                          "deadline exceeded while waiting for " + name + " to answer")),
              Math.max(0, deadlineNanos - now),
              TimeUnit.NANOSECONDS);
      request.future.whenComplete((r, t) -> timer.cancel(false));
    }
    return request.future;
  }

  private boolean fits(int items, long bytes) {
    return queue.items() == 0
        || (queue.items() + items <= settings.maxQueueItems()
            && queue.bytes() + bytes <= settings.maxQueueBytes());
  }

  /** Items waiting for a batch. */
  public int queuedItems() {
    lock.lock();
    try {
      return queue.items();
    } finally {
      lock.unlock();
    }
  }

  /** Batches sent and not yet answered. */
  public int inFlight() {
    lock.lock();
    try {
      return inFlight;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Stops accepting requests, sends what is queued, and waits up to {@code wait} for the dispatcher
   * to finish.
   */
  public void close(Duration wait) throws InterruptedException {
    lock.lock();
    try {
      closed = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    dispatcher.join(Math.max(1, wait.toMillis()));
  }

  @Override
  public void close() throws InterruptedException {
    close(Duration.ofSeconds(5));
  }

  private OverloadedException overloaded(int items, long bytes) {
    return new OverloadedException(
        name
            + " is overloaded: "
            + queue.items()
            + " items ("
            + queue.bytes()
            + " bytes) already queued, a request of "
            + items
            + " items ("
            + bytes
            + " bytes) does not fit (limits "
            + settings.maxQueueItems()
            + " items, "
            + settings.maxQueueBytes()
            + " bytes); retry after "
            + settings.retryPushback().toMillis()
            + " ms",
        settings.retryPushback());
  }

  private void dispatch() {
    try {
      Batch batch;
      while ((batch = nextBatch()) != null) {
        send(batch, true);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      failQueued(new BackendUnavailableException(name + " was interrupted"));
    } catch (RuntimeException | Error e) {
      log.error("{}: dispatcher failed", name, e);
      failQueued(new BackendUnavailableException(name + " failed"));
      throw e;
    }
  }

  /** Waits for a batch that may go now; null once closed and drained. */
  private Batch nextBatch() throws InterruptedException {
    lock.lock();
    try {
      while (true) {
        if (queue.items() == 0) {
          if (closed) {
            return null;
          }
          changed.await();
          continue;
        }
        if (inFlight >= settings.maxInFlight()) {
          changed.await();
          continue;
        }
        long now = clock.getAsLong();
        long maxDelay = settings.maxDelay().toNanos();
        // a key with a full batch goes now; else the oldest key, once its oldest item has waited
        K key =
            queue.next(
                settings.maxBatchSize(),
                oldest -> !closed && now - oldest.enqueuedNanos() < maxDelay);
        if (key == null) {
          changed.awaitNanos(maxDelay - (now - queue.oldest().enqueuedNanos()));
          continue;
        }
        Batch batch = take(key, now);
        if (batch != null) {
          inFlight++;
          return batch;
        }
      }
    } finally {
      lock.unlock();
    }
  }

  /** Takes the next batch of {@code key}, skipping abandoned requests; null if none is left. */
  private Batch take(K key, long now) {
    int[] dropped = new int[1];
    List<Slot> slots =
        queue.take(
            key,
            settings.maxBatchSize(),
            settings.maxBatchBytes(),
            slot -> slot.request.isAbandoned(clock.getAsLong()),
            slot -> dropped[0]++);
    if (dropped[0] > 0) {
      listener.dropped(dropped[0]);
    }
    if (slots.isEmpty()) {
      return null;
    }
    listener.batchSent(slots.size(), countRequests(slots), now - slots.get(0).enqueuedNanos());
    return new Batch(key, slots);
  }

  private void send(Batch batch, boolean topLevel) {
    List<I> items = new ArrayList<>(batch.slots.size());
    long deadline = Long.MIN_VALUE;
    for (Slot slot : batch.slots) {
      items.add(slot.item);
      deadline = Math.max(deadline, slot.request.deadlineNanos);
    }
    CompletableFuture<List<O>> answer;
    try {
      answer = call.call(batch.key, items, deadline);
    } catch (RuntimeException e) {
      answer = CompletableFuture.failedFuture(e);
    }
    cancelWhenNobodyWaits(batch, answer);
    answer.whenComplete(
        (results, failure) -> {
          if (failure == null) {
            // the slot first: the next batch need not wait for these callers' answers
            if (topLevel) {
              released();
            }
            deliver(batch, results);
          } else {
            // the requests first: their items still queued must not leave in the next batch
            failed(batch, unwrap(failure), topLevel);
            if (topLevel) {
              released();
            }
          }
        });
  }

  /**
   * Cancels the backend call once every request in the batch has its outcome without it (their
   * callers' deadlines passed or they cancelled), so the backend stops working for nobody.
   */
  private void cancelWhenNobodyWaits(Batch batch, CompletableFuture<List<O>> answer) {
    Map<Request<O>, Boolean> requests = new IdentityHashMap<>();
    batch.slots.forEach(slot -> requests.put(slot.request, Boolean.TRUE));
    AtomicInteger waiting = new AtomicInteger(requests.size());
    for (Request<O> request : requests.keySet()) {
      request.future.whenComplete(
          (r, t) -> {
            if (waiting.decrementAndGet() == 0 && !answer.isDone()) {
              answer.cancel(false);
            }
          });
    }
  }

  private void released() {
    lock.lock();
    try {
      inFlight--;
      changed.signal();
    } finally {
      lock.unlock();
    }
  }

  private void deliver(Batch batch, List<O> results) {
    if (results == null || results.size() != batch.slots.size()) {
      IllegalStateException e =
          new IllegalStateException(
              name
                  + ": backend returned "
                  + (results == null ? "no" : results.size())
                  + " results for "
                  + batch.slots.size()
                  + " items");
      batch.slots.forEach(s -> s.request.fail(e));
      return;
    }
    for (int i = 0; i < results.size(); i++) {
      Slot slot = batch.slots.get(i);
      slot.request.complete(slot.index, results.get(i));
    }
  }

  private void failed(Batch batch, Throwable failure, boolean mayIsolate) {
    Map<Request<O>, List<Slot>> byRequest = new IdentityHashMap<>();
    List<Request<O>> order = new ArrayList<>();
    for (Slot slot : batch.slots) {
      byRequest
          .computeIfAbsent(
              slot.request,
              r -> {
                order.add(r);
                return new ArrayList<>();
              })
          .add(slot);
    }
    if (order.size() > 1 && mayIsolate && itemSpecific.test(failure)) {
      log.debug(
          "{}: batch of {} requests failed ({}); sending each on its own",
          name,
          order.size(),
          failure.getMessage());
      for (Request<O> request : order) {
        if (!request.isAbandoned(clock.getAsLong())) {
          send(new Batch(batch.key, byRequest.get(request)), false);
        }
      }
      return;
    }
    for (Request<O> request : order) {
      List<Slot> slots = byRequest.get(request);
      int[] indices = slots.stream().mapToInt(s -> s.index).toArray();
      request.fail(order.size() == 1 ? translator.forRequest(failure, indices) : failure);
    }
  }

  private void failQueued(RuntimeException e) {
    lock.lock();
    try {
      closed = true;
      queue.clear(slot -> slot.request.fail(e));
    } finally {
      lock.unlock();
    }
  }

  private int countRequests(List<Slot> slots) {
    int requests = 0;
    Request<O> previous = null;
    for (Slot slot : slots) {
      if (slot.request != previous) {
        requests++;
        previous = slot.request;
      }
    }
    return requests;
  }

  private static Throwable unwrap(Throwable t) {
    Throwable cause = t;
    while (cause instanceof java.util.concurrent.CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }

  /** Items of one key sent in one backend call. */
  private final class Batch {
    final K key;
    final List<Slot> slots;

    Batch(K key, List<Slot> slots) {
      this.key = key;
      this.slots = slots;
    }
  }

  /** One item of a request, waiting in the queue. */
  private final class Slot implements KeyedQueue.Entry {
    final Request<O> request;
    final I item;
    final int index;
    final long bytes;
    final long enqueuedNanos;

    Slot(Request<O> request, I item, int index, long bytes, long enqueuedNanos) {
      this.request = request;
      this.item = item;
      this.index = index;
      this.bytes = bytes;
      this.enqueuedNanos = enqueuedNanos;
    }

    @Override
    public long bytes() {
      return bytes;
    }

    @Override
    public long enqueuedNanos() {
      return enqueuedNanos;
    }
  }
}
