package io.mmserve.gateway;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.mmserve.api.v1.MultimodalGrpc;
import io.mmserve.gateway.auth.GatewayAuth;
import io.mmserve.gateway.http.HttpGateway;
import io.mmserve.gateway.http.HttpSettings;
import io.mmserve.gateway.probe.GatewayProbes;
import io.mmserve.gateway.routing.ModelRequestMetrics;
import io.mmserve.gateway.routing.RoutingInterceptor;
import io.mmserve.gateway.thumbnail.Thumbnailer;
import io.mmserve.kit.config.Config;
import io.mmserve.kit.server.GrpcServer;
import io.mmserve.kit.server.ServerConfig;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntUnaryOperator;
import java.util.function.LongSupplier;
import java.util.stream.Stream;

/**
 * The gateway in-process, as Main wires it, in front of in-process fake encoders, a fake fusion-svc
 * and a fake gallery-svc; everything on direct executors. Close it after the test.
 */
final class InProcessGateway implements AutoCloseable {
  /** Distinct from any deadline a test sets, so the test can tell which one a backend saw. */
  static final Duration DEFAULT_DEADLINE = Duration.ofMinutes(17);

  final FakeTextEncoder textEncoder = new FakeTextEncoder();
  final FakeVisionEncoder visionEncoder = new FakeVisionEncoder();
  final FakeFusion fusion = new FakeFusion();
  final FakeGallery gallery = new FakeGallery();
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final ManagedChannel gatewayChannel;
  private final Server backends;
  private final ManagedChannel backendChannel;
  private final GrpcServer gateway;
  private final BackendStack stack;
  private final MultimodalService service;
  private final GatewayAuth auth;
  private final RoutingInterceptor routing;

  /** The version router's draws (0..99 for the percent split); tests may set it. */
  volatile int nextDraw;

  private final IntUnaryOperator random = n -> nextDraw % n;
  private HttpGateway http;

  InProcessGateway(RequestLimits limits, int cacheEntries) throws IOException {
    this(limits, cacheEntries, Map.of());
  }

  /**
   * @param overrides gateway settings on top of the defaults (batching, retries, ...)
   */
  InProcessGateway(RequestLimits limits, int cacheEntries, Map<String, String> overrides)
      throws IOException {
    this(limits, cacheEntries, overrides, System::nanoTime);
  }

  /**
   * @param overrides gateway settings on top of the defaults (batching, retries, ...)
   * @param nanoTime the clock the API keys' rate limits refill by
   */
  InProcessGateway(
      RequestLimits limits, int cacheEntries, Map<String, String> overrides, LongSupplier nanoTime)
      throws IOException {
    String backendName = InProcessServerBuilder.generateName();
    backends =
        InProcessServerBuilder.forName(backendName)
            .directExecutor()
            .addService(textEncoder)
            .addService(visionEncoder)
            .addService(fusion)
            .addService(gallery)
            .addService(new HealthStatusManager().getHealthService()) // the channels check health
            .build()
            .start();
    backendChannel = InProcessChannelBuilder.forName(backendName).directExecutor().build();
    String gatewayName = InProcessServerBuilder.generateName();
    ServerConfig config =
        new ServerConfig("127.0.0.1", 0, "127.0.0.1", 0, 1 << 20, Duration.ofSeconds(5));
    GatewayConfig gatewayConfig =
        GatewayConfig.from(
            Config.of(
                withOverrides(
                    Map.of(
                        GatewayConfig.MAX_TEXTS,
                        Integer.toString(limits.maxTexts()),
                        GatewayConfig.MAX_IMAGES,
                        Integer.toString(limits.maxImages()),
                        GatewayConfig.TEXT_ENCODER_TARGET,
                        "text:1",
                        GatewayConfig.VISION_ENCODER_TARGET,
                        "vision:1",
                        GatewayConfig.FUSION_TARGET,
                        "fusion:1",
                        GatewayConfig.DEFAULT_DEADLINE,
                        DEFAULT_DEADLINE.toMillis() + "ms"),
                    overrides)));
    stack =
        new BackendStack(
            gatewayConfig,
            // not directExecutor: calls queued until the channel is ready start on the thread
            // that readies it, and a fake encoder holding one would hold back the others
            (target, refresh) -> InProcessChannelBuilder.forName(backendName),
            registry);
    service =
        new MultimodalService(
            stack.backends,
            new LabelEmbeddingCache(cacheEntries, registry),
            limits,
            new Thumbnailer(gatewayConfig.thumbnails(), registry),
            gatewayConfig.canary().router(random));
    auth = GatewayAuth.start(gatewayConfig.auth(), registry, nanoTime); // as Main: key check
    routing = new RoutingInterceptor(new ModelRequestMetrics(registry), System::nanoTime);
    gateway =
        new GrpcServer(
                InProcessServerBuilder.forName(gatewayName)
                    .directExecutor()
                    .intercept(auth.interceptor())
                    .intercept(routing),
                List.of(service),
                config,
                registry)
            .start();
    gatewayChannel = InProcessChannelBuilder.forName(gatewayName).directExecutor().build();
  }

  private static Map<String, String> withOverrides(
      Map<String, String> base, Map<String, String> overrides) {
    Map<String, String> all = new HashMap<>(GatewayConfig.defaults());
    all.putAll(base);
    all.putAll(overrides);
    return all;
  }

  /**
   * Serves the same service object over HTTP/JSON on a free loopback port, as Main does with {@code
   * http.enabled}; stopped by {@link #close()}.
   *
   * @return the base URI, such as {@code http://127.0.0.1:PORT}
   */
  URI startHttp(int maxMessageBytes) {
    http =
        new HttpGateway(
            new HttpSettings(true, "127.0.0.1", 0),
            service,
            Stream.<io.grpc.ServerInterceptor>concat(
                    Stream.of(auth.interceptor(), routing),
                    GrpcServer.standardInterceptors(registry).stream())
                .toList(),
            maxMessageBytes,
            DEFAULT_DEADLINE,
            Duration.ofSeconds(5));
    http.start();
    return URI.create("http://127.0.0.1:" + http.port());
  }

  /**
   * The rollout probes Main makes with the controller, over this gateway's service and vision pool;
   * the caller closes them.
   */
  GatewayProbes probes(Duration timeout, int imagesPerCall) throws IOException {
    return GatewayProbes.start(
        service,
        GrpcServer.standardInterceptors(registry),
        stack.vision(),
        timeout,
        imagesPerCall,
        1 << 20);
  }

  MultimodalGrpc.MultimodalBlockingStub client() {
    return MultimodalGrpc.newBlockingStub(gatewayChannel);
  }

  @Override
  public void close() {
    gatewayChannel.shutdownNow();
    if (http != null) {
      http.beginStop();
    }
    gateway.stop();
    if (http != null) {
      http.close();
    }
    try {
      stack.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    backendChannel.shutdownNow();
    backends.shutdownNow();
    auth.close();
  }
}
