package io.mmserve.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.mmserve.api.v1.EmbedTextRequest;
import io.mmserve.api.v1.MultimodalGrpc;
import io.mmserve.gateway.resilience.BackendPool;
import io.mmserve.kit.config.Config;
import io.mmserve.kit.server.GrpcServer;
import io.mmserve.kit.server.ServerConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The gateway in front of two text-encoder replicas served as the services serve them: a {@link
 * GrpcServer} whose health follows a dependency ({@link GrpcServer#followReadiness}, as an encoder
 * follows its Triton). A replica whose dependency is down gets no calls until it is back.
 */
class ReplicaReadinessTest {
  private static final Duration POLL = Duration.ofMillis(5);
  private static final int CALLS_PER_CHECK = 6;

  private final String prefix = InProcessServerBuilder.generateName();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final List<AutoCloseable> toClose = new ArrayList<>();
  private final FakeTextEncoder textA = new FakeTextEncoder();
  private final FakeTextEncoder textB = new FakeTextEncoder();
  private final AtomicBoolean tritonOfA = new AtomicBoolean(true);
  private final ScheduledExecutorService readinessPolls = Executors.newScheduledThreadPool(1);
  private ManagedChannel gatewayChannel;

  @BeforeEach
  void start() throws IOException {
    String a = replica(textA, tritonOfA);
    String b = replica(textB, new AtomicBoolean(true));
    Server others =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(new FakeVisionEncoder())
            .addService(new FakeFusion())
            .build()
            .start();
    toClose.add(others::shutdownNow);
    String othersTarget = "127.0.0.1:" + others.getPort();

    Map<String, String> settings = new HashMap<>(GatewayConfig.defaults());
    settings.put(GatewayConfig.TEXT_ENCODER_TARGET, a + "," + b);
    settings.put(GatewayConfig.VISION_ENCODER_TARGET, othersTarget);
    settings.put(GatewayConfig.FUSION_TARGET, othersTarget);
    GatewayConfig config = GatewayConfig.from(Config.of(settings));
    BackendStack stack =
        new BackendStack(config, BackendPool.ChannelFactory.plaintext(1 << 20), registry);
    toClose.add(stack);
    GrpcServer gateway =
        new GrpcServer(
                InProcessServerBuilder.forName(prefix + "gateway").directExecutor(),
                List.of(
                    new MultimodalService(
                        stack.backends, new LabelEmbeddingCache(16, registry), config.limits())),
                serverConfig(),
                registry)
            .start();
    toClose.add(gateway);
    gatewayChannel = InProcessChannelBuilder.forName(prefix + "gateway").directExecutor().build();
    toClose.add(gatewayChannel::shutdownNow);
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : toClose.reversed()) {
      c.close();
    }
    readinessPolls.shutdownNow();
  }

  @Test
  void embedText_goesAroundAReplicaWhoseDependencyIsDownAndBackOnceItIsReady() {
    Eventually.await("both replicas get calls", () -> callsReach(textA) && callsReach(textB));

    tritonOfA.set(false);
    Eventually.await("calls avoid replica a", () -> !callsReach(textA));
    int before = textA.calls;
    for (int i = 0; i < 3 * CALLS_PER_CHECK; i++) {
      embed();
    }
    assertEquals(before, textA.calls, "replica a got calls while its dependency was down");

    tritonOfA.set(true);
    Eventually.await("replica a gets calls again", () -> callsReach(textA));
  }

  /** Whether some of a few calls through the gateway reach {@code replica}. */
  private boolean callsReach(FakeTextEncoder replica) {
    int before = replica.calls;
    for (int i = 0; i < CALLS_PER_CHECK; i++) {
      embed();
    }
    return replica.calls > before;
  }

  private void embed() {
    MultimodalGrpc.newBlockingStub(gatewayChannel)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .embedText(EmbedTextRequest.newBuilder().addTexts("a red circle").build());
  }

  /** Starts a replica on a loopback port; returns its {@code host:port}. */
  private String replica(FakeTextEncoder encoder, AtomicBoolean dependencyReady)
      throws IOException {
    GrpcServer server =
        new GrpcServer(
                NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)),
                List.of(encoder),
                serverConfig(),
                new SimpleMeterRegistry(),
                readinessPolls)
            .followReadiness(dependencyReady::get, POLL)
            .start();
    toClose.add(server);
    return "127.0.0.1:" + server.port();
  }

  private static ServerConfig serverConfig() {
    return new ServerConfig("127.0.0.1", 0, "127.0.0.1", 0, 1 << 20, Duration.ofSeconds(5));
  }
}
