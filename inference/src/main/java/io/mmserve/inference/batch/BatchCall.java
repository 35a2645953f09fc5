package io.mmserve.inference.batch;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One backend call for a batch of an {@link AsyncBatcher}: a network call on the gateway, a model
 * run on a worker thread in the encoders. Cancelling the returned future means nobody waits for the
 * answer any more.
 *
 * @param <K> the batch key
 * @param <I> the item type
 * @param <O> the result type of one item
 */
@FunctionalInterface
public interface BatchCall<K, I, O> {
  /**
   * Sends {@code items}, which share {@code key}, in one call.
   *
   * @param deadlineNanos the latest deadline among the requests in the batch, on the batcher's
   *     ticker, or {@link AsyncBatcher#NO_DEADLINE}
   * @return one result per item, in order
   */
  CompletableFuture<List<O>> call(K key, List<I> items, long deadlineNanos);
}
