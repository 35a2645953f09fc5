package io.mmserve.inference.batch;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Joins the futures of a request's items into one future of the whole request: all values in order,
 * or one failure. The failure is deterministic: that of the lowest index, preferring a real error
 * to the cancellation that error caused in the others.
 */
public final class AllOrFirstFailure {
  private AllOrFirstFailure() {}

  /**
   * Completes once every future has; see the class comment for which failure wins. The result fails
   * with that failure itself, not wrapped.
   */
  public static <T> CompletableFuture<List<T>> of(List<CompletableFuture<T>> futures) {
    CompletableFuture<List<T>> result = new CompletableFuture<>();
    CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
        .whenComplete(
            (ignored, anyError) -> {
              Throwable failure = null;
              List<T> values = new ArrayList<>(futures.size());
              for (CompletableFuture<T> future : futures) {
                try {
                  values.add(future.join());
                } catch (CompletionException | CancellationException e) {
                  Throwable cause = e instanceof CompletionException ? e.getCause() : e;
                  if (failure == null
                      || (failure instanceof CancellationException
                          && !(cause instanceof CancellationException))) {
                    failure = cause;
                  }
                }
              }
              if (failure != null) {
                result.completeExceptionally(failure);
              } else {
                result.complete(values);
              }
            });
    return result;
  }

  /**
   * As {@link #of}, but the first failure cancels the other futures, and so does cancelling the
   * result: a batcher then drops their items instead of running them for nobody.
   */
  public static <T> CompletableFuture<List<T>> cancellingTheRest(
      List<CompletableFuture<T>> futures) {
    for (CompletableFuture<T> future : futures) {
      future.whenComplete(
          (value, error) -> {
            if (error != null) {
              futures.forEach(f -> f.cancel(false));
            }
          });
    }
    CompletableFuture<List<T>> result = of(futures);
    result.whenComplete(
        (values, error) -> {
          if (result.isCancelled()) {
            futures.forEach(f -> f.cancel(false));
          }
        });
    return result;
  }
}
