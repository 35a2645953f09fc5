package io.mmserve.gateway;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.mmserve.api.v1.MultimodalGrpc;
import io.mmserve.kit.server.GrpcServer;
import io.mmserve.kit.server.ServerConfig;
import java.io.IOException;
import java.time.Duration;
import java.util.List;

/**
 * The gateway in-process, as Main wires it, in front of in-process fake encoders and a fake
 * fusion-svc; everything on direct executors. Close it after the test.
 */
final class InProcessGateway implements AutoCloseable {
  /** Distinct from any deadline a test sets, so the test can tell which one a backend saw. */
  static final Duration DEFAULT_DEADLINE = Duration.ofMinutes(17);

  final FakeTextEncoder textEncoder = new FakeTextEncoder();
  final FakeVisionEncoder visionEncoder = new FakeVisionEncoder();
  final FakeFusion fusion = new FakeFusion();
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final ManagedChannel gatewayChannel;
  private final Server backends;
  private final ManagedChannel backendChannel;
  private final GrpcServer gateway;

  InProcessGateway(RequestLimits limits, int cacheEntries) throws IOException {
    String backendName = InProcessServerBuilder.generateName();
    backends =
        InProcessServerBuilder.forName(backendName)
            .directExecutor()
            .addService(textEncoder)
            .addService(visionEncoder)
            .addService(fusion)
            .build()
            .start();
    backendChannel = InProcessChannelBuilder.forName(backendName).directExecutor().build();
    String gatewayName = InProcessServerBuilder.generateName();
    ServerConfig config =
        new ServerConfig("127.0.0.1", 0, "127.0.0.1", 0, 1 << 20, Duration.ofSeconds(5));
    MultimodalService service =
        new MultimodalService(
            new Backends(backendChannel, backendChannel, backendChannel, DEFAULT_DEADLINE),
            new LabelEmbeddingCache(cacheEntries, registry),
            limits);
    gateway =
        new GrpcServer(
                InProcessServerBuilder.forName(gatewayName).directExecutor(),
                List.of(service),
                config,
                registry)
            .start();
    gatewayChannel = InProcessChannelBuilder.forName(gatewayName).directExecutor().build();
  }

  MultimodalGrpc.MultimodalBlockingStub client() {
    return MultimodalGrpc.newBlockingStub(gatewayChannel);
  }

  @Override
  public void close() {
    gatewayChannel.shutdownNow();
    gateway.stop();
    backendChannel.shutdownNow();
    backends.shutdownNow();
  }
}
