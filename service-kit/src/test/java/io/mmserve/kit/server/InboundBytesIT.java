package io.mmserve.kit.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.grpc.testing.protobuf.SimpleRequest;
import io.grpc.testing.protobuf.SimpleResponse;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.mmserve.kit.client.GrpcChannels;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link InboundBytes} on a real Netty server: grpc-java must report reads to the stream tracer as
 * they happen and answer a refusal thrown there with its status, on a connection that stays up.
 */
class InboundBytesIT {
  private static final long LIMIT = 1 << 20;
  private static final int MAX_MESSAGE = 4 << 20;
  private static final String METHOD = "grpc.testing.SimpleService/UnaryRpc";

  /** Holds the calls whose message starts with "hold" until the test answers them. */
  private static final class HoldingService extends SimpleServiceGrpc.SimpleServiceImplBase {
    final BlockingQueue<StreamObserver<SimpleResponse>> held = new LinkedBlockingQueue<>();

    @Override
    public void unaryRpc(SimpleRequest request, StreamObserver<SimpleResponse> observer) {
      if (request.getRequestMessage().startsWith("hold")) {
        held.add(observer);
        return;
      }
      observer.onNext(SimpleResponse.newBuilder().setResponseMessage("ok").build());
      observer.onCompleted();
    }

    void answerOne() throws InterruptedException {
      StreamObserver<SimpleResponse> observer = held.poll(30, TimeUnit.SECONDS);
      observer.onNext(SimpleResponse.newBuilder().setResponseMessage("answered").build());
      observer.onCompleted();
    }
  }

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final HoldingService service = new HoldingService();
  private GrpcServer server;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws IOException {
    ServerConfig config =
        new ServerConfig("127.0.0.1", 0, "127.0.0.1", 0, MAX_MESSAGE, Duration.ofSeconds(5), LIMIT);
    server =
        new GrpcServer(GrpcServer.nettyBuilder(config), List.of(service), config, registry).start();
    channel = GrpcChannels.plaintext("127.0.0.1:" + server.port(), MAX_MESSAGE);
  }

  @AfterEach
  void stop() throws InterruptedException {
    channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    server.stop();
  }

  @Test
  void aRequestPastTheBoundIsRefusedWhileOthersGoOnOnTheSameConnection() throws Exception {
    var held = stub().unaryRpc(request("hold", 700_000));
    awaitTrue(() -> service.held.size() == 1);
    assertTrue(heldBytes() >= 700_000, "the held call's message stays counted");

    StatusRuntimeException refused =
        assertThrows(StatusRuntimeException.class, () -> call(request("more", 700_000)));

    assertEquals(Status.Code.UNAVAILABLE, refused.getStatus().getCode());
    String message = refused.getStatus().getDescription();
    assertTrue(message.startsWith(METHOD + ": overloaded: the server holds"), message);
    assertTrue(message.contains(InboundBytes.KEY + "=" + LIMIT), message);
    assertEquals(1, registry.get(InboundBytes.REFUSED).tag("method", METHOD).counter().count());
    awaitTrue(
        () -> callsEnded("UNAVAILABLE") == 1); // the request metrics count it as its caller saw it
    assertEquals(0, callsEnded("CANCELLED"), "a refused call is not counted as cancelled");
    assertEquals("ok", call(request("small", 10)), "the connection still serves calls");

    service.answerOne();
    assertEquals("answered", held.get(30, TimeUnit.SECONDS).getResponseMessage());
    awaitTrue(() -> heldBytes() == 0);
    assertEquals("ok", call(request("more", 700_000)), "released bytes make room again");
  }

  @Test
  void aMessageLargerThanTheBoundIsServedWhenItIsTheOnlyOne() {
    assertEquals("ok", call(request("large", 3_000_000)));
    awaitTrue(() -> heldBytes() == 0);
  }

  private long callsEnded(String status) {
    var timer =
        registry
            .find(MetricsInterceptor.REQUESTS)
            .tag("method", METHOD)
            .tag("status", status)
            .timer();
    return timer == null ? 0 : timer.count();
  }

  private double heldBytes() {
    return registry.get(InboundBytes.IN_FLIGHT).gauge().value();
  }

  private SimpleServiceGrpc.SimpleServiceFutureStub stub() {
    return SimpleServiceGrpc.newFutureStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  private String call(SimpleRequest request) {
    return SimpleServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(60, TimeUnit.SECONDS)
        .unaryRpc(request)
        .getResponseMessage();
  }

  private static SimpleRequest request(String prefix, int size) {
    return SimpleRequest.newBuilder()
        .setRequestMessage(prefix + "x".repeat(Math.max(0, size - prefix.length())))
        .build();
  }

  private static void awaitTrue(BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met in 30 s");
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}
