package io.mmserve.kit.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.util.concurrent.SettableFuture;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import io.grpc.testing.protobuf.SimpleRequest;
import io.grpc.testing.protobuf.SimpleResponse;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import io.mmserve.kit.errors.InvalidInputException;
import io.mmserve.kit.errors.StatusMapper;
import java.io.IOException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link Replies} on a plain in-process server: no exception-mapping interceptor helps it. */
class RepliesTest {
  private static final long WAIT_SECONDS = 10;

  private volatile BiConsumer<SimpleRequest, StreamObserver<SimpleResponse>> handler;
  private Server server;
  private ManagedChannel channel;

  @BeforeEach
  void start() throws IOException {
    String name = InProcessServerBuilder.generateName();
    server =
        InProcessServerBuilder.forName(name)
            .directExecutor()
            .addService(
                new SimpleServiceGrpc.SimpleServiceImplBase() {
                  @Override
                  public void unaryRpc(SimpleRequest request, StreamObserver<SimpleResponse> out) {
                    handler.accept(request, out);
                  }
                })
            .build()
            .start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.shutdownNow();
  }

  @Test
  void whenDone_sendsTheValueOnceTheFutureCompletes() {
    handler =
        (request, out) -> Replies.whenDone(CompletableFuture.supplyAsync(() -> echo(request)), out);

    assertEquals("hello", call("hello"));
  }

  @Test
  void whenDone_sendsTheStatusOfADomainFailure() {
    handler =
        (request, out) ->
            Replies.whenDone(
                CompletableFuture.<SimpleResponse>failedFuture(
                    new InvalidInputException("texts[1]: must not be empty")),
                out);

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> call("x"));

    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertEquals("texts[1]: must not be empty", e.getStatus().getDescription());
  }

  @Test
  void whenDone_sendsInternalWithoutDetailsForAnUnexpectedFailure() {
    handler =
        (request, out) ->
            Replies.whenDone(
                CompletableFuture.<SimpleResponse>failedFuture(
                    new IllegalStateException("secret internal detail")),
                out);

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> call("x"));

    assertEquals(Status.Code.INTERNAL, e.getStatus().getCode());
    assertEquals(StatusMapper.INTERNAL_DESCRIPTION, e.getStatus().getDescription());
  }

  @Test
  void whenDone_sendsTheStatusOfAFailedTranslation() {
    handler =
        (request, out) ->
            Replies.whenDone(
                CompletableFuture.completedFuture(request),
                r -> {
                  throw new InvalidInputException("images[0]: not an image");
                },
                out);

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> call("x"));

    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertEquals("images[0]: not an image", e.getStatus().getDescription());
  }

  @Test
  void whenDone_translatesTheValue() {
    handler =
        (request, out) ->
            Replies.whenDone(CompletableFuture.completedFuture(request), RepliesTest::echo, out);

    assertEquals("hi", call("hi"));
  }

  @Test
  void whenDone_listenableFuture_sendsTheValueOrTheStatus() {
    handler =
        (request, out) -> {
          SettableFuture<SimpleResponse> answer = SettableFuture.create();
          Replies.whenDone(answer, out);
          if (request.getRequestMessage().equals("fail")) {
            answer.setException(new InvalidInputException("texts: must not be empty"));
          } else {
            answer.set(echo(request));
          }
        };

    assertEquals("ok", call("ok"));
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> call("fail"));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
  }

  @Test
  void whenDone_clientCancels_cancelsTheCompletableFutureAndSendsNothing() throws Exception {
    CompletableFuture<SimpleRequest> pending = new CompletableFuture<>();
    AtomicInteger translated = new AtomicInteger();
    handler =
        (request, out) ->
            Replies.whenDone(
                pending,
                r -> {
                  translated.incrementAndGet();
                  return echo(r);
                },
                out);

    BlockingQueue<Object> seen = callAndCancel();

    assertCancelled(pending);
    assertTrue(pending.isCancelled());
    assertEquals(0, translated.get(), "nothing is translated or sent after cancellation");
    assertEquals(Status.Code.CANCELLED, ((Status) seen.take()).getCode(), "the client's own");
    assertTrue(seen.isEmpty(), seen.toString());
  }

  @Test
  void whenDone_clientCancels_cancelsTheListenableFuture() throws Exception {
    SettableFuture<SimpleResponse> pending = SettableFuture.create();
    handler = (request, out) -> Replies.whenDone(pending, out);

    callAndCancel();

    assertCancelled(pending);
    assertTrue(pending.isCancelled());
  }

  @Test
  void now_sendsTheValue() {
    handler = (request, out) -> Replies.now(() -> echo(request), out);

    assertEquals("now", call("now"));
  }

  @Test
  void now_sendsTheStatusOfAThrownException() {
    handler =
        (request, out) ->
            Replies.now(
                () -> {
                  throw new InvalidInputException("labels: must not be empty");
                },
                out);

    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> call("x"));

    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertEquals("labels: must not be empty", e.getStatus().getDescription());
  }

  private static SimpleResponse echo(SimpleRequest request) {
    return SimpleResponse.newBuilder().setResponseMessage(request.getRequestMessage()).build();
  }

  private String call(String message) {
    return SimpleServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(WAIT_SECONDS, TimeUnit.SECONDS)
        .unaryRpc(SimpleRequest.newBuilder().setRequestMessage(message).build())
        .getResponseMessage();
  }

  /** Starts a call, cancels it from the client, and returns what the client saw. */
  private BlockingQueue<Object> callAndCancel() {
    BlockingQueue<Object> seen = new LinkedBlockingQueue<>();
    ClientCallStreamObserver<?>[] call = new ClientCallStreamObserver<?>[1];
    SimpleServiceGrpc.newStub(channel)
        .unaryRpc(
            SimpleRequest.newBuilder().setRequestMessage("slow").build(),
            new ClientResponseObserver<SimpleRequest, SimpleResponse>() {
              @Override
              public void beforeStart(ClientCallStreamObserver<SimpleRequest> requestStream) {
                call[0] = requestStream;
              }

              @Override
              public void onNext(SimpleResponse value) {
                seen.add(value);
              }

              @Override
              public void onError(Throwable t) {
                seen.add(Status.fromThrowable(t));
              }

              @Override
              public void onCompleted() {
                seen.add("completed");
              }
            });
    call[0].cancel("client gone", null);
    return seen;
  }

  private static void assertCancelled(Future<?> future) throws InterruptedException {
    CountDownLatch done = new CountDownLatch(1);
    if (future instanceof CompletableFuture<?> f) {
      f.whenComplete((r, t) -> done.countDown());
    } else if (future instanceof SettableFuture<?> f) {
      f.addListener(done::countDown, Runnable::run);
    }
    assertTrue(done.await(WAIT_SECONDS, TimeUnit.SECONDS), "the future was not cancelled");
  }
}
