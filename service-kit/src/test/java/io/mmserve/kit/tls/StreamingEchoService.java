package io.mmserve.kit.tls;

import io.grpc.stub.StreamObserver;
import io.grpc.testing.protobuf.SimpleRequest;
import io.grpc.testing.protobuf.SimpleResponse;
import io.grpc.testing.protobuf.SimpleServiceGrpc;

/**
 * Echoes each request: unary, and as a bidirectional stream that stays open until the client ends
 * it.
 */
final class StreamingEchoService extends SimpleServiceGrpc.SimpleServiceImplBase {
  @Override
  public void unaryRpc(SimpleRequest request, StreamObserver<SimpleResponse> responses) {
    responses.onNext(echo(request));
    responses.onCompleted();
  }

  @Override
  public StreamObserver<SimpleRequest> bidiStreamingRpc(StreamObserver<SimpleResponse> responses) {
    return new StreamObserver<>() {
      @Override
      public void onNext(SimpleRequest request) {
        responses.onNext(echo(request));
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {
        responses.onCompleted();
      }
    };
  }

  private static SimpleResponse echo(SimpleRequest request) {
    return SimpleResponse.newBuilder().setResponseMessage(request.getRequestMessage()).build();
  }
}
