package io.mmserve.inference.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmserve.kit.errors.BackendUnavailableException;
import io.mmserve.kit.errors.CancelledException;
import io.mmserve.kit.errors.InvalidInputException;
import io.mmserve.kit.errors.OverloadedException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Batcher behaviour on a manual clock: no test sleeps. With a long max delay and a frozen clock, a
 * batch is only ever called when it is full or the batcher closes.
 */
class DynamicBatcherTest {
  private static final Duration LONG_DELAY = Duration.ofSeconds(10);
  private static final long WAIT_SECONDS = 10;

  private final ManualClock ticker = new ManualClock();
  private final List<List<String>> calls = new CopyOnWriteArrayList<>();
  private DynamicBatcher<String, String> batcher;

  @AfterEach
  void close() {
    if (batcher != null) {
      batcher.close();
    }
  }

  @Test
  void batcher_groupsConcurrentSubmitsIntoOneCall() throws Exception {
    batcher = start(4, LONG_DELAY, 100, upperCase());
    ExecutorService callers = Executors.newFixedThreadPool(4);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<CompletableFuture<String>>> submitted = new ArrayList<>();
    for (String item : List.of("a", "b", "c", "d")) {
      submitted.add(
          callers.submit(
              () -> {
                go.await();
                return batcher.submit(item);
              }));
    }
    go.countDown();

    Set<String> results = new HashSet<>();
    for (Future<CompletableFuture<String>> f : submitted) {
      results.add(f.get(WAIT_SECONDS, TimeUnit.SECONDS).get(WAIT_SECONDS, TimeUnit.SECONDS));
    }
    callers.shutdownNow();

    assertEquals(Set.of("A", "B", "C", "D"), results);
    assertEquals(1, calls.size());
    assertEquals(Set.of("a", "b", "c", "d"), new HashSet<>(calls.get(0)));
  }

  @Test
  void batcher_flushesWhenMaxDelayExpires() throws Exception {
    Duration delay = Duration.ofMillis(1);
    AtomicLong tickerAtCall = new AtomicLong(-1);
    batcher =
        start(
            8,
            delay,
            100,
            BatchFunction.ofValues(
                items -> {
                  tickerAtCall.set(ticker.nanoTime());
                  return items;
                }));

    CompletableFuture<String> lone = batcher.submit("a");
    ticker.advance(delay);

    assertEquals("a", lone.get(WAIT_SECONDS, TimeUnit.SECONDS));
    // The ticker stood at 0 until advanced, so the call came only once the delay had passed.
    assertEquals(delay.toNanos(), tickerAtCall.get());
  }

  @Test
  void batcher_splitsAtMaxBatchSize() throws Exception {
    batcher = start(2, LONG_DELAY, 100, upperCase());

    List<CompletableFuture<String>> futures = new ArrayList<>();
    for (String item : List.of("a", "b", "c", "d", "e")) {
      futures.add(batcher.submit(item));
    }
    batcher.close(); // flushes the last, partial batch

    assertEquals(List.of(List.of("a", "b"), List.of("c", "d"), List.of("e")), calls);
    assertEquals("E", futures.get(4).get(WAIT_SECONDS, TimeUnit.SECONDS));
  }

  @Test
  void batcher_failsOnlyTheItemWithAFailureResult() throws Exception {
    batcher =
        start(
            3,
            LONG_DELAY,
            100,
            items -> {
              calls.add(items);
              return items.stream()
                  .map(
                      i ->
                          i.equals("bad")
                              ? BatchResult.<String>failure(
                                  new InvalidInputException("texts[1]: bad"))
                              : BatchResult.success(i.toUpperCase()))
                  .toList();
            });

    CompletableFuture<String> a = batcher.submit("a");
    CompletableFuture<String> bad = batcher.submit("bad");
    CompletableFuture<String> c = batcher.submit("c");

    assertEquals("A", a.get(WAIT_SECONDS, TimeUnit.SECONDS));
    assertEquals("C", c.get(WAIT_SECONDS, TimeUnit.SECONDS));
    ExecutionException e =
        assertThrows(ExecutionException.class, () -> bad.get(WAIT_SECONDS, TimeUnit.SECONDS));
    assertInstanceOf(InvalidInputException.class, e.getCause());
    assertEquals(1, calls.size());
  }

  @Test
  void batcher_retriesItemsAloneWhenTheBatchCallThrows() throws Exception {
    batcher =
        start(
            3,
            LONG_DELAY,
            100,
            BatchFunction.ofValues(
                items -> {
                  calls.add(items);
                  if (items.contains("bad")) {
                    throw new IllegalStateException("model rejected the batch");
                  }
                  return items.stream().map(String::toUpperCase).toList();
                }));

    CompletableFuture<String> a = batcher.submit("a");
    CompletableFuture<String> bad = batcher.submit("bad");
    CompletableFuture<String> c = batcher.submit("c");

    assertEquals("A", a.get(WAIT_SECONDS, TimeUnit.SECONDS));
    assertEquals("C", c.get(WAIT_SECONDS, TimeUnit.SECONDS));
    assertThrows(ExecutionException.class, () -> bad.get(WAIT_SECONDS, TimeUnit.SECONDS));
    assertEquals(
        List.of(List.of("a", "bad", "c"), List.of("a"), List.of("bad"), List.of("c")), calls);
  }

  @Test
  void batcher_failsAllWithoutRetryWhenBackendIsDown() {
    batcher =
        start(
            2,
            LONG_DELAY,
            100,
            items -> {
              calls.add(items);
              throw new BackendUnavailableException("triton unreachable");
            });

    CompletableFuture<String> a = batcher.submit("a");
    CompletableFuture<String> b = batcher.submit("b");

    ExecutionException e =
        assertThrows(ExecutionException.class, () -> a.get(WAIT_SECONDS, TimeUnit.SECONDS));
    assertInstanceOf(BackendUnavailableException.class, e.getCause());
    assertThrows(ExecutionException.class, () -> b.get(WAIT_SECONDS, TimeUnit.SECONDS));
    assertEquals(1, calls.size());
  }

  @Test
  void batcher_dropsCancelledItemsBeforeTheCall() throws Exception {
    batcher = start(3, LONG_DELAY, 100, upperCase());

    CompletableFuture<String> gone = batcher.submit("gone", () -> true);
    CompletableFuture<String> abandoned = batcher.submit("abandoned");
    abandoned.cancel(false);
    CompletableFuture<String> kept = batcher.submit("kept");

    assertEquals("KEPT", kept.get(WAIT_SECONDS, TimeUnit.SECONDS));
    ExecutionException e =
        assertThrows(ExecutionException.class, () -> gone.get(WAIT_SECONDS, TimeUnit.SECONDS));
    assertInstanceOf(CancelledException.class, e.getCause());
    assertEquals(List.of(List.of("kept")), calls);
  }

  @Test
  void batcher_rejectsWhenQueueIsFull() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    batcher =
        start(
            2,
            LONG_DELAY,
            2,
            BatchFunction.ofValues(
                items -> {
                  entered.countDown();
                  assertTrue(release.await(WAIT_SECONDS, TimeUnit.SECONDS));
                  return items;
                }));
    batcher.submit("x1");
    batcher.submit("x2");
    assertTrue(entered.await(WAIT_SECONDS, TimeUnit.SECONDS)); // worker busy with x1, x2

    batcher.submit("y1");
    batcher.submit("y2");
    CompletableFuture<String> rejected = batcher.submit("y3");

    ExecutionException e = assertThrows(ExecutionException.class, rejected::get);
    assertInstanceOf(OverloadedException.class, e.getCause());
    assertEquals(
        "test is overloaded: 2 items already queued, a request of 1 items does not fit (limit 2"
            + " items)",
        e.getCause().getMessage());
    release.countDown();
  }

  @Test
  void batcher_rejectsSubmitsAfterClose() {
    batcher = start(2, LONG_DELAY, 10, upperCase());
    batcher.close();

    ExecutionException e =
        assertThrows(ExecutionException.class, () -> batcher.submit("late").get());

    assertInstanceOf(BackendUnavailableException.class, e.getCause());
  }

  @Test
  void batcher_failsAllItemsWhenResultCountIsWrong() {
    batcher = start(2, LONG_DELAY, 10, items -> List.of(BatchResult.success("only one")));

    CompletableFuture<String> a = batcher.submit("a");
    CompletableFuture<String> b = batcher.submit("b");

    assertThrows(ExecutionException.class, () -> a.get(WAIT_SECONDS, TimeUnit.SECONDS));
    assertThrows(ExecutionException.class, () -> b.get(WAIT_SECONDS, TimeUnit.SECONDS));
  }

  @Test
  void batcher_runsUpToMaxInFlightCallsAtOnce() throws Exception {
    CountDownLatch twoRunning = new CountDownLatch(2);
    CountDownLatch release = new CountDownLatch(1);
    batcher =
        new DynamicBatcher<>(
            "test",
            BatchingSettings.ofItems(1, LONG_DELAY, 100, 2),
            BatchFunction.ofValues(
                items -> {
                  calls.add(items);
                  twoRunning.countDown();
                  assertTrue(release.await(WAIT_SECONDS, TimeUnit.SECONDS));
                  return items;
                }),
            ticker,
            ticker,
            BatchListener.NONE);

    List<CompletableFuture<String>> futures = new ArrayList<>();
    for (String item : List.of("a", "b", "c")) {
      futures.add(batcher.submit(item));
    }

    assertTrue(twoRunning.await(WAIT_SECONDS, TimeUnit.SECONDS), "two calls run together");
    assertEquals(2, batcher.inFlight());
    assertEquals(1, batcher.queuedItems(), "the third waits for a free call slot");
    release.countDown();
    for (CompletableFuture<String> f : futures) {
      f.get(WAIT_SECONDS, TimeUnit.SECONDS);
    }
    assertEquals(3, calls.size());
  }

  private DynamicBatcher<String, String> start(
      int maxBatch, Duration delay, int maxQueue, BatchFunction<String, String> function) {
    return new DynamicBatcher<>(
        "test",
        BatchingSettings.ofItems(maxBatch, delay, maxQueue, 1),
        function,
        ticker,
        ticker,
        BatchListener.NONE);
  }

  private BatchFunction<String, String> upperCase() {
    return BatchFunction.ofValues(
        items -> {
          calls.add(items);
          return items.stream().map(String::toUpperCase).toList();
        });
  }
}
