package io.mmserve.gateway.resilience;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.Deadline;
import io.grpc.Metadata;
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
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A {@link BackendPool} over two loopback replicas, a and b (scripted text encoders with a gRPC
 * health service; each answer names the replica that gave it), its meters, and the {@link
 * MutableClock} of its breakers.
 */
final class PoolFixture implements AutoCloseable {
  static final String BACKEND = "text-encoder-svc";
  static final Metadata.Key<String> PUSHBACK =
      Metadata.Key.of(StatusMapper.RETRY_PUSHBACK_KEY, Metadata.ASCII_STRING_MARSHALLER);
  private static final BackendPool.Attempt<EncodeTextResponse> ENCODE =
      (channel, deadline) ->
          TextEncoderGrpc.newFutureStub(channel)
              .withDeadline(deadline)
              .encodeText(EncodeTextRequest.newBuilder().addTexts("x").build());

  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final MutableClock clock = new MutableClock();
  private final ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
  final Replica a;
  final Replica b;
  BackendPool pool;

  /** The breaker scopes of the pool opened next. */
  BreakerScopes scopes = BreakerScopes.NONE;

  PoolFixture() throws IOException {
    a = new Replica();
    b = new Replica();
  }

  /**
   * Opens the pool over a and b and waits until both have answered a call (so both are connected
   * and healthy); the replicas' call counts start from 0 after that.
   */
  void open(Settings settings) throws Exception {
    openWithoutWarmUp(settings);
    long end = System.nanoTime() + Eventually.BOUND.toNanos();
    while (a.calls.get() == 0 || b.calls.get() == 0) {
      assertTrue(System.nanoTime() - end < 0, "a and b did not both answer");
      answeredBy(call());
    }
    a.calls.set(0);
    b.calls.set(0);
  }

  void openWithoutWarmUp(Settings settings) {
    openOver(a.address + "," + b.address, settings);
  }

  void openOver(String target, Settings settings) {
    openOver(target, settings, BackendPool.ChannelFactory.plaintext(1 << 20));
  }

  /** Opens the pool over a target that {@code channels}' resolvers resolve. */
  void openOver(String target, Settings settings, BackendPool.ChannelFactory channels) {
    pool =
        new BackendPool(
            BACKEND, target, settings.build(), channels, scheduler, registry, clock, scopes);
    pool.start();
  }

  ListenableFuture<EncodeTextResponse> call() {
    return pool.call(Deadline.after(10, TimeUnit.SECONDS), ENCODE);
  }

  /** A call whose request names {@code model}, judged by that model's breakers. */
  ListenableFuture<EncodeTextResponse> call(String model) {
    return pool.call(
        model,
        Deadline.after(10, TimeUnit.SECONDS),
        (channel, deadline) ->
            TextEncoderGrpc.newFutureStub(channel)
                .withDeadline(deadline)
                .encodeText(EncodeTextRequest.newBuilder().setModel(model).addTexts("x").build()));
  }

  static String answeredBy(ListenableFuture<EncodeTextResponse> answer) throws Exception {
    return answer.get(10, TimeUnit.SECONDS).getModel();
  }

  static StatusRuntimeException failure(ListenableFuture<?> answer) {
    ExecutionException e =
        assertThrows(ExecutionException.class, () -> answer.get(10, TimeUnit.SECONDS));
    return assertInstanceOf(StatusRuntimeException.class, e.getCause());
  }

  /** A loopback {@code host:port} nobody listens on. */
  static String closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return "127.0.0.1:" + socket.getLocalPort();
    }
  }

  double gauge(String name, String endpoint) {
    Gauge gauge = registry.find(name).tags("backend", BACKEND, "endpoint", endpoint).gauge();
    assertNotNull(gauge, () -> name + " of " + endpoint);
    return gauge.value();
  }

  /** A backend counter's count, 0 if it was never incremented. */
  double count(String name, String tag, String value) {
    Counter counter = registry.find(name).tags("backend", BACKEND, tag, value).counter();
    return counter == null ? 0 : counter.count();
  }

  @Override
  public void close() throws InterruptedException {
    a.close();
    b.close();
    if (pool != null) {
      pool.close();
    }
    scheduler.shutdownNow();
  }

  /** Test settings: round robin, quick back-off, generous throttling, a breaker that stays shut. */
  static final class Settings {
    ResilienceSettings.LoadBalancing loadBalancing = ResilienceSettings.LoadBalancing.ROUND_ROBIN;
    int maxAttempts = 3;
    int bulkhead = 64;
    int windowSize = 100;
    int minimumCalls = 100;
    int throttleTokens = 1000;
    double throttleRatio = 1;

    /** A circuit opens after 2 calls that both failed, and half-opens after 1 s; no retries. */
    static Settings breaking() {
      Settings settings = new Settings();
      settings.maxAttempts = 1;
      settings.windowSize = 2;
      settings.minimumCalls = 2;
      return settings;
    }

    ResilienceSettings build() {
      return new ResilienceSettings(
          loadBalancing,
          Duration.ofSeconds(1),
          new ResilienceSettings.BreakerSettings(
              50, 100, Duration.ofHours(1), windowSize, minimumCalls, Duration.ofSeconds(1), 1),
          bulkhead,
          new ResilienceSettings.RetrySettings(
              maxAttempts,
              Duration.ofMillis(1),
              Duration.ofMillis(5),
              2.0,
              throttleTokens,
              throttleRatio),
          Duration.ofMillis(100));
    }
  }
}
