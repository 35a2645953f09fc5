package io.mmserve.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.mmserve.encoder.v1.EncodeTextRequest;
import io.mmserve.encoder.v1.EncodeTextResponse;
import io.mmserve.gateway.resilience.BackendPool;
import io.mmserve.gateway.resilience.ResilienceSettings;
import io.mmserve.inference.batch.BatchMetrics;
import io.mmserve.inference.batch.BatchingSettings;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The gateway's batcher in front of a real {@link BackendPool} and an in-process text encoder whose
 * calls run on their own threads (so a held call does not hold the caller's thread).
 */
class EncoderBatchingTest {
  private final FakeTextEncoder encoder = new FakeTextEncoder();
  private final ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
  private Server server;
  private BackendPool pool;
  private EncoderBatching<EncodeTextRequest, EncodeTextResponse, String> batching;

  @BeforeEach
  void start() throws IOException {
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name).addService(encoder).build().start();
    pool =
        new BackendPool(
            Backends.TEXT_ENCODER,
            "text:1",
            resilience(),
            (target, refresh) -> InProcessChannelBuilder.forName(name),
            scheduler,
            new SimpleMeterRegistry(),
            Clock.systemUTC());
    pool.start();
    batching =
        new EncoderBatching<>(
            Backends.TEXT_ENCODER,
            pool,
            new EncoderAdapters.Text(),
            BatchingSettings.ofItems(2, Duration.ofSeconds(10), 100, 1),
            Duration.ofMillis(100),
            scheduler,
            new SimpleMeterRegistry(),
            BatchMetrics.TEXT);
  }

  @AfterEach
  void stop() throws InterruptedException {
    if (encoder.gate != null) {
      encoder.gate.countDown();
    }
    batching.close();
    pool.close();
    server.shutdownNow();
    scheduler.shutdownNow();
  }

  @Test
  void encode_theCallerWhoseItemFilledTheBatchCancelling_doesNotCancelTheOthersInIt()
      throws Exception {
    encoder.gate = new CountDownLatch(1);
    ListenableFuture<EncodeTextResponse> waiting = encode("waiting", () -> false);
    Context.CancellableContext fillerCall = Context.current().withCancellation();
    // the batch is full with the filler's text, so it leaves on the filler's thread and context
    fillerCall.run(() -> encode("filler", fillerCall::isCancelled));
    Eventually.await("the shared batch reached the encoder", () -> encoder.requests.size() == 1);

    fillerCall.cancel(null);
    encoder.gate.countDown();

    assertEquals(1, waiting.get(10, TimeUnit.SECONDS).getEmbeddings().getShape(0));
    assertEquals(List.of("waiting", "filler"), encoder.encodedTexts());
  }

  private ListenableFuture<EncodeTextResponse> encode(
      String text, java.util.function.BooleanSupplier cancelled) {
    return batching.encode(
        EncodeTextRequest.newBuilder().addTexts(text).build(),
        Deadline.after(10, TimeUnit.SECONDS),
        cancelled);
  }

  private static ResilienceSettings resilience() {
    return new ResilienceSettings(
        ResilienceSettings.LoadBalancing.ROUND_ROBIN,
        Duration.ofSeconds(1),
        new ResilienceSettings.BreakerSettings(
            50, 100, Duration.ofHours(1), 100, 100, Duration.ofHours(1), 1),
        64,
        new ResilienceSettings.RetrySettings(
            1, Duration.ofMillis(1), Duration.ofMillis(5), 2.0, 100, 1.0),
        Duration.ofMillis(100));
  }
}
