package io.mmserve.kit.server;

import io.grpc.stub.StreamObserver;
import io.grpc.testing.protobuf.SimpleRequest;
import io.grpc.testing.protobuf.SimpleResponse;
import io.grpc.testing.protobuf.SimpleServiceGrpc;
import io.mmserve.kit.errors.InvalidInputException;
import io.mmserve.kit.errors.ResourceLimitException;

/** Answers by the request message: throws, calls onError, fails unexpectedly, or echoes. */
final class TestService extends SimpleServiceGrpc.SimpleServiceImplBase {
  static final String THROW_INVALID = "throw-invalid";
  static final String ON_ERROR_LIMIT = "on-error-limit";
  static final String THROW_BUG = "throw-bug";

  @Override
  public void unaryRpc(SimpleRequest request, StreamObserver<SimpleResponse> responseObserver) {
    switch (request.getRequestMessage()) {
      case THROW_INVALID -> throw new InvalidInputException("texts[1]: must not be empty");
      case ON_ERROR_LIMIT ->
          responseObserver.onError(
              new ResourceLimitException("texts: 300 exceeds the limit of 256"));
      case THROW_BUG -> throw new IllegalStateException("secret internal detail");
      default -> {
        responseObserver.onNext(
            SimpleResponse.newBuilder().setResponseMessage(request.getRequestMessage()).build());
        responseObserver.onCompleted();
      }
    }
  }
}
