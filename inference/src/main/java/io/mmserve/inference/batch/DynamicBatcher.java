package io.mmserve.inference.batch;

import io.mmserve.kit.errors.BackendUnavailableException;
import io.mmserve.kit.errors.CancelledException;
import io.mmserve.kit.errors.DeadlineExceededException;
import io.mmserve.kit.errors.OverloadedException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Groups items submitted concurrently into calls of a synchronous {@link BatchFunction}, such as a
 * model run: an {@link AsyncBatcher} with one queue whose calls run on the batcher's own worker
 * threads, at most {@link BatchingSettings#maxInFlight()} at a time.
 *
 * <p>Each item is a request of its own: a call is made when {@code maxBatchSize} items are queued
 * or the oldest has waited {@code maxDelay}; items whose caller gave up (their {@code cancelled}
 * supplier says so, or their future was cancelled) are dropped before the call. A failure of one
 * item never fails the others: per-item failures come back as {@link BatchResult#failure}, and when
 * the whole call throws, the items are run again one by one, unless the exception says the backend
 * is down or overloaded.
 *
 * <p>Owns its worker threads (and, unless given timers, one timer thread); {@link #close()} lets
 * the queued items run and stops them. {@link #submit} is thread-safe.
 *
 * @param <I> the item type
 * @param <O> the result type
 */
public final class DynamicBatcher<I, O> implements BatcherLoad, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DynamicBatcher.class);
  private static final String QUEUE = "items";
  private static final Duration CLOSE_WAIT = Duration.ofSeconds(30);
  private static final long STOP_SECONDS = 5;

  private final String name;
  private final BatchFunction<I, O> function;
  private final ExecutorService workers;
  private final ScheduledExecutorService ownTimers; // null when timers were given
  private final AsyncBatcher<String, I, BatchResult<O>> batcher;

  /**
   * Creates the batcher and its {@code settings.maxInFlight()} worker threads.
   *
   * @param name names the threads and appears in error messages
   * @param ticker the clock of {@code maxDelay}
   * @param timers run the delay timers on {@code ticker}'s time
   */
  public DynamicBatcher(
      String name,
      BatchingSettings settings,
      BatchFunction<I, O> function,
      Ticker ticker,
      Timers timers,
      BatchListener listener) {
    this(name, settings, function, null, ticker, timers, null, listener);
  }

  /**
   * A batcher that groups similar items when more than a batch is queued ({@link
   * AsyncBatcherBuilder#groupBy}).
   *
   * @param group an item's group, for example the sequence length a text is padded to
   */
  public DynamicBatcher(
      String name,
      BatchingSettings settings,
      BatchFunction<I, O> function,
      ToIntFunction<I> group,
      Ticker ticker,
      Timers timers,
      BatchListener listener) {
    this(name, settings, function, group, ticker, timers, null, listener);
  }

  /** A grouping batcher on the system clock, with its own timer thread. */
  public DynamicBatcher(
      String name,
      BatchingSettings settings,
      BatchFunction<I, O> function,
      ToIntFunction<I> group,
      BatchListener listener) {
    this(name, settings, function, group, Ticker.system(), null, timerThread(name), listener);
  }

  /** A batcher on the system clock, with its own timer thread. */
  public DynamicBatcher(
      String name,
      BatchingSettings settings,
      BatchFunction<I, O> function,
      BatchListener listener) {
    this(name, settings, function, null, Ticker.system(), null, timerThread(name), listener);
  }

  private DynamicBatcher(
      String name,
      BatchingSettings settings,
      BatchFunction<I, O> function,
      ToIntFunction<I> group,
      Ticker ticker,
      Timers timers,
      ScheduledExecutorService ownTimers,
      BatchListener listener) {
    this.name = name;
    this.function = function;
    this.ownTimers = ownTimers;
    this.workers = workerThreads(name, settings.maxInFlight());
    AsyncBatcherBuilder<String, I, BatchResult<O>> builder =
        AsyncBatcher.<String, I, BatchResult<O>>builder(name, settings, this::call)
            .itemSpecific(DynamicBatcher::isItemSpecific)
            .clock(ticker, ownTimers != null ? Timers.of(ownTimers) : timers)
            .listener(listener);
    this.batcher = (group == null ? builder : builder.groupBy(group)).build();
  }

  /** {@link #submit(Object, BooleanSupplier)} for an item that is never cancelled. */
  public CompletableFuture<O> submit(I item) {
    return submit(item, () -> false);
  }

  /**
   * Queues an item. The future completes on a worker thread with the item's result; it fails with
   * {@link OverloadedException} at once when the queue is full, {@link BackendUnavailableException}
   * once the batcher is closed, and {@link CancelledException} when {@code cancelled} is true at
   * the time of the batch call. Cancelling the future drops the item if it is still queued.
   *
   * @param cancelled read just before the batch call
   */
  public CompletableFuture<O> submit(I item, BooleanSupplier cancelled) {
    return submit(item, cancelled, AsyncBatcher.QUEUED_NOW);
  }

  /**
   * As {@link #submit(Object, BooleanSupplier)}, for an item that already waited since {@code
   * queuedSinceNanos} (on this batcher's ticker) in a stage before it: that wait counts towards
   * {@code maxDelay} and the queue-time metric ({@link AsyncBatcher#submit(Object, List, long,
   * BooleanSupplier, long)}); {@link AsyncBatcher#QUEUED_NOW} means now.
   */
  public CompletableFuture<O> submit(I item, BooleanSupplier cancelled, long queuedSinceNanos) {
    CompletableFuture<List<BatchResult<O>>> request =
        batcher.submit(QUEUE, List.of(item), AsyncBatcher.NO_DEADLINE, cancelled, queuedSinceNanos);
    CompletableFuture<O> result = new CompletableFuture<>();
    request.whenComplete(
        (results, failure) -> {
          if (failure != null) {
            result.completeExceptionally(failure);
          } else if (results.get(0) == null) {
            result.completeExceptionally(new IllegalStateException(name + ": null result"));
          } else if (results.get(0).isSuccess()) {
            result.complete(results.get(0).value());
          } else {
            result.completeExceptionally(results.get(0).error());
          }
        });
    result.whenComplete(
        (value, failure) -> {
          if (result.isCancelled()) {
            request.cancel(false);
          }
        });
    return result;
  }

  @Override
  public int queuedItems() {
    return batcher.queuedItems();
  }

  @Override
  public int inFlight() {
    return batcher.inFlight();
  }

  /**
   * Stops accepting items, lets the queued ones run (up to 30 s; later ones fail with {@link
   * BackendUnavailableException}), and stops the threads. If the calling thread is interrupted
   * while waiting, returns with the interrupt flag set.
   */
  @Override
  public void close() {
    try {
      batcher.close(CLOSE_WAIT);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    workers.shutdown();
    if (ownTimers != null) {
      ownTimers.shutdownNow();
    }
    try {
      if (!workers.awaitTermination(STOP_SECONDS, TimeUnit.SECONDS)) {
        workers.shutdownNow();
      }
    } catch (InterruptedException e) {
      workers.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  private CompletableFuture<List<BatchResult<O>>> call(
      String queue, List<I> items, long deadlineNanos) {
    return CompletableFuture.supplyAsync(() -> run(items), workers);
  }

  private List<BatchResult<O>> run(List<I> items) {
    try {
      return function.apply(items);
    } catch (RuntimeException e) {
      throw e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CompletionException(e);
    } catch (Exception e) {
      throw new CompletionException(e);
    } catch (Error e) {
      log.error("{}: batch function failed with an error", name, e);
      throw e;
    }
  }

  /** False for failures that would recur for every item alone, so retrying them is waste. */
  private static boolean isItemSpecific(Throwable t) {
    return !(t instanceof Error
        || t instanceof InterruptedException
        || t instanceof OverloadedException
        || t instanceof BackendUnavailableException
        || t instanceof DeadlineExceededException
        || t instanceof CancelledException
        || t instanceof java.util.concurrent.CancellationException
        || t instanceof java.util.concurrent.RejectedExecutionException);
  }

  private static ExecutorService workerThreads(String name, int threads) {
    AtomicInteger count = new AtomicInteger();
    return Executors.newFixedThreadPool(threads, daemon(name, () -> "" + count.incrementAndGet()));
  }

  private static ScheduledExecutorService timerThread(String name) {
    return Executors.newSingleThreadScheduledExecutor(daemon(name, () -> "timer"));
  }

  /** Daemon threads named {@code mmserve-batcher-<name>-<suffix>}. */
  private static ThreadFactory daemon(String name, Supplier<String> suffix) {
    return r -> {
      Thread t = new Thread(r, "mmserve-batcher-" + name + "-" + suffix.get());
      t.setDaemon(true);
      return t;
    };
  }
}
