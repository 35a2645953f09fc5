package io.mmserve.kit.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.stub.StreamObserver;
import io.grpc.testing.protobuf.SimpleRequest;
import io.grpc.testing.protobuf.SimpleResponse;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.mmserve.kit.client.GrpcChannels;
import io.mmserve.kit.config.Config;
import io.mmserve.kit.config.ConfigException;
import io.mmserve.kit.server.NettyTransport.CallExecutor;
import io.mmserve.kit.server.NettyTransport.Choice;
import io.mmserve.kit.server.NettyTransport.Kind;
import io.mmserve.kit.server.NettyTransport.Settings;
import io.mmserve.kit.server.NettyTransport.Wanted;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class NettyTransportTest {
  private static final NettyTransport.EpollSupport AVAILABLE = support(true, null);
  private static final NettyTransport.EpollSupport MISSING =
      support(
          false, new UnsatisfiedLinkError("no netty_transport_native_epoll in java.library.path"));

  @Test
  void choose_auto_takesEpollWhereItLoads() {
    Choice choice = NettyTransport.choose(Wanted.AUTO, AVAILABLE);

    assertEquals(new Choice(Kind.EPOLL, false, "grpc.transport=auto"), choice);
    assertEquals("gRPC transport epoll (grpc.transport=auto)", choice.describe());
  }

  @Test
  void choose_auto_fallsBackToNioNamingTheCause() {
    Choice choice = NettyTransport.choose(Wanted.AUTO, MISSING);

    assertEquals(Kind.NIO, choice.kind());
    assertTrue(choice.fellBack());
    assertEquals(
        "gRPC transport nio; epoll is not available here: java.lang.UnsatisfiedLinkError:"
            + " no netty_transport_native_epoll in java.library.path",
        choice.describe());
  }

  @Test
  void choose_epollWanted_fallsBackToNioWhereItCannotLoad() {
    assertEquals(Kind.NIO, NettyTransport.choose(Wanted.EPOLL, MISSING).kind());
    assertEquals(Kind.EPOLL, NettyTransport.choose(Wanted.EPOLL, AVAILABLE).kind());
  }

  @Test
  void choose_nio_takesNioEvenWhereEpollLoads() {
    Choice choice = NettyTransport.choose(Wanted.NIO, AVAILABLE);

    assertEquals(new Choice(Kind.NIO, false, "grpc.transport=nio"), choice);
    assertEquals("gRPC transport nio (grpc.transport=nio)", choice.describe());
  }

  @Test
  void settings_defaultToAutoAndPool() {
    assertEquals(new Settings(Wanted.AUTO, CallExecutor.POOL), Settings.standard());
  }

  @Test
  void settings_refuseAnUnknownTransportNamingKeyAndValue() {
    Config config =
        Config.of(Map.of(NettyTransport.TRANSPORT, "uring", NettyTransport.EXECUTOR, "pool"));

    ConfigException e = assertThrows(ConfigException.class, () -> Settings.from(config));

    assertTrue(e.getMessage().contains("grpc.transport"), e.getMessage());
    assertTrue(e.getMessage().contains("[auto, epoll, nio]"), e.getMessage());
    assertTrue(e.getMessage().contains("uring"), e.getMessage());
  }

  @Test
  void open_onThisHost_servesCallsOnEpollEventLoopsWithDirectExecutor() throws Exception {
    Assumptions.assumeTrue(Epoll.isAvailable(), "a Linux host where Netty's epoll loads");
    try (NettyTransport transport =
        NettyTransport.open(new Settings(Wanted.AUTO, CallExecutor.DIRECT))) {
      assertEquals(Kind.EPOLL, transport.choice().kind());
      assertEquals("grpc-epoll-worker", threadOfOneCall(transport));
    }
  }

  @Test
  void open_nio_servesCallsOnNioEventLoopsWithDirectExecutor() throws Exception {
    try (NettyTransport transport =
        NettyTransport.open(new Settings(Wanted.NIO, CallExecutor.DIRECT))) {
      assertEquals("grpc-nio-worker", threadOfOneCall(transport));
    }
  }

  @Test
  void open_poolExecutor_runsCallsOffTheEventLoops() throws Exception {
    try (NettyTransport transport =
        NettyTransport.open(new Settings(Wanted.AUTO, CallExecutor.POOL))) {
      String thread = threadOfOneCall(transport);
      assertFalse(thread.startsWith("grpc-epoll") || thread.startsWith("grpc-nio"), thread);
    }
  }

  @Test
  void applyTo_putsAClientChannelOnTheServersEventLoops() throws Exception {
    try (NettyTransport transport =
        NettyTransport.open(new Settings(Wanted.NIO, CallExecutor.DIRECT))) {
      GrpcServer server = threadNamingServer(transport);
      ManagedChannelBuilder<?> plain =
          Grpc.newChannelBuilder("127.0.0.1:" + server.port(), InsecureChannelCredentials.create());
      ManagedChannel channel = transport.applyTo(plain).directExecutor().build();
      try {
        CompletableFuture<String> answeredOn = new CompletableFuture<>();
        SimpleServiceGrpc.newStub(channel)
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .unaryRpc(
                SimpleRequest.getDefaultInstance(),
                new StreamObserver<>() {
                  @Override
                  public void onNext(SimpleResponse value) {
                    answeredOn.complete(Thread.currentThread().getName());
                  }

                  @Override
                  public void onError(Throwable t) {
                    answeredOn.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {}
                });

        String thread = answeredOn.get(10, TimeUnit.SECONDS);
        assertTrue(thread.startsWith("grpc-nio-worker"), thread); // not grpc-default-worker-ELG
      } finally {
        channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        server.stop();
      }
    }
  }

  @Test
  void close_stopsTheEventLoopThreads() throws Exception {
    NettyTransport transport = NettyTransport.open(new Settings(Wanted.NIO, CallExecutor.DIRECT));
    threadOfOneCall(transport);

    transport.close();

    assertTrue(
        threadsEnd("grpc-nio-", Duration.ofSeconds(10)),
        "event loop threads still alive 10 s after close");
  }

  /**
   * Polls until no live thread's name starts with {@code prefix} (an event loop's thread exits just
   * after its group reports termination), for at most {@code limit}.
   */
  static boolean threadsEnd(String prefix, Duration limit) throws InterruptedException {
    long end = System.nanoTime() + limit.toNanos();
    while (Thread.getAllStackTraces().keySet().stream()
        .anyMatch(t -> t.isAlive() && t.getName().startsWith(prefix))) {
      if (System.nanoTime() > end) {
        return false;
      }
      Thread.sleep(10);
    }
    return true;
  }

  /**
   * Serves one call on {@code transport} and returns the name of the thread that ran it, less its
   * numbers.
   */
  private static String threadOfOneCall(NettyTransport transport) throws Exception {
    GrpcServer server = threadNamingServer(transport);
    ManagedChannel channel = GrpcChannels.plaintext("127.0.0.1:" + server.port(), 1 << 20);
    try {
      String name =
          SimpleServiceGrpc.newBlockingStub(channel)
              .withDeadlineAfter(10, TimeUnit.SECONDS)
              .unaryRpc(SimpleRequest.getDefaultInstance())
              .getResponseMessage();
      return name.replaceAll("-[0-9]+(-[0-9]+)*$", "");
    } finally {
      channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
      server.stop();
    }
  }

  /** A started server on {@code transport} whose one method answers with its thread's name. */
  private static GrpcServer threadNamingServer(NettyTransport transport) throws Exception {
    ServerConfig config =
        new ServerConfig("127.0.0.1", 0, "127.0.0.1", 0, 1 << 20, Duration.ofSeconds(5));
    return new GrpcServer(
            GrpcServer.nettyBuilder(
                config, ConnectionLimits.standard(), InsecureServerCredentials.create(), transport),
            List.of(new ThreadNamingService()),
            config,
            new SimpleMeterRegistry())
        .start();
  }

  /** Answers with the name of the thread that ran the call. */
  private static final class ThreadNamingService extends SimpleServiceGrpc.SimpleServiceImplBase {
    @Override
    public void unaryRpc(SimpleRequest request, StreamObserver<SimpleResponse> out) {
      out.onNext(
          SimpleResponse.newBuilder().setResponseMessage(Thread.currentThread().getName()).build());
      out.onCompleted();
    }
  }

  private static NettyTransport.EpollSupport support(boolean available, Throwable cause) {
    return new NettyTransport.EpollSupport() {
      @Override
      public boolean available() {
        return available;
      }

      @Override
      public Throwable unavailabilityCause() {
        return cause;
      }
    };
  }
}
