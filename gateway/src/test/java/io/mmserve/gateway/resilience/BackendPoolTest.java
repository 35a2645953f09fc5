package io.mmserve.gateway.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.mmserve.encoder.v1.EncodeTextRequest;
import io.mmserve.encoder.v1.EncodeTextResponse;
import io.mmserve.encoder.v1.TextEncoderGrpc;
import io.mmserve.gateway.Eventually;
import io.mmserve.kit.errors.StatusMapper;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A pool over in-process replicas "a:1" and "b:1": scripted text encoders, each with a gRPC health
 * service the test sets. Each answer names the replica that gave it.
 */
class BackendPoolTest {
  private static final String BACKEND = "text-encoder-svc";
  private static final Metadata.Key<String> PUSHBACK =
      Metadata.Key.of(StatusMapper.RETRY_PUSHBACK_KEY, Metadata.ASCII_STRING_MARSHALLER);
  private static final BackendPool.Attempt<EncodeTextResponse> ENCODE =
      (channel, deadline) ->
          TextEncoderGrpc.newFutureStub(channel)
              .withDeadline(deadline)
              .encodeText(EncodeTextRequest.newBuilder().addTexts("x").build());

  private final Map<String, Replica> replicas = new LinkedHashMap<>();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private RecordingScheduler scheduler;
  private BackendPool pool;
  private Replica a;
  private Replica b;

  @BeforeEach
  void start() throws IOException {
    scheduler = new RecordingScheduler();
    a = replica("a:1");
    b = replica("b:1");
  }

  @AfterEach
  void stop() throws InterruptedException {
    replicas.values().forEach(r -> r.server.shutdownNow());
    if (pool != null) {
      pool.close();
    }
    scheduler.shutdownNow();
  }

  // --- retries

  @Test
  void call_unavailableIsRetriedOnTheOtherEndpointAndSucceeds() throws Exception {
    a.failWith = Status.UNAVAILABLE.withDescription("a is stopping");
    pool(new Settings(), "a:1,b:1");

    assertEquals("b:1", answeredBy(call()));
    assertEquals(1, a.calls.get());
    assertEquals(1, b.calls.get());
    assertEquals(1.0, retries("retried"));
  }

  @Test
  void call_retryGoesToAnEndpointNotTriedYetEvenWhenItIsTheOthersTurn() throws Exception {
    a.hold = true;
    pool(new Settings(), "a:1,b:1");
    ListenableFuture<EncodeTextResponse> first = call(); // round robin: a, held there
    Eventually.await("the first call reached a", () -> a.held.size() == 1);
    assertEquals("b:1", answeredBy(call())); // b's turn
    // a's turn again, but a failed this call already

    a.failHeld(Status.UNAVAILABLE.withDescription("a is stopping"));

    assertEquals("b:1", answeredBy(first));
    assertEquals(1, a.calls.get());
  }

  @Test
  void call_abortedIsRetried() throws Exception {
    a.failWith = Status.ABORTED.withDescription("try again");
    pool(new Settings(), "a:1,b:1");

    assertEquals("b:1", answeredBy(call()));
  }

  @Test
  void call_invalidArgumentIsNotRetried() {
    a.failWith = Status.INVALID_ARGUMENT.withDescription("texts[0]: bad");
    pool(new Settings(), "a:1,b:1");

    StatusRuntimeException e = failure(call());

    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertEquals("texts[0]: bad", e.getStatus().getDescription());
    assertEquals(0, b.calls.get());
  }

  @Test
  void call_attemptsAreBoundedByMaxAttempts() {
    a.failWith = Status.UNAVAILABLE;
    b.failWith = Status.UNAVAILABLE;
    Settings settings = new Settings();
    settings.maxAttempts = 3;
    pool(settings, "a:1,b:1");

    StatusRuntimeException e = failure(call());

    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
    assertEquals(3, a.calls.get() + b.calls.get());
  }

  @Test
  void call_withMaxAttemptsOfOne_isNeverRetried() {
    a.failWith = Status.UNAVAILABLE;
    Settings settings = new Settings();
    settings.maxAttempts = 1;
    pool(settings, "a:1,b:1");

    failure(call());

    assertEquals(0, b.calls.get());
  }

  @Test
  void call_withTheRetryBudgetSpent_isNotRetriedAndCountsBudgetExhausted() {
    a.failWith = Status.UNAVAILABLE;
    Settings settings = new Settings();
    settings.budgetRatio = 0;
    settings.budgetBurst = 0;
    pool(settings, "a:1,b:1");

    StatusRuntimeException e = failure(call());

    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
    assertEquals(0, b.calls.get());
    assertEquals(1.0, retries("budget_exhausted"));
  }

  @Test
  void call_whenTheBackendAnswersPushbackMinusOne_isNotRetried() {
    a.failWith = Status.UNAVAILABLE.withDescription("draining");
    a.failTrailers = pushback("-1");
    pool(new Settings(), "a:1,b:1");

    StatusRuntimeException e = failure(call());

    assertEquals("draining", e.getStatus().getDescription());
    assertEquals(0, b.calls.get());
    assertEquals(1.0, retries("refused_by_backend"));
  }

  @Test
  void call_whoseRetryDelayWouldCrossTheDeadline_isNotRetried() {
    a.failWith = Status.UNAVAILABLE;
    a.failTrailers = pushback("60000");
    pool(new Settings(), "a:1,b:1");

    failure(pool.call(Deadline.after(10, TimeUnit.SECONDS), ENCODE));

    assertEquals(0, b.calls.get());
    assertEquals(1.0, retries("past_deadline"));
  }

  @Test
  void call_retriesAfterTheDelayTheBackendAskedFor() throws Exception {
    a.failWith = Status.UNAVAILABLE;
    a.failTrailers = pushback("250");
    pool(new Settings(), "a:1,b:1");

    assertEquals("b:1", answeredBy(call()));

    assertTrue(
        scheduler.delays.contains(Duration.ofMillis(250).toNanos()), scheduler.delays::toString);
  }

  @Test
  void call_pastItsDeadline_failsWithDeadlineExceededWithoutCallingABackend() {
    pool(new Settings(), "a:1,b:1");

    StatusRuntimeException e = failure(pool.call(Deadline.after(0, TimeUnit.NANOSECONDS), ENCODE));

    assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
    assertEquals(
        "deadline exceeded before text-encoder-svc could be called",
        e.getStatus().getDescription());
    assertEquals(0, a.calls.get() + b.calls.get());
  }

  @Test
  void call_cancelled_cancelsTheAttemptInFlight() {
    a.hold = true;
    pool(new Settings(), "a:1");
    // a deadline beyond the wait, so only the cancellation can end the call in time
    ListenableFuture<EncodeTextResponse> answer =
        pool.call(Deadline.after(10, TimeUnit.MINUTES), ENCODE);
    Eventually.await("the call reached a", () -> a.held.size() == 1);

    answer.cancel(true);

    Eventually.await("a saw the cancellation", () -> a.held.get(0).isCancelled());
  }

  // --- circuit breaker

  @Test
  void call_afterMinimumCallsFailed_failsFastWithCircuitOpenWithoutReachingTheServer() {
    a.failWith = Status.UNAVAILABLE.withDescription("down");
    pool(breakerSettings(Duration.ofHours(1)), "a:1");
    failCalls(4);

    StatusRuntimeException e = failure(call());

    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().contains("circuit open"), e::toString);
    assertEquals(4, a.calls.get());
    assertEquals(1.0, gauge("mmserve.backend.circuit.state", "a:1"));
    assertEquals(1.0, rejected("circuit_open"));
  }

  @Test
  void call_beforeMinimumCalls_keepsTheCircuitClosed() {
    a.failWith = Status.UNAVAILABLE.withDescription("down");
    pool(breakerSettings(Duration.ofHours(1)), "a:1");
    failCalls(3);

    StatusRuntimeException e = failure(call());

    assertEquals("down", e.getStatus().getDescription());
    assertEquals(4, a.calls.get());
  }

  @Test
  void call_afterOpenDuration_aTrialCallToAHealthyServerClosesTheCircuit() {
    a.failWith = Status.UNAVAILABLE.withDescription("down");
    pool(breakerSettings(Duration.ofMillis(50)), "a:1");
    failCalls(4);
    a.failWith = null;

    Eventually.await("a trial call succeeds", this::callSucceeds);

    assertEquals(0.0, gauge("mmserve.backend.circuit.state", "a:1"));
    assertEquals(5, a.calls.get(), "4 failures and the trial call; refused calls never arrived");
  }

  @Test
  void call_cancelledByItsCaller_isNotAFailureOfTheEndpoint() throws Exception {
    a.hold = true;
    pool(breakerSettings(Duration.ofHours(1)), "a:1");
    for (int i = 0; i < 4; i++) {
      call().cancel(true);
    }
    a.hold = false;

    assertEquals("a:1", answeredBy(call()));
    assertEquals(0.0, gauge("mmserve.backend.circuit.state", "a:1"));
  }

  @Test
  void anyAvailable_isFalseOnceEveryCircuitIsOpen() {
    a.failWith = Status.UNAVAILABLE;
    pool(breakerSettings(Duration.ofHours(1)), "a:1");
    assertTrue(pool.anyAvailable());

    failCalls(4);

    assertFalse(pool.anyAvailable());
  }

  @Test
  void call_skipsAnEndpointWhoseCircuitIsOpen() throws Exception {
    a.failWith = Status.UNAVAILABLE;
    Settings settings = breakerSettings(Duration.ofHours(1));
    pool(settings, "a:1,b:1");
    for (int i = 0; i < 8; i++) { // round robin: 4 calls each, a's all failing
      try {
        call().get(10, TimeUnit.SECONDS);
      } catch (ExecutionException expected) {
        // a's failures open its circuit
      }
    }
    assertEquals(1.0, gauge("mmserve.backend.circuit.state", "a:1"));

    for (int i = 0; i < 4; i++) {
      assertEquals("b:1", answeredBy(call()));
    }
    assertEquals(4, a.calls.get());
  }

  // --- bulkhead

  @Test
  void call_whenTheBulkheadIsFull_failsAtOnceWithUnavailableAndARetryPushback() throws Exception {
    a.hold = true;
    Settings settings = new Settings();
    settings.bulkhead = 1;
    pool(settings, "a:1");
    ListenableFuture<EncodeTextResponse> first = call();
    Eventually.await("the first call reached a", () -> a.held.size() == 1);

    StatusRuntimeException e = failure(call());

    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
    assertTrue(
        e.getStatus().getDescription().contains("at its limit of 1 concurrent calls"), e::toString);
    assertEquals(OptionalLong.of(100), StatusMapper.retryPushbackMillis(e.getTrailers()));
    assertEquals(1, a.calls.get());
    assertEquals(1.0, rejected("bulkhead_full"));
    a.releaseHeld();
    assertEquals("a:1", answeredBy(first));
  }

  // --- health and routing

  @Test
  void call_skipsAnEndpointWhoseHealthServiceSaysNotServing() throws Exception {
    a.health.setStatus("", ServingStatus.NOT_SERVING);
    pool(new Settings(), "a:1,b:1");
    awaitHealthy("a:1", false);

    for (int i = 0; i < 6; i++) {
      assertEquals("b:1", answeredBy(call()));
    }
    assertEquals(0, a.calls.get());
  }

  @Test
  void call_whenNoEndpointIsHealthy_stillCallsThem() throws Exception {
    a.health.setStatus("", ServingStatus.NOT_SERVING);
    b.health.setStatus("", ServingStatus.NOT_SERVING);
    pool(new Settings(), "a:1,b:1");
    awaitHealthy("a:1", false);
    awaitHealthy("b:1", false);

    for (int i = 0; i < 4; i++) {
      answeredBy(call());
    }

    assertEquals(4, a.calls.get() + b.calls.get());
  }

  @Test
  void call_endpointBackToServing_getsCallsAgain() throws Exception {
    a.health.setStatus("", ServingStatus.NOT_SERVING);
    pool(new Settings(), "a:1,b:1");
    awaitHealthy("a:1", false);

    a.health.setStatus("", ServingStatus.SERVING);
    awaitHealthy("a:1", true);

    assertEquals(List.of("a:1", "b:1"), List.of(answeredBy(call()), answeredBy(call())));
  }

  @Test
  void call_skipsAnEndpointWhoseServerDied() throws Exception {
    pool(new Settings(), "a:1,b:1");

    a.server.shutdownNow();
    awaitHealthy("a:1", false);

    for (int i = 0; i < 4; i++) {
      assertEquals("b:1", answeredBy(call()));
    }
  }

  @Test
  void call_endpointWhoseServerCameBack_getsCallsAgain() throws Exception {
    pool(new Settings(), "a:1,b:1");
    a.server.shutdownNow();
    a.server.awaitTermination(10, TimeUnit.SECONDS);
    awaitHealthy("a:1", false);

    a.server = server(a); // same in-process name: the replica restarted
    awaitHealthy("a:1", true);

    List<String> answers = List.of(answeredBy(call()), answeredBy(call()));
    assertTrue(answers.contains("a:1"), answers::toString);
  }

  @Test
  void roundRobin_sendsEachCallToTheNextEndpointInTurn() throws Exception {
    pool(new Settings(), "a:1,b:1");

    List<String> answers = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      answers.add(answeredBy(call()));
    }

    assertEquals(5, a.calls.get());
    assertEquals(5, b.calls.get());
    for (int i = 1; i < answers.size(); i++) {
      assertTrue(!answers.get(i).equals(answers.get(i - 1)), answers::toString);
    }
  }

  @Test
  void leastRequest_sendsToTheEndpointWithFewerCallsInFlight() {
    a.hold = true;
    b.hold = true;
    Settings settings = new Settings();
    settings.loadBalancing = ResilienceSettings.LoadBalancing.LEAST_REQUEST;
    pool(settings, "a:1,b:1");

    call();
    Eventually.await("the first call arrived", () -> a.held.size() + b.held.size() == 1);
    call();

    Eventually.await("one call each", () -> a.held.size() == 1 && b.held.size() == 1);
  }

  @Test
  void addresses_areTheTargetsEndpointsInOrder() {
    pool(new Settings(), "a:1,b:1");

    assertEquals(List.of("a:1", "b:1"), pool.addresses());
  }

  @Test
  void dnsTarget_opensAnEndpointForEachResolvedAddress() throws Exception {
    Replica local = replica("127.0.0.1:7000");
    pool(new Settings(), "dns:///127.0.0.1:7000");

    assertEquals(List.of("127.0.0.1:7000"), pool.addresses());
    assertEquals("127.0.0.1:7000", answeredBy(call()));
    assertEquals(1, local.calls.get());
  }

  // --- metrics

  @Test
  void meters_circuitStateAndHealthGaugesExistPerEndpoint() {
    pool(new Settings(), "a:1,b:1");

    for (String endpoint : List.of("a:1", "b:1")) {
      assertEquals(0.0, gauge("mmserve.backend.circuit.state", endpoint), endpoint);
      assertEquals(1.0, gauge("mmserve.backend.endpoint.healthy", endpoint), endpoint);
    }
  }

  // --- helpers

  private Replica replica(String address) throws IOException {
    Replica replica = new Replica(address);
    replica.server = server(replica);
    replicas.put(address, replica);
    return replica;
  }

  private static Server server(Replica replica) throws IOException {
    return InProcessServerBuilder.forName(replica.serverName)
        .directExecutor()
        .addService(replica)
        .addService(replica.health.getHealthService())
        .build()
        .start();
  }

  private void pool(Settings settings, String target) {
    pool =
        new BackendPool(
            BACKEND,
            target,
            settings.build(),
            address ->
                InProcessChannelBuilder.forName(replicas.get(address).serverName)
                    .directExecutor()
                    .build(),
            scheduler,
            registry);
    pool.start();
  }

  /** One endpoint's breaker opens after 4 calls of which half failed; no retries. */
  private static Settings breakerSettings(Duration openDuration) {
    Settings settings = new Settings();
    settings.maxAttempts = 1;
    settings.windowSize = 4;
    settings.minimumCalls = 4;
    settings.openDuration = openDuration;
    return settings;
  }

  private ListenableFuture<EncodeTextResponse> call() {
    return pool.call(Deadline.after(10, TimeUnit.SECONDS), ENCODE);
  }

  private void failCalls(int n) {
    for (int i = 0; i < n; i++) {
      failure(call());
    }
  }

  private boolean callSucceeds() {
    try {
      call().get(10, TimeUnit.SECONDS);
      return true;
    } catch (ExecutionException e) {
      StatusRuntimeException refused = assertInstanceOf(StatusRuntimeException.class, e.getCause());
      assertTrue(refused.getStatus().getDescription().contains("circuit open"), refused::toString);
      return false;
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static String answeredBy(ListenableFuture<EncodeTextResponse> answer) throws Exception {
    return answer.get(10, TimeUnit.SECONDS).getModel();
  }

  private static StatusRuntimeException failure(ListenableFuture<?> answer) {
    ExecutionException e =
        assertThrows(ExecutionException.class, () -> answer.get(10, TimeUnit.SECONDS));
    return assertInstanceOf(StatusRuntimeException.class, e.getCause());
  }

  private static Metadata pushback(String millis) {
    Metadata trailers = new Metadata();
    trailers.put(PUSHBACK, millis);
    return trailers;
  }

  private void awaitHealthy(String endpoint, boolean healthy) {
    Eventually.await(
        endpoint + (healthy ? " healthy" : " unhealthy"),
        () -> gauge("mmserve.backend.endpoint.healthy", endpoint) == (healthy ? 1.0 : 0.0));
  }

  private double gauge(String name, String endpoint) {
    Gauge gauge = registry.find(name).tags("backend", BACKEND, "endpoint", endpoint).gauge();
    assertNotNull(gauge, () -> name + " of " + endpoint);
    return gauge.value();
  }

  private double retries(String outcome) {
    Counter counter =
        registry
            .find("mmserve.backend.retries")
            .tags("backend", BACKEND, "outcome", outcome)
            .counter();
    return counter == null ? 0 : counter.count();
  }

  private double rejected(String reason) {
    Counter counter =
        registry
            .find("mmserve.backend.rejected")
            .tags("backend", BACKEND, "reason", reason)
            .counter();
    return counter == null ? 0 : counter.count();
  }

  /** A real scheduler that remembers the delay of every one-shot task, in nanoseconds. */
  private static final class RecordingScheduler extends ScheduledThreadPoolExecutor {
    final List<Long> delays = new CopyOnWriteArrayList<>();

    RecordingScheduler() {
      super(1);
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable task, long delay, TimeUnit unit) {
      delays.add(unit.toNanos(delay));
      return super.schedule(task, delay, unit);
    }
  }

  /** Test settings: round robin, quick back-off, a generous budget, a breaker that stays shut. */
  private static final class Settings {
    ResilienceSettings.LoadBalancing loadBalancing = ResilienceSettings.LoadBalancing.ROUND_ROBIN;
    int maxAttempts = 3;
    double budgetRatio = 1.0;
    int budgetBurst = 100;
    int bulkhead = 64;
    int windowSize = 100;
    int minimumCalls = 100;
    Duration openDuration = Duration.ofHours(1);

    ResilienceSettings build() {
      return new ResilienceSettings(
          loadBalancing,
          Duration.ofSeconds(1),
          new ResilienceSettings.BreakerSettings(
              50, 100, Duration.ofHours(1), windowSize, minimumCalls, openDuration, 1),
          bulkhead,
          new ResilienceSettings.RetrySettings(
              maxAttempts,
              Duration.ofMillis(1),
              Duration.ofMillis(5),
              2.0,
              budgetRatio,
              budgetBurst),
          Duration.ofMillis(100));
    }
  }

  /**
   * One replica: a text encoder that answers with its address as the model name, fails with {@link
   * #failWith} when set, or holds calls unanswered while {@link #hold} is set.
   */
  private static final class Replica extends TextEncoderGrpc.TextEncoderImplBase {
    final String address;
    final String serverName = InProcessServerBuilder.generateName();
    final HealthStatusManager health = new HealthStatusManager();
    final AtomicInteger calls = new AtomicInteger();
    final List<ServerCallStreamObserver<EncodeTextResponse>> held = new CopyOnWriteArrayList<>();
    volatile Status failWith;
    volatile Metadata failTrailers;
    volatile boolean hold;
    volatile Server server;

    Replica(String address) {
      this.address = address;
    }

    @Override
    public void encodeText(EncodeTextRequest request, StreamObserver<EncodeTextResponse> out) {
      calls.incrementAndGet();
      if (hold) {
        held.add((ServerCallStreamObserver<EncodeTextResponse>) out);
        return;
      }
      if (failWith != null) {
        out.onError(failWith.asRuntimeException(failTrailers));
        return;
      }
      answer(out);
    }

    void releaseHeld() {
      held.forEach(this::answer);
    }

    void failHeld(Status status) {
      held.forEach(out -> out.onError(status.asRuntimeException()));
    }

    private void answer(StreamObserver<EncodeTextResponse> out) {
      out.onNext(EncodeTextResponse.newBuilder().setModel(address).build());
      out.onCompleted();
    }
  }
}
