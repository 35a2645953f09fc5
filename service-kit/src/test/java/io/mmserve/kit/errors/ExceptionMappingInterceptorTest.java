package io.mmserve.kit.errors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.grpc.testing.protobuf.SimpleRequest;
import io.grpc.testing.protobuf.SimpleResponse;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ExceptionMappingInterceptorTest {
  private static final FieldViolation BAD_IMAGE =
      FieldViolation.item("images", 3, "corrupt image data").at("encoded");
  private static final FieldViolation LONG_TEXT =
      FieldViolation.item("texts", 1, "300 characters exceed the limit of 256");

  private Server server;
  private ManagedChannel channel;

  /** Throws for "throw", passes to onError for "on-error"; both with a field violation. */
  private static final class FailingService extends SimpleServiceGrpc.SimpleServiceImplBase {
    @Override
    public void unaryRpc(SimpleRequest request, StreamObserver<SimpleResponse> observer) {
      if (request.getRequestMessage().equals("throw")) {
        throw new InvalidInputException(BAD_IMAGE);
      }
      observer.onError(new ResourceLimitException(LONG_TEXT));
    }
  }

  @BeforeEach
  void start() throws IOException {
    String name = InProcessServerBuilder.generateName();
    server =
        InProcessServerBuilder.forName(name)
            .directExecutor()
            .addService(
                ServerInterceptors.intercept(
                    new FailingService(), new ExceptionMappingInterceptor()))
            .build()
            .start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
  }

  @AfterEach
  void stop() throws InterruptedException {
    channel.shutdownNow();
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  @Test
  void thrownInvalidInput_reachesClientWithDescriptionAndBadRequest() {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> call("throw"));

    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertEquals("images[3].encoded: corrupt image data", e.getStatus().getDescription());
    assertEquals(List.of(BAD_IMAGE), BadRequestDetails.of(e));
  }

  @Test
  void resourceLimitPassedToOnError_reachesClientWithBadRequest() {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> call("on-error"));

    assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
    assertEquals(
        "texts[1]: 300 characters exceed the limit of 256", e.getStatus().getDescription());
    assertEquals(List.of(LONG_TEXT), BadRequestDetails.of(e));
  }

  private SimpleResponse call(String message) {
    return SimpleServiceGrpc.newBlockingStub(channel)
        .unaryRpc(SimpleRequest.newBuilder().setRequestMessage(message).build());
  }
}
