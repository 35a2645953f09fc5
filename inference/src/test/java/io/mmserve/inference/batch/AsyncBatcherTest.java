package io.mmserve.inference.batch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mmserve.kit.errors.BackendUnavailableException;
import io.mmserve.kit.errors.CancelledException;
import io.mmserve.kit.errors.DeadlineExceededException;
import io.mmserve.kit.errors.OverloadedException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The batcher in front of a {@link RecordingCall}, a backend whose answers the test gives. Items
 * are strings, the answer to item {@code x} is {@code "r:" + x}, and an item's size in bytes is its
 * length. Time is a {@link ManualClock}: the batcher has no thread of its own, so whatever may be
 * sent is sent before {@code submit}, an answer or {@code advance} returns, and what was not sent
 * then stays unsent until the test moves the clock or answers a call.
 */
class AsyncBatcherTest {
  private static final Duration PUSHBACK = Duration.ofMillis(123);
  private static final Duration FOREVER =
      BatchingSettings.MAX_DELAY_LIMIT; // the clock never gets there
  private static final long NONE = AsyncBatcher.NO_DEADLINE;
  private static final BooleanSupplier PRESENT = () -> false;

  private final RecordingCall call = new RecordingCall();
  private final List<int[]> translated = new CopyOnWriteArrayList<>();
  private final CountingListener listener = new CountingListener();
  private final ManualClock clock = new ManualClock();
  private AsyncBatcher<String, String, String> batcher;

  @AfterEach
  void stop() throws InterruptedException {
    if (batcher != null) {
      call.answerEverything();
      batcher.close(Duration.ofSeconds(5));
    }
  }

  // --- merging and splitting

  @Test
  void submit_concurrentRequestsShareOneBatchAndEachGetsExactlyItsOwnResultsInOrder()
      throws Exception {
    batcher(settings(6, FOREVER, 100, 1));
    List<List<String>> requests =
        List.of(List.of("a0", "a1"), List.of("b0"), List.of("c0", "c1", "c2"));

    List<CompletableFuture<List<String>>> answers = submitConcurrently(requests);
    RecordingCall.Call batch = call.awaitCall(0);
    batch.answer();

    assertEquals(1, call.calls.size());
    assertEquals(
        Set.of("a0", "a1", "b0", "c0", "c1", "c2"), Set.copyOf(batch.items()), "one batch of all");
    assertEquals(List.of("r:a0", "r:a1"), done(answers.get(0)));
    assertEquals(List.of("r:b0"), done(answers.get(1)));
    assertEquals(List.of("r:c0", "r:c1", "r:c2"), done(answers.get(2)));
  }

  @Test
  void submit_requestLargerThanMaxBatchIsSplitOverSeveralBatches() {
    batcher(settings(2, Duration.ZERO, 100, 4));

    batcher.submit("k", List.of("i0", "i1", "i2", "i3", "i4"), NONE, PRESENT);

    call.awaitCall(2);
    assertEquals(
        List.of(List.of("i0", "i1"), List.of("i2", "i3"), List.of("i4")),
        call.calls.stream().map(RecordingCall.Call::items).toList());
  }

  @Test
  void submit_splitRequestGetsItsResultsInOrderWhateverOrderItsBatchesAnswerIn() throws Exception {
    batcher(settings(2, Duration.ZERO, 100, 4));
    CompletableFuture<List<String>> answer =
        batcher.submit("k", List.of("i0", "i1", "i2", "i3", "i4"), NONE, PRESENT);
    call.awaitCall(2);

    call.calls.get(2).answer();
    call.calls.get(1).answer();
    assertFalse(answer.isDone(), "the first batch has not answered yet");
    call.calls.get(0).answer();

    assertEquals(List.of("r:i0", "r:i1", "r:i2", "r:i3", "r:i4"), done(answer));
  }

  @Test
  void submit_differentKeysNeverShareABatch() throws Exception {
    batcher(settings(10, Duration.ZERO, 100, 1));
    batcher.submit("k1", List.of("first"), NONE, PRESENT);
    RecordingCall.Call busy = call.awaitCall(0);
    CompletableFuture<List<String>> a = batcher.submit("k1", List.of("a"), NONE, PRESENT);
    CompletableFuture<List<String>> b = batcher.submit("k2", List.of("b"), NONE, PRESENT);
    CompletableFuture<List<String>> c = batcher.submit("k1", List.of("c"), NONE, PRESENT);
    assertEquals(3, batcher.queuedItems());

    busy.answer();
    call.awaitCall(1).answer();
    call.awaitCall(2).answer();

    assertEquals(3, call.calls.size());
    for (RecordingCall.Call batch : call.calls.subList(1, 3)) {
      assertEquals(batch.key().equals("k1") ? List.of("a", "c") : List.of("b"), batch.items());
    }
    assertEquals(
        Set.of("k1", "k2"), Set.of(call.calls.get(1).key(), call.calls.get(2).key()), "both keys");
    assertEquals(List.of("r:a"), done(a));
    assertEquals(List.of("r:b"), done(b));
    assertEquals(List.of("r:c"), done(c));
  }

  @Test
  void submit_fullBatchOfOneKeyIsNotHeldBackByAnotherKeysMaxDelay() {
    batcher(settings(2, FOREVER, 100, 1));
    batcher.submit("waiting", List.of("alone"), NONE, PRESENT);

    batcher.submit("full", List.of("b0", "b1"), NONE, PRESENT);

    RecordingCall.Call batch = call.awaitCall(0);
    assertEquals("full", batch.key());
    assertEquals(List.of("b0", "b1"), batch.items());
  }

  @Test
  void submit_batchStopsBeforeMaxBatchBytes() {
    batcher(new BatchingSettings(10, Duration.ZERO, 100, 1 << 20, 4, 2));

    batcher.submit("k", List.of("aa", "bb", "cc"), NONE, PRESENT);

    call.awaitCall(1);
    assertEquals(List.of("aa", "bb"), call.calls.get(0).items());
    assertEquals(List.of("cc"), call.calls.get(1).items());
  }

  @Test
  void submit_emptyRequestCompletesAtOnceWithoutABackendCall() throws Exception {
    batcher(settings(4, Duration.ZERO, 100, 1));

    CompletableFuture<List<String>> answer = batcher.submit("k", List.of(), NONE, PRESENT);

    assertEquals(List.of(), done(answer));
    assertEquals(0, batcher.queuedItems());
    assertTrue(call.calls.isEmpty());
  }

  // --- max delay and max in flight

  @Test
  void submit_partialBatchWaitsUntilItsOldestItemHasWaitedMaxDelay() {
    batcher(settings(4, Duration.ofMillis(10), 100, 1));
    batcher.submit("k", List.of("early"), NONE, PRESENT);
    clock.advance(Duration.ofMillis(9));
    assertTrue(call.calls.isEmpty(), "sent before max delay");

    clock.advance(Duration.ofMillis(1));

    assertEquals(List.of("early"), call.awaitCall(0).items());
  }

  @Test
  void submit_itemsArrivingDuringTheDelayGoWithTheOldestWhenItsDelayExpires() {
    batcher(settings(4, Duration.ofMillis(10), 100, 1));
    batcher.submit("k", List.of("a"), NONE, PRESENT);
    clock.advance(Duration.ofMillis(6));
    batcher.submit("k", List.of("b"), NONE, PRESENT);
    assertEquals(List.of(10_000_000L), clock.delays(), "one timer, for the oldest item");

    clock.advance(Duration.ofMillis(4));

    assertEquals(
        List.of(List.of("a", "b")), call.calls.stream().map(RecordingCall.Call::items).toList());
  }

  @Test
  void submit_itemsThatWaitedInAnEarlierStage_countThatWaitForMaxDelayAndQueueTime() {
    batcher(settings(4, Duration.ofMillis(10), 100, 1));
    clock.advance(Duration.ofMillis(50));
    long enteredEncoder = clock.nanoTime() - Duration.ofMillis(7).toNanos();

    batcher.submit("k", List.of("prepared"), NONE, PRESENT, enteredEncoder);
    assertTrue(call.calls.isEmpty(), "7 of the 10 ms waited so far");
    clock.advance(Duration.ofMillis(3));

    assertEquals(List.of("prepared"), call.awaitCall(0).items());
    assertEquals(List.of(Duration.ofMillis(10).toNanos()), listener.waits);
  }

  @Test
  void submit_queuedSinceInTheFuture_countsFromNow() {
    batcher(settings(4, Duration.ofMillis(10), 100, 1));

    batcher.submit("k", List.of("x"), NONE, PRESENT, clock.nanoTime() + 1_000_000_000L);
    clock.advance(Duration.ofMillis(10));

    assertEquals(List.of("x"), call.awaitCall(0).items());
    assertEquals(List.of(Duration.ofMillis(10).toNanos()), listener.waits);
  }

  @Test
  void submit_whileMaxInFlightBatchesAreOut_itemsWaitAndGoTogetherInTheNextBatch()
      throws Exception {
    batcher(settings(10, Duration.ZERO, 100, 2));
    batcher.submit("k", List.of("x"), NONE, PRESENT);
    RecordingCall.Call first = call.awaitCall(0);
    batcher.submit("k", List.of("y"), NONE, PRESENT);
    call.awaitCall(1);
    CompletableFuture<List<String>> p = batcher.submit("k", List.of("p"), NONE, PRESENT);
    CompletableFuture<List<String>> q = batcher.submit("k", List.of("q0", "q1"), NONE, PRESENT);
    assertEquals(3, batcher.queuedItems());
    assertEquals(2, call.calls.size(), "a third batch while two are in flight");
    assertEquals(2, batcher.inFlight());

    first.answer();

    RecordingCall.Call next = call.awaitCall(2);
    assertEquals(List.of("p", "q0", "q1"), next.items());
    next.answer();
    assertEquals(List.of("r:p"), done(p));
    assertEquals(List.of("r:q0", "r:q1"), done(q));
  }

  // --- load shedding

  @Test
  void submit_whenQueueIsFull_failsAtOnceWithOverloadedCarryingTheConfiguredPushback() {
    batcher(settings(10, Duration.ZERO, 2, 1));
    fillQueueBehindABusyBatch();

    CompletableFuture<List<String>> shed = batcher.submit("k", List.of("c"), NONE, PRESENT);

    assertTrue(shed.isCompletedExceptionally(), "refused at once");
    OverloadedException e = assertInstanceOf(OverloadedException.class, failure(shed));
    assertEquals(Optional.of(PUSHBACK), e.retryAfter());
    assertEquals(1, listener.shed.get());
    assertEquals(2, batcher.queuedItems(), "the shed request took no room");
  }

  @Test
  void submit_whenQueueIsFull_admittedRequestsStillComplete() throws Exception {
    batcher(settings(10, Duration.ZERO, 2, 1));
    List<CompletableFuture<List<String>>> admitted = fillQueueBehindABusyBatch();
    batcher.submit("k", List.of("c"), NONE, PRESENT);

    call.calls.get(0).answer();
    call.awaitCall(1).answer();

    assertEquals(List.of("r:x"), done(admitted.get(0)));
    assertEquals(List.of("r:a", "r:b"), done(admitted.get(1)));
    assertEquals(2, call.calls.size());
  }

  @Test
  void submit_whenQueueIsFullOfItemsWhoseCallersHaveGone_makesRoomInsteadOfShedding()
      throws Exception {
    batcher(settings(10, Duration.ZERO, 2, 1));
    CompletableFuture<List<String>> x = batcher.submit("k", List.of("x"), NONE, PRESENT);
    call.awaitCall(0);
    AtomicBoolean gone = new AtomicBoolean();
    CompletableFuture<List<String>> ab = batcher.submit("k", List.of("a", "b"), NONE, gone::get);
    gone.set(true); // e.g. the caller cancelled while every call slot was busy

    CompletableFuture<List<String>> c = batcher.submit("k", List.of("c"), NONE, PRESENT);

    assertFalse(c.isCompletedExceptionally(), "admitted: the dead items made room");
    assertInstanceOf(CancelledException.class, failure(ab));
    assertEquals(1, batcher.queuedItems());
    assertEquals(2, listener.dropped.get());
    call.calls.get(0).answer();
    call.awaitCall(1).answer();
    assertEquals(List.of("r:c"), done(c));
    assertEquals(List.of("r:x"), done(x));
  }

  @Test
  void submit_whenQueuedBytesWouldExceedTheBound_isShed() {
    batcher(new BatchingSettings(10, Duration.ZERO, 100, 6, 1 << 20, 1));
    batcher.submit("k", List.of("x"), NONE, PRESENT);
    call.awaitCall(0);
    batcher.submit("k", List.of("12345"), NONE, PRESENT);

    CompletableFuture<List<String>> shed = batcher.submit("k", List.of("67"), NONE, PRESENT);

    assertInstanceOf(OverloadedException.class, failure(shed));
  }

  @Test
  void submit_intoAnEmptyQueue_admitsARequestLargerThanTheQueueBound() throws Exception {
    batcher(settings(2, Duration.ZERO, 2, 4));

    CompletableFuture<List<String>> big =
        batcher.submit("k", List.of("a", "b", "c", "d", "e"), NONE, PRESENT);

    call.awaitCall(2);
    call.calls.forEach(RecordingCall.Call::answer);
    assertEquals(List.of("r:a", "r:b", "r:c", "r:d", "r:e"), done(big));
  }

  // --- callers that have gone

  @Test
  void submit_cancelledCallersItemsNeverReachTheBackend() throws Exception {
    batcher(settings(10, Duration.ZERO, 100, 1));
    batcher.submit("k", List.of("busy"), NONE, PRESENT);
    RecordingCall.Call busy = call.awaitCall(0);
    AtomicBoolean gone = new AtomicBoolean();
    CompletableFuture<List<String>> cancelled =
        batcher.submit("k", List.of("gone0", "gone1"), NONE, gone::get);
    CompletableFuture<List<String>> stays = batcher.submit("k", List.of("stay"), NONE, PRESENT);
    gone.set(true);

    busy.answer();

    RecordingCall.Call next = call.awaitCall(1);
    assertEquals(List.of("stay"), next.items());
    assertInstanceOf(CancelledException.class, failure(cancelled));
    assertEquals(2, listener.dropped.get());
    next.answer();
    assertEquals(List.of("r:stay"), done(stays));
  }

  @Test
  void submit_deadlineFailsTheCallerWhileItsBatchIsStillInFlight() {
    batcher(settings(1, Duration.ZERO, 100, 1));
    CompletableFuture<List<String>> late =
        batcher.submit("k", List.of("slow"), 1_000_000L, PRESENT);
    RecordingCall.Call inFlight = call.awaitCall(0);

    clock.advance(Duration.ofMillis(1));

    DeadlineExceededException e = assertInstanceOf(DeadlineExceededException.class, failure(late));
    assertTrue(e.getMessage().contains("test batcher"), e::getMessage);
    assertTrue(
        inFlight.reply().isCancelled(),
        "the batch's only caller has gone, so the call is cancelled");
  }

  @Test
  void submit_inFlightBatchIsNotCancelledWhileOneOfItsCallersStillWaits() {
    batcher(settings(10, Duration.ZERO, 100, 1));
    batcher.submit("k", List.of("first"), NONE, PRESENT);
    RecordingCall.Call busy = call.awaitCall(0);
    CompletableFuture<List<String>> late =
        batcher.submit("k", List.of("late"), 1_000_000L, PRESENT);
    CompletableFuture<List<String>> patient =
        batcher.submit("k", List.of("patient"), NONE, PRESENT);
    busy.answer();
    RecordingCall.Call shared = call.awaitCall(1);
    assertEquals(List.of("late", "patient"), shared.items());

    clock.advance(Duration.ofMillis(1));

    assertInstanceOf(DeadlineExceededException.class, failure(late));
    assertFalse(shared.reply().isDone(), "patient still waits for this call");
    shared.answer();
    assertEquals(List.of("r:patient"), patient.join());
  }

  @Test
  void submit_deadlineTimerIsSetForTheTimeLeftOnTheBatchersClock() {
    clock.advance(Duration.ofNanos(5_000));
    batcher(settings(1, Duration.ZERO, 100, 1));

    batcher.submit("k", List.of("x"), 1_005_000L, PRESENT);

    assertEquals(List.of(1_000_000L), clock.delays());
  }

  @Test
  void submit_oneCallersDeadlineLeavesTheOthersInItsBatchToTheirResults() throws Exception {
    batcher(settings(2, FOREVER, 100, 1));
    CompletableFuture<List<String>> late =
        batcher.submit("k", List.of("late"), 1_000_000L, PRESENT);
    CompletableFuture<List<String>> patient =
        batcher.submit("k", List.of("patient"), NONE, PRESENT);
    RecordingCall.Call shared = call.awaitCall(0);
    assertEquals(List.of("late", "patient"), shared.items());

    clock.advance(Duration.ofMillis(1));
    assertInstanceOf(DeadlineExceededException.class, failure(late));
    assertFalse(patient.isDone());
    shared.answer();

    assertEquals(List.of("r:patient"), done(patient));
  }

  @Test
  void submit_deadlinePassedWhileQueued_dropsTheRequestBeforeItIsSent() throws Exception {
    batcher(settings(10, Duration.ZERO, 100, 1));
    batcher.submit("k", List.of("busy"), NONE, PRESENT);
    RecordingCall.Call busy = call.awaitCall(0);
    CompletableFuture<List<String>> expired =
        batcher.submit("k", List.of("expired"), 500L, PRESENT);
    batcher.submit("k", List.of("ok"), NONE, PRESENT);
    clock.advance(Duration.ofNanos(1_000));

    busy.answer();

    assertEquals(List.of("ok"), call.awaitCall(1).items());
    assertInstanceOf(DeadlineExceededException.class, failure(expired));
    assertEquals(1, listener.dropped.get());
  }

  @Test
  void submit_batchCarriesTheLatestDeadlineOfItsRequests() {
    batcher(settings(2, FOREVER, 100, 1));

    batcher.submit("k", List.of("a"), 5_000L, PRESENT);
    batcher.submit("k", List.of("b"), 9_000L, PRESENT);

    RecordingCall.Call batch = call.awaitCall(0);
    assertEquals(List.of("a", "b"), batch.items());
    assertEquals(9_000L, batch.deadlineNanos());
  }

  // --- failures

  @Test
  void failure_itemSpecificFailureOfASharedBatch_isResentPerRequestSoOnlyTheBadRequestFails()
      throws Exception {
    batcher(settings(4, FOREVER, 100, 1));
    CompletableFuture<List<String>> good = batcher.submit("k", List.of("a0", "a1"), NONE, PRESENT);
    CompletableFuture<List<String>> bad = batcher.submit("k", List.of("b0", "bad"), NONE, PRESENT);
    call.awaitCall(0).fail(new ItemError("items[3] is bad"));

    assertEquals(3, call.calls.size(), "the shared batch and one per request");
    RecordingCall.Call alone = call.callOf("a0");
    RecordingCall.Call badAlone = call.callOf("b0");
    assertEquals(List.of("a0", "a1"), alone.items());
    assertEquals(List.of("b0", "bad"), badAlone.items());
    alone.answer();
    ItemError own = new ItemError("items[1] is bad");
    badAlone.fail(own);

    assertEquals(List.of("r:a0", "r:a1"), done(good));
    TranslatedError e = assertInstanceOf(TranslatedError.class, failure(bad));
    assertSame(own, e.getCause());
  }

  @Test
  void failure_ofABatchOfOneRequest_isTranslatedWithTheItemsIndicesInThatRequest()
      throws Exception {
    batcher(settings(2, Duration.ZERO, 100, 4));
    CompletableFuture<List<String>> answer =
        batcher.submit("k", List.of("x0", "x1", "x2", "bad"), NONE, PRESENT);
    call.awaitCall(1);

    call.calls.get(0).answer();
    call.calls.get(1).fail(new ItemError("items[1] is bad"));

    TranslatedError e = assertInstanceOf(TranslatedError.class, failure(answer));
    assertArrayEquals(new int[] {2, 3}, e.indices);
    assertEquals(1, translated.size());
    assertEquals(2, call.calls.size(), "a batch of one request is not sent again");
  }

  @Test
  void failure_notItemSpecific_failsEveryRequestOfTheBatchWithoutResending() {
    batcher(settings(4, FOREVER, 100, 1));
    CompletableFuture<List<String>> a = batcher.submit("k", List.of("a0", "a1"), NONE, PRESENT);
    CompletableFuture<List<String>> b = batcher.submit("k", List.of("b0", "b1"), NONE, PRESENT);
    IllegalStateException down = new IllegalStateException("backend down");

    call.awaitCall(0).fail(down);

    assertSame(down, failure(a));
    assertSame(down, failure(b));
    assertEquals(1, call.calls.size());
    assertTrue(translated.isEmpty());
  }

  @Test
  void failure_backendThrowingInsteadOfAnswering_failsTheBatchsRequests() {
    IllegalStateException thrown = new IllegalStateException("cannot send");
    batcher =
        builder(
                settings(1, Duration.ZERO, 100, 1),
                (key, items, deadline) -> {
                  throw thrown;
                })
            .translator(FailureTranslator.NONE)
            .build();

    CompletableFuture<List<String>> answer = batcher.submit("k", List.of("x"), NONE, PRESENT);

    assertSame(thrown, failure(answer));
  }

  @Test
  void failure_backendAnsweringTooFewResults_failsTheBatchsRequests() {
    batcher(settings(2, Duration.ZERO, 100, 1));
    CompletableFuture<List<String>> answer = batcher.submit("k", List.of("x", "y"), NONE, PRESENT);

    call.awaitCall(0).reply().complete(List.of("only one"));

    IllegalStateException e = assertInstanceOf(IllegalStateException.class, failure(answer));
    assertTrue(e.getMessage().contains("returned 1 results for 2 items"), e::getMessage);
  }

  @Test
  void failure_ofOneBatchOfASplitRequest_dropsItsItemsStillQueued() throws Exception {
    batcher(settings(2, Duration.ZERO, 100, 1));
    CompletableFuture<List<String>> split =
        batcher.submit("k", List.of("x0", "x1", "x2", "x3"), NONE, PRESENT);
    RecordingCall.Call first = call.awaitCall(0);
    CompletableFuture<List<String>> later = batcher.submit("k", List.of("y"), NONE, PRESENT);

    IllegalStateException down = new IllegalStateException("backend down");
    first.fail(down);

    assertSame(down, failure(split).getCause(), "the translator saw the batch's failure");
    RecordingCall.Call next = call.awaitCall(1);
    assertEquals(List.of("y"), next.items(), "x2 and x3 have nobody waiting for them");
    next.answer();
    assertEquals(List.of("r:y"), done(later));
  }

  @Test
  void failure_freesTheBackendCallSlot() throws Exception {
    batcher(settings(10, Duration.ZERO, 100, 1));
    batcher.submit("k", List.of("x"), NONE, PRESENT);
    RecordingCall.Call first = call.awaitCall(0);
    CompletableFuture<List<String>> next = batcher.submit("k", List.of("y"), NONE, PRESENT);

    first.fail(new IllegalStateException("backend down"));

    call.awaitCall(1).answer();
    assertEquals(List.of("r:y"), done(next));
  }

  // --- metrics and shutdown

  @Test
  void listener_hearsItemsAndRequestsOfEachBatch() {
    batcher(settings(3, FOREVER, 100, 1));

    batcher.submit("k", List.of("a0", "a1"), NONE, PRESENT);
    batcher.submit("k", List.of("b0"), NONE, PRESENT);

    call.awaitCall(0);
    assertEquals(List.of(List.of(3, 2)), listener.batches);
  }

  @Test
  void close_sendsWhatIsQueuedWithoutWaitingForMaxDelay() throws Exception {
    batcher(settings(10, FOREVER, 100, 1));
    CompletableFuture<List<String>> queued =
        batcher.submit("k", List.of("q0", "q1"), NONE, PRESENT);
    assertTrue(call.calls.isEmpty(), "waits for company");
    call.answerEverything();

    batcher.close(Duration.ofSeconds(10));

    assertEquals(1, call.calls.size());
    assertEquals(List.of("q0", "q1"), call.calls.get(0).items());
    assertEquals(List.of("r:q0", "r:q1"), done(queued));
  }

  @Test
  void close_failsWhatCouldNotBeSentInTheTimeGiven() throws Exception {
    batcher(settings(1, Duration.ZERO, 100, 1));
    batcher.submit("k", List.of("busy"), NONE, PRESENT);
    CompletableFuture<List<String>> stuck = batcher.submit("k", List.of("stuck"), NONE, PRESENT);

    batcher.close(Duration.ZERO);

    assertInstanceOf(BackendUnavailableException.class, failure(stuck));
    assertEquals(0, batcher.queuedItems());
  }

  @Test
  void close_refusesNewRequests() throws Exception {
    batcher(settings(10, Duration.ZERO, 100, 1));
    batcher.close(Duration.ofSeconds(10));

    CompletableFuture<List<String>> late = batcher.submit("k", List.of("x"), NONE, PRESENT);

    BackendUnavailableException e =
        assertInstanceOf(BackendUnavailableException.class, failure(late));
    assertTrue(e.getMessage().contains("shutting down"), e::getMessage);
  }

  // --- helpers

  private AsyncBatcher<String, String, String> batcher(BatchingSettings settings) {
    batcher = builder(settings, call).build();
    return batcher;
  }

  private AsyncBatcherBuilder<String, String, String> builder(
      BatchingSettings settings, BatchCall<String, String, String> backend) {
    return AsyncBatcher.builder("test batcher", settings, backend)
        .sizer(String::length)
        .itemSpecific(t -> t instanceof ItemError)
        .translator(
            (failure, indices) -> {
              translated.add(indices);
              return new TranslatedError(failure, indices);
            })
        .clock(clock, clock)
        .listener(listener)
        .retryPushback(PUSHBACK);
  }

  private static BatchingSettings settings(
      int maxBatchSize, Duration maxDelay, int maxQueueItems, int maxInFlight) {
    return new BatchingSettings(
        maxBatchSize, maxDelay, maxQueueItems, 1 << 20, 1 << 20, maxInFlight);
  }

  /** One request in flight ("x"), one of two items queued behind it ("a", "b"). */
  private List<CompletableFuture<List<String>>> fillQueueBehindABusyBatch() {
    CompletableFuture<List<String>> x = batcher.submit("k", List.of("x"), NONE, PRESENT);
    call.awaitCall(0);
    CompletableFuture<List<String>> ab = batcher.submit("k", List.of("a", "b"), NONE, PRESENT);
    assertEquals(2, batcher.queuedItems());
    return List.of(x, ab);
  }

  /** Submits each request from its own thread, all released at once. */
  private List<CompletableFuture<List<String>>> submitConcurrently(List<List<String>> requests)
      throws Exception {
    ExecutorService threads = Executors.newFixedThreadPool(requests.size());
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<CompletableFuture<List<String>>>> submitted = new ArrayList<>();
      for (List<String> items : requests) {
        submitted.add(
            threads.submit(
                () -> {
                  go.await();
                  return batcher.submit("k", items, NONE, PRESENT);
                }));
      }
      go.countDown();
      List<CompletableFuture<List<String>>> answers = new ArrayList<>();
      for (Future<CompletableFuture<List<String>>> f : submitted) {
        answers.add(f.get(10, TimeUnit.SECONDS));
      }
      return answers;
    } finally {
      threads.shutdownNow();
    }
  }

  private static <T> T done(CompletableFuture<T> future) throws Exception {
    return future.get(10, TimeUnit.SECONDS);
  }

  private static Throwable failure(CompletableFuture<?> future) {
    ExecutionException e =
        assertThrows(ExecutionException.class, () -> future.get(10, TimeUnit.SECONDS));
    return e.getCause();
  }

  /** A backend that records each batch call and answers when the test says. */
  static final class RecordingCall implements BatchCall<String, String, String> {
    record Call(
        String key, List<String> items, long deadlineNanos, CompletableFuture<List<String>> reply) {
      void answer() {
        reply.complete(items.stream().map(i -> "r:" + i).toList());
      }

      void fail(Throwable t) {
        reply.completeExceptionally(t);
      }
    }

    final List<Call> calls = new CopyOnWriteArrayList<>();
    private volatile boolean answerAtOnce;

    @Override
    public CompletableFuture<List<String>> call(String key, List<String> items, long deadline) {
      Call c = new Call(key, List.copyOf(items), deadline, new CompletableFuture<>());
      calls.add(c);
      if (answerAtOnce) {
        c.answer();
      }
      return c.reply;
    }

    /** Call {@code index} (from 0), which must have been made. */
    Call awaitCall(int index) {
      assertTrue(calls.size() > index, "batch call " + index + " was made; calls: " + calls);
      return calls.get(index);
    }

    /** The one call holding {@code item}. */
    Call callOf(String item) {
      List<Call> holding = calls.stream().filter(c -> c.items().contains(item)).toList();
      return holding.get(holding.size() - 1);
    }

    /** Answers every call now and from now on (so that a test's batcher drains when closed). */
    void answerEverything() {
      answerAtOnce = true;
      calls.forEach(Call::answer);
    }
  }

  /** Counts what the batcher reports. */
  static final class CountingListener implements BatchListener {
    final AtomicInteger shed = new AtomicInteger();
    final AtomicInteger dropped = new AtomicInteger();
    final List<List<Integer>> batches = new CopyOnWriteArrayList<>();
    final List<Long> waits = new CopyOnWriteArrayList<>();

    @Override
    public void dequeued(long queuedNanos) {
      waits.add(queuedNanos);
    }

    @Override
    public void rejected(int items) {
      shed.addAndGet(items);
    }

    @Override
    public void batchStarted(int items, int requests) {
      batches.add(List.of(items, requests));
    }

    @Override
    public void dropped(int items) {
      dropped.addAndGet(items);
    }
  }

  /** A failure the batcher is told may be one item's fault. */
  static final class ItemError extends RuntimeException {
    ItemError(String message) {
      super(message);
    }
  }

  /** What the test's failure translator makes of a batch failure for one request. */
  static final class TranslatedError extends RuntimeException {
    final int[] indices;

    TranslatedError(Throwable failure, int[] indices) {
      super("translated", failure);
      this.indices = indices.clone();
    }
  }
}
