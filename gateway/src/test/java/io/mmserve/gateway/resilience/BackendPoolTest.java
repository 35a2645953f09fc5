package io.mmserve.gateway.resilience;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.mmserve.encoder.v1.EncodeTextRequest;
import io.mmserve.encoder.v1.EncodeTextResponse;
import io.mmserve.encoder.v1.TextEncoderGrpc;
import io.mmserve.gateway.Eventually;
import io.mmserve.kit.errors.StatusMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A pool over two loopback replicas, a and b: scripted text encoders with a gRPC health service.
 * Each answer names the replica that gave it. The breakers' time is a {@link MutableClock}.
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

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final MutableClock clock = new MutableClock();
  private Replica a;
  private Replica b;
  private BackendPool pool;

  @BeforeEach
  void start() throws IOException {
    a = new Replica();
    b = new Replica();
  }

  @AfterEach
  void stop() throws InterruptedException {
    a.close();
    b.close();
    if (pool != null) {
      pool.close();
    }
  }

  // --- balancing and health

  @Test
  void roundRobin_sendsCallsToEachReplicaInTurn() throws Exception {
    pool(new Settings());

    for (int i = 0; i < 4; i++) {
      answeredBy(call());
    }

    assertEquals(2, a.calls.get());
    assertEquals(2, b.calls.get());
  }

  @Test
  void leastRequest_sendsCallsToTheReplicaWithFewerCallsInFlight() throws Exception {
    Settings settings = new Settings();
    settings.loadBalancing = ResilienceSettings.LoadBalancing.LEAST_REQUEST;
    pool(settings);
    a.hold = true;

    for (int i = 0; i < 10; i++) {
      int held = a.held.size();
      ListenableFuture<EncodeTextResponse> answer = call();
      Eventually.await(
          "call " + i + " answered or held", () -> answer.isDone() || a.held.size() > held);
    }

    assertEquals(1, a.calls.get(), "a holds one call, so every other call goes to b");
    assertEquals(9, b.calls.get());
    a.releaseHeld();
  }

  @Test
  void health_aReplicaReportingNotServingGetsNoCallsUntilItServesAgain() throws Exception {
    a.serving(false);
    poolWithoutWarmUp(new Settings());

    for (int i = 0; i < 4; i++) {
      assertEquals(b.address, answeredBy(call()));
    }
    assertEquals(0, a.calls.get());

    a.serving(true);
    Eventually.await("a serves again", () -> answeredByQuietly(call()).equals(a.address));
  }

  @Test
  void meters_nameEachEndpointAsTheTargetWroteIt() throws Exception {
    pool(new Settings());
    answeredBy(call());

    for (Replica r : new Replica[] {a, b}) {
      assertEquals(0.0, gauge("mmserve.backend.circuit.state", r.address), r.address);
      Eventually.await(
          r.address + " connected",
          () -> gauge("mmserve.backend.endpoint.connected", r.address) == 1.0);
    }
  }

  // --- retries

  @Test
  void retry_ofUnavailableGoesToTheOtherReplica() throws Exception {
    pool(new Settings());
    a.failWith = Status.UNAVAILABLE.withDescription("a is stopping");

    for (int i = 0; i < 4; i++) {
      assertEquals(b.address, answeredBy(call()));
    }

    assertTrue(a.calls.get() > 0, "round robin tries a first for some calls");
    assertEquals(a.calls.get(), retries(), "every call a failed was retried");
  }

  @Test
  void retry_stopsAfterMaxAttempts() throws Exception {
    Settings settings = new Settings();
    settings.maxAttempts = 3;
    pool(settings);
    a.failWith = Status.UNAVAILABLE;
    b.failWith = Status.UNAVAILABLE;

    assertEquals(Status.Code.UNAVAILABLE, failure(call()).getStatus().getCode());

    assertEquals(3, a.calls.get() + b.calls.get());
  }

  @Test
  void retry_neverOfACallerError() throws Exception {
    pool(new Settings());
    a.failWith = Status.INVALID_ARGUMENT.withDescription("texts[0] is empty");
    b.failWith = a.failWith;

    StatusRuntimeException e = failure(call());

    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertEquals("texts[0] is empty", e.getStatus().getDescription());
    assertEquals(1, a.calls.get() + b.calls.get());
  }

  @Test
  void retry_notWhenTheBackendSaysNotTo() throws Exception {
    pool(new Settings());
    Metadata noRetry = new Metadata();
    noRetry.put(PUSHBACK, "-1");
    for (Replica r : new Replica[] {a, b}) {
      r.failWith = Status.UNAVAILABLE.withDescription("overloaded");
      r.failTrailers = noRetry;
    }

    assertEquals(Status.Code.UNAVAILABLE, failure(call()).getStatus().getCode());

    assertEquals(1, a.calls.get() + b.calls.get());
  }

  // --- circuit breakers

  @Test
  void circuit_opensAfterFailures_thenCallsFailAtOnceNamingTheOpenCircuits() throws Exception {
    pool(breakerSettings());
    a.failWith = Status.UNAVAILABLE;
    b.failWith = Status.UNAVAILABLE;
    for (int i = 0; i < 4; i++) {
      failure(call());
    }
    assertEquals(1.0, gauge("mmserve.backend.circuit.state", a.address));
    assertEquals(1.0, gauge("mmserve.backend.circuit.state", b.address));
    int sent = a.calls.get() + b.calls.get();

    StatusRuntimeException refused = failure(call());

    assertEquals(Status.Code.UNAVAILABLE, refused.getStatus().getCode());
    assertEquals(
        BACKEND
            + " is unavailable: circuit open for every endpoint ("
            + a.address
            + " circuit open, "
            + b.address
            + " circuit open)",
        refused.getStatus().getDescription());
    assertNull(refused.getStatus().getCause());
    assertEquals(sent, a.calls.get() + b.calls.get(), "the refused call was not sent");
    assertTrue(rejected("circuit_open") > 0);
  }

  @Test
  void circuit_letsTrialCallsThroughAfterTheOpenDurationAndClosesOnSuccess() throws Exception {
    pool(breakerSettings());
    a.failWith = Status.UNAVAILABLE;
    b.failWith = Status.UNAVAILABLE;
    for (int i = 0; i < 4; i++) {
      failure(call());
    }
    a.failWith = null;
    b.failWith = null;
    failure(call()); // still open: the clock has not moved

    clock.advance(Duration.ofSeconds(1).plusMillis(1));

    answeredBy(call());
    answeredBy(call());
    assertEquals(0.0, gauge("mmserve.backend.circuit.state", a.address));
    assertEquals(0.0, gauge("mmserve.backend.circuit.state", b.address));
  }

  @Test
  void circuit_opensForReplicasNobodyListensOn() throws Exception {
    String target = closedPort() + "," + closedPort();
    Settings settings = breakerSettings();
    pool =
        new BackendPool(
            BACKEND,
            target,
            settings.build(),
            BackendPool.ChannelFactory.plaintext(1 << 20),
            registry,
            clock);
    pool.start();

    for (int i = 0; i < 2; i++) {
      assertEquals(Status.Code.UNAVAILABLE, failure(call()).getStatus().getCode());
    }

    StatusRuntimeException refused = failure(call());
    assertTrue(
        refused.getStatus().getDescription().contains("circuit open for every endpoint"),
        refused::toString);
  }

  // --- bulkheads

  @Test
  void bulkhead_fullOnEveryReplica_shedsTheCallAtOnceWithARetryHint() throws Exception {
    Settings settings = new Settings();
    settings.bulkhead = 1;
    pool(settings);
    a.hold = true;
    b.hold = true;
    ListenableFuture<EncodeTextResponse> first = call();
    ListenableFuture<EncodeTextResponse> second = call();
    Eventually.await("both replicas hold a call", () -> a.held.size() == 1 && b.held.size() == 1);

    StatusRuntimeException shed = failure(call());

    assertEquals(Status.Code.UNAVAILABLE, shed.getStatus().getCode());
    assertTrue(
        shed.getStatus().getDescription().startsWith(BACKEND + " is overloaded: "), shed::toString);
    assertTrue(
        shed.getStatus()
            .getDescription()
            .contains(a.address + " at its limit of 1 concurrent calls"),
        shed::toString);
    assertEquals("100", shed.getTrailers().get(PUSHBACK));
    assertEquals(1.0, rejected("bulkhead_full"));
    a.hold = false;
    b.hold = false;
    a.releaseHeld();
    b.releaseHeld();
    answeredBy(first);
    answeredBy(second);
    answeredBy(call());
  }

  @Test
  void close_removesTheEndpointMeters() throws Exception {
    pool(new Settings());
    answeredBy(call());

    pool.close();
    pool = null;

    assertNull(registry.find("mmserve.backend.circuit.state").gauge());
  }

  // --- helpers

  /**
   * A pool over a and b, once both have answered a call (so both are connected and healthy); the
   * replicas' call counts start from 0 after that.
   */
  private void pool(Settings settings) throws Exception {
    poolWithoutWarmUp(settings);
    long end = System.nanoTime() + Eventually.BOUND.toNanos();
    while (a.calls.get() == 0 || b.calls.get() == 0) {
      assertTrue(System.nanoTime() - end < 0, "a and b did not both answer");
      answeredBy(call());
    }
    a.calls.set(0);
    b.calls.set(0);
  }

  private void poolWithoutWarmUp(Settings settings) {
    pool =
        new BackendPool(
            BACKEND,
            a.address + "," + b.address,
            settings.build(),
            BackendPool.ChannelFactory.plaintext(1 << 20),
            registry,
            clock);
    pool.start();
  }

  /** A circuit opens after 2 calls that both failed, and half-opens after 1 s; no retries. */
  private static Settings breakerSettings() {
    Settings settings = new Settings();
    settings.maxAttempts = 1;
    settings.windowSize = 2;
    settings.minimumCalls = 2;
    return settings;
  }

  private ListenableFuture<EncodeTextResponse> call() {
    return pool.call(Deadline.after(10, TimeUnit.SECONDS), ENCODE);
  }

  private static String answeredBy(ListenableFuture<EncodeTextResponse> answer) throws Exception {
    return answer.get(10, TimeUnit.SECONDS).getModel();
  }

  private static String answeredByQuietly(ListenableFuture<EncodeTextResponse> answer) {
    try {
      return answeredBy(answer);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static StatusRuntimeException failure(ListenableFuture<?> answer) {
    ExecutionException e =
        assertThrows(ExecutionException.class, () -> answer.get(10, TimeUnit.SECONDS));
    return assertInstanceOf(StatusRuntimeException.class, e.getCause());
  }

  private static String closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return "127.0.0.1:" + socket.getLocalPort();
    }
  }

  private double gauge(String name, String endpoint) {
    Gauge gauge = registry.find(name).tags("backend", BACKEND, "endpoint", endpoint).gauge();
    assertNotNull(gauge, () -> name + " of " + endpoint);
    return gauge.value();
  }

  private double retries() {
    Counter counter =
        registry
            .find("mmserve.backend.retries")
            .tags("backend", BACKEND, "outcome", "retried")
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

  /** Test settings: round robin, quick back-off, generous throttling, a breaker that stays shut. */
  private static final class Settings {
    ResilienceSettings.LoadBalancing loadBalancing = ResilienceSettings.LoadBalancing.ROUND_ROBIN;
    int maxAttempts = 3;
    int bulkhead = 64;
    int windowSize = 100;
    int minimumCalls = 100;

    ResilienceSettings build() {
      return new ResilienceSettings(
          loadBalancing,
          Duration.ofSeconds(1),
          new ResilienceSettings.BreakerSettings(
              50, 100, Duration.ofHours(1), windowSize, minimumCalls, Duration.ofSeconds(1), 1),
          bulkhead,
          new ResilienceSettings.RetrySettings(
              maxAttempts, Duration.ofMillis(1), Duration.ofMillis(5), 2.0, 1000, 1),
          Duration.ofMillis(100));
    }
  }
}
