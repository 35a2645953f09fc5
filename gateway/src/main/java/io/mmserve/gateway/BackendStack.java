package io.mmserve.gateway;

import io.micrometer.core.instrument.MeterRegistry;
import io.mmserve.api.v1.Image;
import io.mmserve.encoder.v1.EncodeImageRequest;
import io.mmserve.encoder.v1.EncodeImageResponse;
import io.mmserve.encoder.v1.EncodeTextRequest;
import io.mmserve.encoder.v1.EncodeTextResponse;
import io.mmserve.gateway.resilience.BackendPool;
import io.mmserve.gateway.resilience.BreakerScopes;
import io.mmserve.inference.batch.BatchMetrics;
import io.mmserve.inference.batch.BatchingSettings;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerProvider;
import java.time.Clock;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Everything between the public API and the backends (the encoders, fusion-svc and gallery-svc),
 * wired from the config: a {@link BackendPool} (one gRPC channel) per backend, the encoder
 * batchers, their timer thread, and the {@link Backends} the API uses. Close it after the gRPC
 * server has stopped.
 */
final class BackendStack implements AutoCloseable {
  final Backends backends;
  private final ScheduledThreadPoolExecutor scheduler;
  private final BackendPool text;
  private final BackendPool vision;
  private final BackendPool fusion;
  private final BackendPool gallery;
  private final EncoderBatching<EncodeTextRequest, EncodeTextResponse, String> textBatching;
  private final EncoderBatching<EncodeImageRequest, EncodeImageResponse, Image> imageBatching;

  /**
   * Opens the pools (they connect to their replicas at once) and the batchers.
   *
   * @param channels makes the channel builder of a backend's target
   */
  BackendStack(GatewayConfig config, BackendPool.ChannelFactory channels, MeterRegistry registry) {
    this(config, channels, registry, TracerProvider.noop().get(""), BreakerScopes.NONE);
  }

  /**
   * As the other constructor, with the batchers' queue and batch spans made by {@code tracer}
   * (tracing the calls themselves is the channels' part), and the encoders' and fusion-svc's
   * circuit breakers per routed model version as {@code versions} says (gallery-svc's calls name no
   * version and share one breaker per endpoint).
   */
  BackendStack(
      GatewayConfig config,
      BackendPool.ChannelFactory channels,
      MeterRegistry registry,
      Tracer tracer,
      BreakerScopes versions) {
    scheduler = new ScheduledThreadPoolExecutor(2, daemon());
    scheduler.setRemoveOnCancelPolicy(true);
    text =
        pool(
            Backends.TEXT_ENCODER,
            config.textEncoderTarget(),
            config,
            channels,
            registry,
            versions);
    text.start();
    vision =
        pool(
            Backends.VISION_ENCODER,
            config.visionEncoderTarget(),
            config,
            channels,
            registry,
            versions);
    vision.start();
    fusion = pool(Backends.FUSION, config.fusionTarget(), config, channels, registry, versions);
    fusion.start();
    gallery =
        pool(
            Backends.GALLERY,
            config.galleryTarget(),
            config,
            channels,
            registry,
            BreakerScopes.NONE);
    gallery.start();
    textBatching =
        new EncoderBatching<>(
            Backends.TEXT_ENCODER,
            text,
            new EncoderAdapters.Text(),
            capped(config.textBatching(), config.limits().maxTexts()),
            config.textResilience().retryPushback(),
            scheduler,
            registry,
            BatchMetrics.TEXT,
            tracer);
    imageBatching =
        new EncoderBatching<>(
            Backends.VISION_ENCODER,
            vision,
            new EncoderAdapters.Vision(),
            capped(config.imageBatching(), config.limits().maxImages()),
            config.visionResilience().retryPushback(),
            scheduler,
            registry,
            BatchMetrics.IMAGE,
            tracer);
    backends = new Backends(textBatching, imageBatching, fusion, gallery, config.defaultDeadline());
  }

  private BackendPool pool(
      String name,
      String target,
      GatewayConfig config,
      BackendPool.ChannelFactory channels,
      MeterRegistry registry,
      BreakerScopes scopes) {
    var settings =
        switch (name) {
          case Backends.TEXT_ENCODER -> config.textResilience();
          case Backends.VISION_ENCODER -> config.visionResilience();
          case Backends.GALLERY -> config.galleryResilience();
          default -> config.fusionResilience();
        };
    return new BackendPool(
        name, target, settings, channels, scheduler, registry, Clock.systemUTC(), scopes);
  }

  /**
   * A batch never holds more items than one encoder call accepts, which is also the most a caller
   * may send ({@code limits.max-texts}, {@code limits.max-images}).
   */
  private static BatchingSettings capped(BatchingSettings settings, int maxPerCall) {
    return settings.maxBatchSize() <= maxPerCall ? settings : settings.withMaxBatchSize(maxPerCall);
  }

  /** The vision encoder's pool (the probe sets of rollouts are fetched through it). */
  BackendPool vision() {
    return vision;
  }

  ScheduledExecutorService scheduler() {
    return scheduler;
  }

  /** Sends what is queued, then closes the channels and the timer thread. */
  @Override
  public void close() throws InterruptedException {
    textBatching.close();
    imageBatching.close();
    text.close();
    vision.close();
    fusion.close();
    gallery.close();
    scheduler.shutdownNow();
    scheduler.awaitTermination(5, TimeUnit.SECONDS);
  }

  private static java.util.concurrent.ThreadFactory daemon() {
    return r -> {
      Thread t = new Thread(r, "mmserve-gateway-timers");
      t.setDaemon(true);
      return t;
    };
  }
}
