package io.mmserve.inference.batch;

import io.mmserve.kit.errors.BackendUnavailableException;
import io.mmserve.kit.errors.CancelledException;
import io.mmserve.kit.errors.DeadlineExceededException;
import io.mmserve.kit.errors.OverloadedException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Groups items submitted concurrently into batch calls of a {@link BatchFunction}.
 *
 * <p>A batch is called when {@code maxBatchSize} items are queued, or when the oldest queued item
 * has waited {@code maxDelay}, whichever comes first. Before the call, items whose caller gave up
 * (their {@code cancelled} supplier says so, or their future was cancelled) are dropped. A failure
 * of one item never fails the others: per-item failures come back as {@link BatchResult#failure},
 * and when the whole call throws, the items are retried one by one, unless the exception says the
 * backend is down or overloaded.
 *
 * <p>The batcher owns one worker thread, which runs every batch call; {@link #close()} lets it
 * finish the queued items and stops it. {@link #submit} is thread-safe.
 *
 * @param <I> the item type
 * @param <O> the result type
 */
public final class DynamicBatcher<I, O> implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DynamicBatcher.class);

  private final String name;
  private final BatcherConfig config;
  private final BatchFunction<I, O> function;
  private final Ticker ticker;
  private final BatchListener listener;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final ArrayDeque<Pending<I, O>> queue = new ArrayDeque<>();
  private final Thread worker;
  private boolean closed; // guarded by lock

  /**
   * Creates the batcher and starts its worker thread.
   *
   * @param name names the worker thread and appears in error messages
   */
  public DynamicBatcher(
      String name,
      BatcherConfig config,
      BatchFunction<I, O> function,
      Ticker ticker,
      BatchListener listener) {
    this.name = name;
    this.config = config;
    this.function = function;
    this.ticker = ticker;
    this.listener = listener;
    this.worker = new Thread(this::work, "mmserve-batcher-" + name);
    worker.setDaemon(true);
    worker.start();
  }

  /** A batcher on the system clock without a listener. */
  public DynamicBatcher(String name, BatcherConfig config, BatchFunction<I, O> function) {
    this(name, config, function, Ticker.system(), BatchListener.NONE);
  }

  /** {@link #submit(Object, BooleanSupplier)} for an item that is never cancelled. */
  public CompletableFuture<O> submit(I item) {
    return submit(item, () -> false);
  }

  /**
   * Queues an item. The future completes on the worker thread with the item's result; it fails with
   * {@link OverloadedException} at once when the queue is full, {@link BackendUnavailableException}
   * once the batcher is closed, and {@link CancelledException} when {@code cancelled} is true at
   * the time of the batch call.
   *
   * @param cancelled read on the worker thread just before the batch call
   */
  public CompletableFuture<O> submit(I item, BooleanSupplier cancelled) {
    CompletableFuture<O> future = new CompletableFuture<>();
    lock.lock();
    try {
      if (closed) {
        return CompletableFuture.failedFuture(
            new BackendUnavailableException(name + " is shutting down"));
      }
      if (queue.size() >= config.maxQueueSize()) {
        return CompletableFuture.failedFuture(
            new OverloadedException(
                name + " is overloaded: " + config.maxQueueSize() + " items already queued"));
      }
      queue.addLast(new Pending<>(item, cancelled, future, ticker.nanoTime()));
      // The worker needs waking only to start a delay timer or to flush a full batch.
      if (queue.size() == 1 || queue.size() >= config.maxBatchSize()) {
        changed.signal();
      }
    } finally {
      lock.unlock();
    }
    return future;
  }

  /** Items waiting for a batch. */
  public int queued() {
    lock.lock();
    try {
      return queue.size();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Stops accepting items, lets the worker run the queued ones, and waits for it to stop. If the
   * calling thread is interrupted while waiting, returns with the interrupt flag set.
   */
  @Override
  public void close() {
    lock.lock();
    try {
      closed = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    if (Thread.currentThread() != worker) {
      try {
        worker.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void work() {
    try {
      List<Pending<I, O>> batch;
      while ((batch = nextBatch()) != null) {
        execute(batch);
      }
    } catch (InterruptedException e) {
      failQueued(new BackendUnavailableException(name + " was interrupted"));
      Thread.currentThread().interrupt();
    }
  }

  /** Waits for a full batch or an expired delay; null once closed and empty. */
  private List<Pending<I, O>> nextBatch() throws InterruptedException {
    lock.lock();
    try {
      while (true) {
        if (queue.isEmpty()) {
          if (closed) {
            return null;
          }
          changed.await();
          continue;
        }
        long waited = ticker.nanoTime() - queue.peekFirst().enqueuedNanos();
        long remaining = config.maxDelay().toNanos() - waited;
        if (closed || queue.size() >= config.maxBatchSize() || remaining <= 0) {
          List<Pending<I, O>> batch = new ArrayList<>();
          while (!queue.isEmpty() && batch.size() < config.maxBatchSize()) {
            batch.add(queue.pollFirst());
          }
          return batch;
        }
        changed.awaitNanos(remaining);
      }
    } finally {
      lock.unlock();
    }
  }

  private void execute(List<Pending<I, O>> batch) {
    long now = ticker.nanoTime();
    List<Pending<I, O>> live = new ArrayList<>(batch.size());
    for (Pending<I, O> p : batch) {
      listener.itemDequeued(now - p.enqueuedNanos());
      if (p.isAbandoned()) {
        listener.itemDropped();
      } else {
        live.add(p);
      }
    }
    if (!live.isEmpty()) {
      run(live, true);
    }
  }

  private void run(List<Pending<I, O>> items, boolean mayIsolate) {
    long start = ticker.nanoTime();
    List<BatchResult<O>> results;
    try {
      results = function.apply(items.stream().map(Pending::item).toList());
    } catch (Throwable t) {
      listener.batchCompleted(items.size(), ticker.nanoTime() - start);
      if (t instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      } else if (t instanceof Error) {
        log.error("{}: batch function failed with an error", name, t);
      }
      if (mayIsolate && items.size() > 1 && isItemSpecific(t)) {
        log.debug("{}: batch of {} failed, retrying items one by one", name, items.size(), t);
        items.stream().filter(p -> !p.isAbandoned()).forEach(p -> run(List.of(p), false));
      } else {
        items.forEach(p -> p.future().completeExceptionally(t));
      }
      return;
    }
    listener.batchCompleted(items.size(), ticker.nanoTime() - start);
    complete(items, results);
  }

  private void complete(List<Pending<I, O>> items, List<BatchResult<O>> results) {
    if (results == null || results.size() != items.size()) {
      IllegalStateException e =
          new IllegalStateException(
              name
                  + ": batch function returned "
                  + (results == null ? "null" : results.size() + " results")
                  + " for "
                  + items.size()
                  + " items");
      items.forEach(p -> p.future().completeExceptionally(e));
      return;
    }
    for (int i = 0; i < items.size(); i++) {
      BatchResult<O> r = results.get(i);
      CompletableFuture<O> future = items.get(i).future();
      if (r == null) {
        future.completeExceptionally(new IllegalStateException(name + ": null result " + i));
      } else if (r.isSuccess()) {
        future.complete(r.value());
      } else {
        future.completeExceptionally(r.error());
      }
    }
  }

  /** False for failures that would recur for every item alone, so retrying them is waste. */
  private static boolean isItemSpecific(Throwable t) {
    return !(t instanceof Error
        || t instanceof InterruptedException
        || t instanceof OverloadedException
        || t instanceof BackendUnavailableException
        || t instanceof DeadlineExceededException
        || t instanceof CancelledException);
  }

  private void failQueued(RuntimeException e) {
    lock.lock();
    try {
      closed = true;
      queue.forEach(p -> p.future().completeExceptionally(e));
      queue.clear();
    } finally {
      lock.unlock();
    }
  }

  /** A queued item with its caller's future. */
  private record Pending<I, O>(
      I item, BooleanSupplier cancelled, CompletableFuture<O> future, long enqueuedNanos) {

    /** True, and the future failed, when the caller no longer wants the result. */
    boolean isAbandoned() {
      if (future.isDone()) {
        return true;
      }
      if (cancelled.getAsBoolean()) {
        future.completeExceptionally(
            new CancelledException("request cancelled or past its deadline before inference"));
        return true;
      }
      return false;
    }
  }
}
