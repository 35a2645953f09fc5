package io.mmserve.inference.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmserve.kit.errors.InvalidInputException;
import io.mmserve.kit.errors.OverloadedException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class AllOrFirstFailureTest {

  @Test
  void of_givesEveryValueInOrder() {
    CompletableFuture<String> late = new CompletableFuture<>();
    CompletableFuture<List<String>> all =
        AllOrFirstFailure.of(List.of(CompletableFuture.completedFuture("a"), late));
    assertFalse(all.isDone());

    late.complete("b");

    assertEquals(List.of("a", "b"), all.join());
  }

  @Test
  void of_failsWithTheLowestIndexedError() {
    InvalidInputException first = new InvalidInputException("images[1]: bad");
    CompletableFuture<List<String>> all =
        AllOrFirstFailure.of(
            List.of(
                CompletableFuture.completedFuture("ok"),
                CompletableFuture.failedFuture(first),
                CompletableFuture.failedFuture(new InvalidInputException("images[2]: bad"))));

    CompletionException e = assertThrows(CompletionException.class, all::join);
    assertSame(first, e.getCause());
  }

  @Test
  void of_prefersTheRealErrorToTheCancellationsItCaused() {
    CompletableFuture<String> cancelled = new CompletableFuture<>();
    cancelled.cancel(false);
    OverloadedException overload = new OverloadedException("queue full");
    CompletableFuture<List<String>> all =
        AllOrFirstFailure.of(List.of(cancelled, CompletableFuture.failedFuture(overload)));

    CompletionException e = assertThrows(CompletionException.class, all::join);
    assertSame(overload, e.getCause());
  }

  @Test
  void cancellingTheRest_cancelsTheOthersAtTheFirstFailureAndFailsWithIt() {
    CompletableFuture<String> queued = new CompletableFuture<>();
    CompletableFuture<String> failing = new CompletableFuture<>();
    CompletableFuture<List<String>> all =
        AllOrFirstFailure.cancellingTheRest(List.of(queued, failing));
    OverloadedException overload = new OverloadedException("queue full");

    failing.completeExceptionally(overload);

    assertTrue(queued.isCancelled(), "the other item is dropped");
    CompletionException e = assertThrows(CompletionException.class, all::join);
    assertSame(overload, e.getCause());
  }

  @Test
  void cancellingTheRest_cancellingTheResultCancelsEveryItem() {
    CompletableFuture<String> a = new CompletableFuture<>();
    CompletableFuture<String> b = new CompletableFuture<>();
    CompletableFuture<List<String>> all = AllOrFirstFailure.cancellingTheRest(List.of(a, b));

    all.cancel(false);

    assertTrue(a.isCancelled());
    assertTrue(b.isCancelled());
  }
}
