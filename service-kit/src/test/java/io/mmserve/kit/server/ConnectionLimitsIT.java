package io.mmserve.kit.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.grpc.testing.protobuf.SimpleRequest;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.mmserve.kit.client.GrpcChannels;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Hostile clients against a real gRPC server on loopback, each on its own connection written frame
 * by frame ({@link RawHttp2Connection}): each one is cut off by a {@link ConnectionLimits} limit,
 * while a well-behaved gRPC client on another connection is served before, during and after.
 *
 * <p>The limits run on the Netty transport's own timers, so the tests use short limits and wait for
 * the outcome with a generous upper bound (a latch), never a sleep.
 */
class ConnectionLimitsIT {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String UNARY = "grpc.testing.SimpleService/UnaryRpc";
  private static final ConnectionLimits TEST_DEFAULTS =
      new ConnectionLimits(
          4,
          Duration.ofMinutes(30),
          Duration.ofMinutes(2),
          Duration.ofMinutes(15),
          Duration.ofMinutes(1),
          false,
          4 * 1024,
          Duration.ofSeconds(10),
          200,
          Duration.ofSeconds(10));

  private GrpcServer server;
  private ManagedChannel channel;

  @AfterEach
  void stop() throws InterruptedException {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.stop();
    }
  }

  @Test
  void streamsBeyondTheLimitAreRefused_andTheConnectionIsCutOffAtItsMaximumAge() throws Exception {
    start(withAge(Duration.ofSeconds(2), Duration.ofSeconds(1)));
    try (RawHttp2Connection hostile = RawHttp2Connection.open(server.port())) {
      for (int i = 0; i < 4; i++) {
        hostile.openCall(UNARY); // held open: the request never ends
      }
      int refused = hostile.openCall(UNARY);
      awaitReset(hostile, refused);

      assertEquals(RawHttp2Connection.REFUSED_STREAM, hostile.resetCode(refused));
      assertServed("during");
      assertTrue(hostile.awaitGoAway(WAIT), "no GOAWAY at the connection's maximum age");
      assertTrue(hostile.awaitClosed(WAIT), "the connection outlived its age grace");
    }
    assertServed("after");
  }

  @Test
  void streamsOpenedAndResetWithoutEnd_getGoAwayEnhanceYourCalm() throws Exception {
    start(TEST_DEFAULTS);
    try (RawHttp2Connection hostile = RawHttp2Connection.open(server.port())) {
      for (int i = 0; i < 100_000 && !hostile.isClosed() && hostile.goAways().isEmpty(); i++) {
        int stream = hostile.openCall(UNARY);
        hostile.reset(stream);
        if (i == 50) {
          assertServed("during");
        }
      }

      assertTrue(hostile.awaitGoAway(WAIT), "no GOAWAY after a flood of reset streams");
      assertTrue(
          hostile.goAways().getFirst().startsWith("code=" + RawHttp2Connection.ENHANCE_YOUR_CALM),
          hostile.goAways().toString());
      assertTrue(hostile.awaitClosed(WAIT), "the connection stayed open");
    } catch (IOException e) {
      // the server closed the socket under our writes: cut off, as wanted
    }
    assertServed("after");
  }

  @Test
  void pingsMoreOftenThanPermitted_getGoAwayTooManyPings() throws Exception {
    start(TEST_DEFAULTS);
    try (RawHttp2Connection hostile = RawHttp2Connection.open(server.port())) {
      assertServed("during");
      for (int i = 0; i < 100 && hostile.goAways().isEmpty() && !hostile.isClosed(); i++) {
        hostile.ping();
      }

      assertTrue(hostile.awaitGoAway(WAIT), "no GOAWAY after a ping flood");
      assertEquals(
          "code=" + RawHttp2Connection.ENHANCE_YOUR_CALM + " debug=too_many_pings",
          hostile.goAways().getFirst());
      assertTrue(hostile.awaitClosed(WAIT), "the connection stayed open");
    }
    assertServed("after");
  }

  @Test
  void pingsAsOftenAsPermitted_areAnswered() throws Exception {
    start(withKeepAlive(Duration.ZERO, true));
    try (RawHttp2Connection pinger = RawHttp2Connection.open(server.port())) {
      for (int i = 0; i < 100; i++) {
        pinger.ping();
      }
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (pinger.pingAcks() < 100 && !pinger.isClosed() && System.nanoTime() < deadline) {
        Thread.sleep(5); // polling for the acknowledgements
      }

      assertEquals(100, pinger.pingAcks());
      assertEquals(List.of(), pinger.goAways());
    }
  }

  @Test
  void aConnectionThatSendsNothing_isClosed() throws Exception {
    start(withIdle(Duration.ofSeconds(1)));
    try (RawHttp2Connection silent = RawHttp2Connection.silent(server.port())) {
      assertServed("during");

      assertTrue(silent.awaitClosed(WAIT), "a connection without the HTTP/2 preface stayed open");
    }
    assertServed("after");
  }

  @Test
  void headersLargerThanTheLimit_failTheCall() throws Exception {
    start(TEST_DEFAULTS);
    Metadata large = new Metadata();
    large.put(Metadata.Key.of("x-large", Metadata.ASCII_STRING_MARSHALLER), "x".repeat(6 * 1024));

    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () ->
                SimpleServiceGrpc.newBlockingStub(channel)
                    .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(large))
                    .withDeadlineAfter(10, TimeUnit.SECONDS)
                    .unaryRpc(SimpleRequest.newBuilder().setRequestMessage("big").build()));

    assertTrue(
        e.getStatus().getCode() == Status.Code.RESOURCE_EXHAUSTED
            || e.getStatus().getCode() == Status.Code.INTERNAL,
        e.getStatus().toString());
    assertServed("after");
  }

  @Test
  void aMethodLimit_refusesLargerRequestsOfThatMethodOnly() throws Exception {
    ServerConfig config = serverConfig();
    MethodMessageLimits limits = new MethodMessageLimits(Map.of(UNARY, 1024));
    server =
        new GrpcServer(
                GrpcServer.nettyBuilder(config, TEST_DEFAULTS),
                limits.applyTo(List.of(new TestService())),
                config,
                new SimpleMeterRegistry())
            .start();
    channel = GrpcChannels.plaintext("127.0.0.1:" + server.port(), 1 << 20);

    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> call("x".repeat(2048)));

    assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().contains(UNARY), e.getStatus().getDescription());
    assertTrue(e.getStatus().getDescription().contains("1024"), e.getStatus().getDescription());
    assertEquals("small", call("small"));
  }

  private void start(ConnectionLimits limits) throws IOException {
    ServerConfig config = serverConfig();
    server =
        new GrpcServer(
                GrpcServer.nettyBuilder(config, limits),
                List.of(new TestService()),
                config,
                new SimpleMeterRegistry())
            .start();
    channel = GrpcChannels.plaintext("127.0.0.1:" + server.port(), 1 << 20);
    assertServed("before");
  }

  private static ServerConfig serverConfig() {
    return new ServerConfig("127.0.0.1", 0, "127.0.0.1", 0, 1 << 20, Duration.ofSeconds(5));
  }

  private static ConnectionLimits withAge(Duration age, Duration grace) {
    ConnectionLimits d = TEST_DEFAULTS;
    return new ConnectionLimits(
        d.maxConcurrentCallsPerConnection(),
        age,
        grace,
        d.maxConnectionIdle(),
        d.permitKeepAliveTime(),
        d.permitKeepAliveWithoutCalls(),
        d.maxHeaderListBytes(),
        d.handshakeTimeout(),
        d.maxStreamResets(),
        d.streamResetWindow());
  }

  private static ConnectionLimits withKeepAlive(Duration permitTime, boolean withoutCalls) {
    ConnectionLimits d = TEST_DEFAULTS;
    return new ConnectionLimits(
        d.maxConcurrentCallsPerConnection(),
        d.maxConnectionAge(),
        d.maxConnectionAgeGrace(),
        d.maxConnectionIdle(),
        permitTime,
        withoutCalls,
        d.maxHeaderListBytes(),
        d.handshakeTimeout(),
        d.maxStreamResets(),
        d.streamResetWindow());
  }

  private static ConnectionLimits withIdle(Duration idle) {
    ConnectionLimits d = TEST_DEFAULTS;
    return new ConnectionLimits(
        d.maxConcurrentCallsPerConnection(),
        d.maxConnectionAge(),
        d.maxConnectionAgeGrace(),
        idle,
        d.permitKeepAliveTime(),
        d.permitKeepAliveWithoutCalls(),
        d.maxHeaderListBytes(),
        Duration.ofSeconds(1),
        d.maxStreamResets(),
        d.streamResetWindow());
  }

  private static void awaitReset(RawHttp2Connection connection, int stream)
      throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (connection.resetCode(stream) == null && System.nanoTime() < deadline) {
      Thread.sleep(5); // polling for the frame, not waiting for time to pass
    }
    assertNotNull(connection.resetCode(stream), "stream " + stream + " was not reset");
  }

  private void assertServed(String when) {
    assertEquals(when, call(when), "a normal caller was not served " + when);
  }

  private String call(String message) {
    return SimpleServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .unaryRpc(SimpleRequest.newBuilder().setRequestMessage(message).build())
        .getResponseMessage();
  }
}
