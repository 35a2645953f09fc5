package io.mmserve.gateway;

import io.grpc.ManagedChannelBuilder;
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
import io.opentelemetry.api.trace.Tracer;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.function.UnaryOperator;

/**
 * The gateway's text batcher (2 items a batch, a 10 s delay, so a batch leaves when full) in front
 * of a real {@link BackendPool} and an in-process {@link FakeTextEncoder}. {@link #close} opens the
 * encoder's gate if a test set one, then stops the batcher, the pool, the server and the timers.
 */
final class TextBatchingFixture implements AutoCloseable {
  final FakeTextEncoder encoder = new FakeTextEncoder();
  final EncoderBatching<EncodeTextRequest, EncodeTextResponse, String> batching;
  private final ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
  private final Server server;
  private final BackendPool pool;

  /**
   * @param channels what the pool's channels get on top of the in-process builder (e.g. tracing)
   * @param tracer makes the batcher's queue and batch spans
   */
  TextBatchingFixture(UnaryOperator<ManagedChannelBuilder<?>> channels, Tracer tracer)
      throws IOException {
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name).addService(encoder).build().start();
    pool =
        new BackendPool(
            Backends.TEXT_ENCODER,
            "text:1",
            resilience(),
            (target, refresh) -> channels.apply(InProcessChannelBuilder.forName(name)),
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
            BatchMetrics.TEXT,
            tracer);
  }

  @Override
  public void close() throws InterruptedException {
    if (encoder.gate != null) {
      encoder.gate.countDown();
    }
    batching.close();
    pool.close();
    server.shutdownNow();
    scheduler.shutdownNow();
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
