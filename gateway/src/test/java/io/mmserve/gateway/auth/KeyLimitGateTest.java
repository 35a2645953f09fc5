package io.mmserve.gateway.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.mmserve.api.v1.EmbedTextRequest;
import io.mmserve.api.v1.EmbedTextResponse;
import io.mmserve.api.v1.MultimodalGrpc;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The key limits as the API key check applies them, in front of a service that counts the calls it
 * sees and answers each one only when the test says so; time from a fake clock.
 */
class KeyLimitGateTest {
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private final String noisyKey = ApiKey.newSecret();
  private final String quietKey = ApiKey.newSecret();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final HeldService service = new HeldService();
  private long now = 5_000_000_000L;
  private Server server;
  private ManagedChannel channel;

  /** Answers EmbedText at once, unless told to hold calls; holds them for the test to finish. */
  static final class HeldService extends MultimodalGrpc.MultimodalImplBase {
    final AtomicInteger seen = new AtomicInteger();
    final List<StreamObserver<EmbedTextResponse>> held = new CopyOnWriteArrayList<>();
    volatile boolean hold;
    volatile boolean fail;

    @Override
    public void embedText(EmbedTextRequest request, StreamObserver<EmbedTextResponse> answer) {
      seen.incrementAndGet();
      if (fail) {
        answer.onError(Status.UNAVAILABLE.withDescription("encoder down").asRuntimeException());
      } else if (hold) {
        held.add(answer);
      } else {
        answer.onNext(EmbedTextResponse.getDefaultInstance());
        answer.onCompleted();
      }
    }
  }

  private void start(Map<LimitSetting, Integer> noisyLimits, KeyLimits defaults)
      throws IOException {
    ApiKeys keys =
        new ApiKeys(
            List.of(
                new ApiKey("noisy", ApiKey.hash(noisyKey), Permission.READ, noisyLimits),
                new ApiKey("quiet", ApiKey.hash(quietKey), Permission.READ)));
    KeyLimitGate gate = new KeyLimitGate(defaults, () -> now, Duration.ofMillis(250), registry);
    String name = InProcessServerBuilder.generateName();
    server =
        InProcessServerBuilder.forName(name)
            .directExecutor()
            .addService(service)
            .intercept(new ApiKeyInterceptor(keys, true, gate, registry))
            .build()
            .start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
  }

  @AfterEach
  void stop() {
    for (StreamObserver<EmbedTextResponse> held : service.held) {
      try {
        held.onCompleted();
      } catch (IllegalStateException alreadyClosed) {
        // answered or cancelled in the test
      }
    }
    if (channel != null) {
      channel.shutdownNow();
      server.shutdownNow();
    }
  }

  private MultimodalGrpc.MultimodalBlockingStub as(String key) {
    Metadata headers = new Metadata();
    headers.put(AUTHORIZATION, "Bearer " + key);
    return MultimodalGrpc.newBlockingStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  private static EmbedTextRequest texts(int n) {
    EmbedTextRequest.Builder request = EmbedTextRequest.newBuilder();
    for (int i = 0; i < n; i++) {
      request.addTexts("text " + i);
    }
    return request.build();
  }

  private double limited(String key, String limit) {
    var counter = registry.find(KeyLimitGate.LIMITED).tags("key", key, "limit", limit).counter();
    return counter == null ? 0 : counter.count();
  }

  @Test
  void overItsCallRate_aKeyGetsResourceExhaustedWithPushback_andTheServiceNeverSeesTheCall()
      throws IOException {
    start(Map.of(LimitSetting.RPS, 4, LimitSetting.BURST, 2), KeyLimits.UNLIMITED);
    as(noisyKey).embedText(texts(1));
    as(noisyKey).embedText(texts(1));

    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> as(noisyKey).embedText(texts(1)));

    assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
    assertEquals(
        "API key noisy is over its limit of 4 calls per second (burst 2); retry after 250 ms",
        e.getStatus().getDescription());
    assertEquals("250", e.getTrailers().get(KeyLimitGate.PUSHBACK));
    assertEquals(2, service.seen.get());
    assertEquals(1.0, limited("noisy", "requests"));
    assertEquals(
        1.0,
        registry
            .get(ApiKeyInterceptor.REQUESTS)
            .tags(
                "key",
                "noisy",
                "method",
                "mmserve.v1.Multimodal/EmbedText",
                "status",
                "RESOURCE_EXHAUSTED")
            .counter()
            .count());

    now += TimeUnit.MILLISECONDS.toNanos(250);
    as(noisyKey).embedText(texts(1));
    assertEquals(3, service.seen.get());
  }

  @Test
  void oneKeyOverItsLimit_takesNothingFromAnother() throws IOException {
    start(Map.of(), new KeyLimits(1, 1, 0, 0, 0)); // the default: one call a second each
    as(noisyKey).embedText(texts(1));
    for (int i = 0; i < 5; i++) {
      assertThrows(StatusRuntimeException.class, () -> as(noisyKey).embedText(texts(1)));
    }

    as(quietKey).embedText(texts(1));

    assertEquals(5.0, limited("noisy", "requests"));
    assertEquals(0.0, limited("quiet", "requests"));
  }

  @Test
  void overItsItemRate_aCallIsRefusedBeforeTheService_andItsCallTokenIsGivenBack()
      throws IOException {
    start(Map.of(LimitSetting.ITEMS, 10, LimitSetting.RPS, 2), KeyLimits.UNLIMITED);
    as(noisyKey).embedText(texts(8));

    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> as(noisyKey).embedText(texts(4)));

    assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
    assertEquals(
        "API key noisy is over its limit of 10 items per second (burst 10): EmbedText with 4"
            + " items; retry after 200 ms",
        e.getStatus().getDescription());
    assertEquals("200", e.getTrailers().get(KeyLimitGate.PUSHBACK));
    assertEquals(1, service.seen.get());
    assertEquals(1.0, limited("noisy", "items"));
    as(noisyKey).embedText(texts(2)); // the refused call's call token came back: 2 calls fit
  }

  @Test
  void moreItemsThanTheBurst_isRefusedWithANegativePushback() throws IOException {
    start(Map.of(LimitSetting.ITEMS, 10), KeyLimits.UNLIMITED);

    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> as(noisyKey).embedText(texts(11)));

    assertEquals(
        "EmbedText with 11 items can never fit API key noisy's item burst of 10: send at most 10"
            + " items per call",
        e.getStatus().getDescription());
    assertEquals("-1", e.getTrailers().get(KeyLimitGate.PUSHBACK));
    assertEquals(0, service.seen.get());
  }

  @Test
  void concurrency_refusesACallPastTheLimit_andAFinishedCallFreesItsSlot() throws IOException {
    start(Map.of(LimitSetting.CONCURRENCY, 1), KeyLimits.UNLIMITED);
    service.hold = true;
    ClientCall<EmbedTextRequest, EmbedTextResponse> first = startHeld(noisyKey);
    waitFor(() -> service.held.size() == 1);

    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> as(noisyKey).embedText(texts(1)));
    assertEquals(
        "API key noisy has 1 calls in flight, its concurrency limit; retry after 250 ms",
        e.getStatus().getDescription());
    assertEquals("250", e.getTrailers().get(KeyLimitGate.PUSHBACK));
    ClientCall<EmbedTextRequest, EmbedTextResponse> quiet = startHeld(quietKey);
    waitFor(() -> service.held.size() == 2); // quiet has no concurrency limit

    service.held.get(0).onNext(EmbedTextResponse.getDefaultInstance());
    service.held.get(0).onCompleted();
    service.hold = false;
    as(noisyKey).embedText(texts(1));
    first.cancel("done", null);
    quiet.cancel("done", null);
  }

  @Test
  void aCancelledCall_freesItsSlot() throws IOException {
    start(Map.of(LimitSetting.CONCURRENCY, 1), KeyLimits.UNLIMITED);
    service.hold = true;
    ClientCall<EmbedTextRequest, EmbedTextResponse> first = startHeld(noisyKey);
    waitFor(() -> service.held.size() == 1);
    assertThrows(StatusRuntimeException.class, () -> as(noisyKey).embedText(texts(1)));

    first.cancel("the caller gave up", null);

    service.hold = false;
    waitFor(
        () -> {
          try {
            as(noisyKey).embedText(texts(1));
            return true;
          } catch (StatusRuntimeException e) {
            return false;
          }
        });
  }

  @Test
  void aFailedCall_freesItsSlot() throws IOException {
    start(Map.of(LimitSetting.CONCURRENCY, 1), KeyLimits.UNLIMITED);
    service.fail = true;
    for (int i = 0; i < 3; i++) {
      StatusRuntimeException e =
          assertThrows(StatusRuntimeException.class, () -> as(noisyKey).embedText(texts(1)));
      assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), "call " + i);
    }
    assertEquals(0.0, limited("noisy", "concurrency"));
  }

  private ClientCall<EmbedTextRequest, EmbedTextResponse> startHeld(String key) {
    Metadata headers = new Metadata();
    headers.put(AUTHORIZATION, "Bearer " + key);
    ClientCall<EmbedTextRequest, EmbedTextResponse> call =
        channel.newCall(MultimodalGrpc.getEmbedTextMethod(), io.grpc.CallOptions.DEFAULT);
    call.start(new ClientCall.Listener<>() {}, headers);
    call.sendMessage(texts(1));
    call.halfClose();
    call.request(1);
    return call;
  }

  /** Polls {@code condition} until it holds, failing after 10 s. */
  private static void waitFor(BooleanSupplier condition) {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < end, "condition not met in 10 s");
      Thread.onSpinWait();
    }
  }
}
