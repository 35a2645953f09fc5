package io.mmserve.kit.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.testing.protobuf.SimpleRequest;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.mmserve.kit.client.GrpcChannels;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The server over a real loopback socket, where message size limits apply. */
class NettyGrpcServerTest {
  private static final int MAX_INBOUND = 64 * 1024;

  private GrpcServer server;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws IOException {
    ServerConfig config =
        new ServerConfig("127.0.0.1", 0, "127.0.0.1", 0, MAX_INBOUND, Duration.ofSeconds(5));
    server =
        new GrpcServer(
                GrpcServer.nettyBuilder(config),
                List.of(new TestService()),
                config,
                new SimpleMeterRegistry())
            .start();
    channel = GrpcChannels.plaintext("127.0.0.1:" + server.port(), 1 << 20);
  }

  @AfterEach
  void stop() throws InterruptedException {
    channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    server.stop();
  }

  @Test
  void port_isTheBoundPortWhenZeroWasAsked() {
    assertTrue(server.port() > 0);
  }

  @Test
  void call_succeedsOverLoopback() {
    assertEquals("hello", call("hello"));
  }

  @Test
  void maxInboundMessageSize_rejectsLargerRequest() {
    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> call("x".repeat(2 * MAX_INBOUND)));

    assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
  }

  private String call(String message) {
    return SimpleServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(10, TimeUnit.SECONDS)
        .unaryRpc(SimpleRequest.newBuilder().setRequestMessage(message).build())
        .getResponseMessage();
  }
}
