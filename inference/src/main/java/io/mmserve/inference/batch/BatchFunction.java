package io.mmserve.inference.batch;

import java.util.ArrayList;
import java.util.List;

/**
 * Computes a batch of items in one call, for example one model run. Called on the worker threads of
 * a {@link DynamicBatcher}: up to {@link BatchingSettings#maxInFlight()} calls at the same time, so
 * an implementation with per-call state (a reused buffer) needs one per call in flight.
 *
 * @param <I> the item type
 * @param <O> the result type
 */
@FunctionalInterface
public interface BatchFunction<I, O> {

  /**
   * Computes the results of {@code items}, one per item in the same order. An item that fails on
   * its own gets a {@link BatchResult#failure}. Throwing fails the whole call; the batcher then
   * retries the items one by one (unless the exception says the backend is down or overloaded), so
   * one bad item still fails alone.
   */
  List<BatchResult<O>> apply(List<I> items) throws Exception;

  /** A function with no per-item failures: {@code values} maps the items to their results. */
  static <I, O> BatchFunction<I, O> ofValues(ValuesFunction<I, O> values) {
    return items -> {
      List<O> outputs = values.apply(items);
      List<BatchResult<O>> results = new ArrayList<>(outputs.size());
      outputs.forEach(o -> results.add(BatchResult.success(o)));
      return results;
    };
  }

  /** Maps a list of items to a list of results, one per item in order. */
  @FunctionalInterface
  interface ValuesFunction<I, O> {
    List<O> apply(List<I> items) throws Exception;
  }
}
