package io.mmserve.inference.batch;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;
import java.util.function.ToLongFunction;

/**
 * Builds an {@link AsyncBatcher}. Only the name, settings, call and {@link #clock} are required;
 * the rest defaults to: items of no size, no failure blamed on an item, failures left as they are,
 * no listener and no retry hint.
 *
 * @param <K> the batch key
 * @param <I> the item type
 * @param <O> the result type of one item
 */
public final class AsyncBatcherBuilder<K, I, O> {
  final String name;
  final BatchingSettings settings;
  final BatchCall<K, I, O> call;
  ToLongFunction<I> sizer = item -> 0;
  Predicate<Throwable> itemSpecific = failure -> false;
  ToIntFunction<I> group; // null: FIFO batches
  FailureTranslator translator = FailureTranslator.NONE;
  Ticker ticker;
  Timers timers;
  BatchListener listener = BatchListener.NONE;
  Duration retryPushback;

  AsyncBatcherBuilder(String name, BatchingSettings settings, BatchCall<K, I, O> call) {
    this.name = Objects.requireNonNull(name, "name");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.call = Objects.requireNonNull(call, "call");
  }

  /** The bytes an item holds, for the queue's and the batch's byte bounds. */
  public AsyncBatcherBuilder<K, I, O> sizer(ToLongFunction<I> sizer) {
    this.sizer = Objects.requireNonNull(sizer);
    return this;
  }

  /**
   * Which batch failures may be one item's fault: a failed batch of several requests is then sent
   * again one request at a time, so only the request with the bad item fails.
   */
  public AsyncBatcherBuilder<K, I, O> itemSpecific(Predicate<Throwable> itemSpecific) {
    this.itemSpecific = Objects.requireNonNull(itemSpecific);
    return this;
  }

  /**
   * Groups similar items into batches when more than a batch is queued under one key: each batch is
   * the oldest item and then the items whose group is nearest to its group (for texts, the padded
   * sequence length), so similar items share a model call. The oldest item always goes, so no item
   * waits longer than behind the same items in FIFO order. Without it, batches are FIFO.
   */
  public AsyncBatcherBuilder<K, I, O> groupBy(ToIntFunction<I> group) {
    this.group = Objects.requireNonNull(group);
    return this;
  }

  /** Rewrites the failure of a batch of one request for that request. */
  public AsyncBatcherBuilder<K, I, O> translator(FailureTranslator translator) {
    this.translator = Objects.requireNonNull(translator);
    return this;
  }

  /** The clock of delays and deadlines, and the timers that run on it. */
  public AsyncBatcherBuilder<K, I, O> clock(Ticker ticker, Timers timers) {
    this.ticker = Objects.requireNonNull(ticker);
    this.timers = Objects.requireNonNull(timers);
    return this;
  }

  public AsyncBatcherBuilder<K, I, O> listener(BatchListener listener) {
    this.listener = Objects.requireNonNull(listener);
    return this;
  }

  /** The retry delay a refused request is told to wait ({@code grpc-retry-pushback-ms}). */
  public AsyncBatcherBuilder<K, I, O> retryPushback(Duration retryPushback) {
    this.retryPushback = Objects.requireNonNull(retryPushback);
    return this;
  }

  /**
   * The batcher; it starts no thread.
   *
   * @throws IllegalStateException if no clock was given
   */
  public AsyncBatcher<K, I, O> build() {
    if (ticker == null) {
      throw new IllegalStateException(name + ": the batcher needs a clock (ticker and timers)");
    }
    return new AsyncBatcher<>(this);
  }
}
